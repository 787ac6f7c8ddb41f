//! Hooks (`use_x(...) -> UseXReturn`, the leptos-use convention) that own a timer or a poller.

pub mod call;
pub mod call_log;
pub mod dashboard;
pub mod now;
pub mod precall;
pub mod room_status;
pub mod session_keeper;
pub mod waiting_alerts;
