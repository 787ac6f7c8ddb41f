//! The join window (`check_join`) and the dashboard's watch rule (`is_watched`) over any status
//! and any pair of instants the time crate can hold: they answer, never panic (no overflow at the
//! ends of time), and an open window holds `now`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use teleconsult_core::{
    api::{Appointment, Party},
    dashboard::is_watched,
    join_window::check_join,
    AppointmentStatus,
};
use time::OffsetDateTime;

fn instant(seconds: i64) -> OffsetDateTime {
    let min = OffsetDateTime::new_utc(time::Date::MIN, time::Time::MIDNIGHT).unix_timestamp();
    let max = OffsetDateTime::new_utc(time::Date::MAX, time::Time::MIDNIGHT).unix_timestamp();
    OffsetDateTime::from_unix_timestamp(seconds.clamp(min, max)).unwrap()
}

fuzz_target!(|input: (u8, i64, i64)| {
    let (status, scheduled, now) = input;
    let status = [
        AppointmentStatus::Requested,
        AppointmentStatus::Confirmed,
        AppointmentStatus::Cancelled,
        AppointmentStatus::Completed,
    ][usize::from(status % 4)];
    let (scheduled_at, now) = (instant(scheduled), instant(now));
    let appointment = Appointment {
        id: 1,
        patient: Party {
            id: 2,
            name: String::new(),
        },
        doctor: Party {
            id: 1,
            name: String::new(),
        },
        scheduled_at,
        duration_minutes: 20,
        status,
        reason: String::new(),
        room: String::new(),
    };
    let watched = is_watched(&appointment, now);
    if let Ok(window) = check_join(status, scheduled_at, now) {
        assert!(watched, "an open room is watched");
        assert_eq!(status, AppointmentStatus::Confirmed);
        assert!(window.opens_at <= now && now <= window.closes_at);
        assert!(window.opens_at <= scheduled_at && scheduled_at <= window.closes_at);
    }
});
