//! The API's wire types as the app decodes the server's answers (and the server decodes
//! requests): any text decodes or errors, never panics; what decodes survives its own encoding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};
use teleconsult_core::api::{
    AccessLog, AppointmentList, CallEvent, ConnectivityInfo, CreateAppointment, ErrorBody,
    JoinResponse, LoginRequest, LoginResponse, RoomStatusList,
};

fn round_trip<T: DeserializeOwned + Serialize>(text: &str) {
    if let Ok(value) = serde_json::from_str::<T>(text) {
        let encoded = serde_json::to_string(&value).expect("a decoded value encodes");
        let again: T = serde_json::from_str(&encoded).expect("an encoded value decodes");
        assert_eq!(serde_json::to_string(&again).unwrap(), encoded);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    round_trip::<JoinResponse>(text);
    round_trip::<AppointmentList>(text);
    round_trip::<RoomStatusList>(text);
    round_trip::<ErrorBody>(text);
    round_trip::<Vec<CallEvent>>(text);
    round_trip::<AccessLog>(text);
    round_trip::<ConnectivityInfo>(text);
    round_trip::<LoginResponse>(text);
    round_trip::<LoginRequest>(text);
    round_trip::<CreateAppointment>(text);
});
