//! The only place with `extern "C"` blocks: browser APIs that web-sys does not expose yet.

pub mod crash;
pub mod livekit;
pub mod sfu;
pub mod twilio;
pub mod webrtc;
