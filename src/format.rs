//! Dates and times in the person's own time zone and language, through the browser's `Intl`.

use time::OffsetDateTime;

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

/// Local time of day, e.g. "13:30" or "1:30 PM" by the browser's locale.
pub fn local_time(at: OffsetDateTime) -> String {
    js_date(at)
        .to_locale_time_string_with_options(
            "default",
            &options(&[("hour", "2-digit"), ("minute", "2-digit")]),
        )
        .into()
}

/// Local date with the weekday, e.g. "Saturday 21 November".
pub fn local_day(at: OffsetDateTime) -> String {
    js_date(at)
        .to_locale_date_string(
            "default",
            &options(&[("weekday", "long"), ("day", "numeric"), ("month", "long")]),
        )
        .into()
}

/// A key that is equal for instants on the same local calendar day.
pub fn local_day_key(at: OffsetDateTime) -> (u32, u32, u32) {
    let d = js_date(at);
    (d.get_full_year(), d.get_month(), d.get_date())
}
