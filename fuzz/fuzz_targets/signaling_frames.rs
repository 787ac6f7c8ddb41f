//! Signaling frames as the server reads them from a socket (`ClientFrame`) and as the app reads
//! them from the server (`ServerFrame`): any bytes decode to a frame or an error, never a panic,
//! and a frame that decodes survives its own encoding unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use teleconsult_core::signaling::{ClientFrame, ServerFrame};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(frame) = serde_json::from_str::<ClientFrame>(text) {
        let again: ClientFrame = serde_json::from_str(&serde_json::to_string(&frame).unwrap())
            .expect("an encoded client frame decodes");
        assert_eq!(again, frame);
    }
    if let Ok(frame) = serde_json::from_str::<ServerFrame>(text) {
        let again: ServerFrame = serde_json::from_str(&serde_json::to_string(&frame).unwrap())
            .expect("an encoded server frame decodes");
        assert_eq!(again, frame);
    }
});
