//! `config.json` as the app reads it at start: any text is a configuration or a
//! `ClientConfigError` (shown on the config error screen), never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use teleconsult_core::client_config::ClientConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = ClientConfig::parse(text) {
        let _ = config.api_url("/api/appointments");
    }
});
