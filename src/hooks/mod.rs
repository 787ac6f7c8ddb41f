//! Hooks (`use_x(...) -> UseXReturn`, the leptos-use convention) that own a timer, a poller or
//! an effect of a page's set-up.

pub mod call;
pub mod call_log;
pub mod call_prefetch;
pub mod dashboard;
pub mod now;
pub mod page;
pub mod precall;
pub mod room_status;
pub mod session_keeper;
pub mod waiting_alerts;
