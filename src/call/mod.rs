//! The browser-side call engine.
//!
//! The consultation UI drives a [`CallTransport`](transport::CallTransport) and reads its
//! [`CallSignals`](transport::CallSignals); [`p2p::P2pCall`] implements it with `RTCPeerConnection`
//! and the signaling hub. The call's states and transitions are the pure state machine of
//! `teleconsult_core::call`; this module only carries out its effects.

pub mod media;
pub mod p2p;
pub mod signaling;
pub mod transport;
