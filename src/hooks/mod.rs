//! Hooks (`use_x(...) -> UseXReturn`, the leptos-use convention) that own a timer or a poller.

pub mod dashboard;
pub mod now;
pub mod room_status;
