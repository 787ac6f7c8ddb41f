//! Dates and times in the person's own time zone and in the page's language (`crate::i18n`),
//! through the browser's `Intl`.

use time::OffsetDateTime;
use wasm_bindgen::JsCast;

fn js_date(at: OffsetDateTime) -> js_sys::Date {
    js_sys::Date::new(&((at.unix_timestamp_nanos() / 1_000_000) as f64).into())
}

fn options(pairs: &[(&str, &str)]) -> js_sys::Object {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    o
}

/// The `Intl` locale: the page's language, with the browser's region for it. Read inside a
/// reactive closure, the text follows a language switch.
fn locale() -> String {
    crate::i18n::intl_locale()
}

/// Local time of day, e.g. "13:30" or "1:30 PM" by the page's language.
pub fn local_time(at: OffsetDateTime) -> String {
    js_date(at)
        .to_locale_time_string_with_options(
            &locale(),
            &options(&[("hour", "2-digit"), ("minute", "2-digit")]),
        )
        .into()
}

/// Local date with the weekday in the page's language, e.g. "Saturday 21 November".
pub fn local_day(at: OffsetDateTime) -> String {
    js_date(at)
        .to_locale_date_string(
            &locale(),
            &options(&[("weekday", "long"), ("day", "numeric"), ("month", "long")]),
        )
        .into()
}

/// A key that is equal for instants on the same local calendar day.
pub fn local_day_key(at: OffsetDateTime) -> (u32, u32, u32) {
    let d = js_date(at);
    (d.get_full_year(), d.get_month(), d.get_date())
}

/// `Intl.DateTimeFormat` for the page's language with `opts`, or `None` when the browser refuses the
/// options (an unknown `timeZone` is a `RangeError`).
fn date_time_format(opts: &js_sys::Object) -> Option<js_sys::Intl::DateTimeFormat> {
    let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor = js_sys::Reflect::get(&intl, &"DateTimeFormat".into()).ok()?;
    let args = js_sys::Array::of2(&locale().into(), opts);
    js_sys::Reflect::construct(constructor.unchecked_ref::<js_sys::Function>(), &args)
        .ok()
        .map(JsCast::unchecked_into)
}

/// Whether this browser knows the IANA time zone `zone` (`Intl` accepts it).
pub fn is_known_time_zone(zone: &str) -> bool {
    date_time_format(&options(&[("timeZone", zone)])).is_some()
}

/// `at` as "HH:MM zone" in `zone` (or the browser's own zone), with the zone's short name
/// ("GMT+6", "BST") or, with `name` = `"longOffset"`, its offset ("GMT+06:00").
fn time_in(at: OffsetDateTime, zone: Option<&str>, name: &str) -> Option<String> {
    let mut pairs = vec![
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("timeZoneName", name),
    ];
    if let Some(zone) = zone {
        pairs.push(("timeZone", zone));
    }
    let format = date_time_format(&options(&pairs))?;
    format
        .format()
        .call1(&format, &js_date(at))
        .ok()?
        .as_string()
}

/// An appointment's time for someone who may be elsewhere than the clinic: the local time alone
/// when the clinic has no time zone set or the viewer's zone has the same offset at `at`;
/// otherwise both, named, e.g. "13:30 your time (GMT+1) · 18:30 at the clinic (GMT+6)"
/// (`format.both_times`).
pub fn appointment_time(at: OffsetDateTime, clinic_zone: Option<&str>) -> String {
    let Some(clinic_zone) = clinic_zone else {
        return local_time(at);
    };
    let offset = |zone| {
        time_in(at, zone, "longOffset").and_then(|s| s.rsplit(' ').next().map(str::to_string))
    };
    if offset(None) == offset(Some(clinic_zone)) {
        return local_time(at);
    }
    match (
        time_in(at, None, "short"),
        time_in(at, Some(clinic_zone), "short"),
    ) {
        (Some(mine), Some(clinic)) => {
            let split = |s: String| match s.rsplit_once(' ') {
                Some((time, zone)) => (time.to_string(), zone.to_string()),
                None => (s, String::new()),
            };
            let ((my_time, my_zone), (clinic_time, clinic_zone)) = (split(mine), split(clinic));
            crate::i18n::tr_with(
                "format.both_times",
                &[
                    ("my_time", &my_time),
                    ("my_zone", &my_zone),
                    ("clinic_time", &clinic_time),
                    ("clinic_zone", &clinic_zone),
                ],
            )
        }
        _ => local_time(at),
    }
}
