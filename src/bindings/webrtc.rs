//! `RTCPeerConnection` methods missing from web-sys 0.3.107, needed for "perfect negotiation".

use wasm_bindgen::{prelude::*, JsCast};
use web_sys::RtcPeerConnection;

#[wasm_bindgen]
extern "C" {
    /// The browser's `RTCPeerConnection`, seen through the methods below.
    #[wasm_bindgen(extends = RtcPeerConnection, js_name = RTCPeerConnection)]
    type PeerConnection;

    /// `setLocalDescription()` with no argument: creates the right offer or answer for the current
    /// signaling state and sets it (W3C WebRTC 1.0, §4.4.1.6 "implicit description";
    /// <https://developer.mozilla.org/docs/Web/API/RTCPeerConnection/setLocalDescription>).
    #[wasm_bindgen(method, js_name = setLocalDescription)]
    fn set_local_description_implicit(this: &PeerConnection) -> js_sys::Promise;

    /// `restartIce()`: the next offer restarts ICE on both ends
    /// (<https://developer.mozilla.org/docs/Web/API/RTCPeerConnection/restartIce>).
    #[wasm_bindgen(method, js_name = restartIce)]
    fn restart_ice(this: &PeerConnection);
}

/// The missing methods, called like web-sys's own.
pub trait PeerConnectionExt {
    /// `setLocalDescription()` without a description: resolves once the implicit offer or answer
    /// is set; read it from `local_description()`.
    fn set_local_description_implicit(&self) -> js_sys::Promise;
    /// `restartIce()`: fires `negotiationneeded`; the next offer restarts ICE.
    fn restart_ice(&self);
}

impl PeerConnectionExt for RtcPeerConnection {
    fn set_local_description_implicit(&self) -> js_sys::Promise {
        self.unchecked_ref::<PeerConnection>()
            .set_local_description_implicit()
    }

    fn restart_ice(&self) {
        self.unchecked_ref::<PeerConnection>().restart_ice()
    }
}
