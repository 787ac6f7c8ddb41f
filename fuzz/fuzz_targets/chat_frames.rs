//! Chat frames as the app reads them from the call's data path (`ChatFrame::parse`), fed into a
//! conversation: any text is a frame or an error, never a panic; a frame that parses survives its
//! own encoding; the conversation never holds a message over the limit or repeats one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use teleconsult_core::chat::{ChatFrame, ChatLog, MAX_CHAT_CHARS};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut log = ChatLog::default();
    for line in text.split('\n') {
        if let Ok(frame) = ChatFrame::parse(line) {
            assert_eq!(ChatFrame::parse(&frame.encode()), Ok(frame.clone()));
            log.receive(frame, 0);
        }
    }
    let entries = log.entries();
    assert!(entries.iter().all(|e| e.text.chars().count() <= MAX_CHAT_CHARS));
    let mut ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), entries.len(), "a message shown twice");
});
