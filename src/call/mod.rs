//! The browser-side call: one seam, several providers.
//!
//! [`connect`] makes the join request once, reads which provider the clinic's server answered
//! with, and returns that provider's transport behind [`CallTransport`]; the consultation page
//! (through `hooks::call::use_call`) holds only that. Each transport reports to a
//! [`CallReporter`], which runs the provider-neutral state machine of `teleconsult_core::call`;
//! the UI reads the result through [`CallView`](transport::CallView).
//!
//! Providers: [`p2p`] (WebRTC through web-sys and our signaling hub), and two media servers
//! through one engine, [`sfu`]: [`livekit`] (LiveKit's browser SDK) and [`twilio`] (Twilio
//! Video's SDK), each SDK loaded only when such a call starts.

pub mod livekit;
pub mod media;
pub mod p2p;
pub mod peer_link;
pub mod sfu;
pub mod signaling;
pub mod transport;
pub mod twilio;

use std::rc::Rc;

use teleconsult_core::{
    api::Connection,
    call::{CallError, Refusal},
};

use crate::api::{ApiError, AuthorizedApi, RoomStatusReply};
use livekit::{Livekit, LivekitCall};
use p2p::{P2pCall, P2pParams};
use transport::{CallReporter, CallTransport};
use twilio::{Twilio, TwilioCall};

/// Asks the server to join `appointment_id` (`POST /api/appointments/{id}/join`) and starts the
/// transport of the provider it answers with, reporting to `reporter`.
///
/// # Errors
/// [`CallError::SessionExpired`] on a 401, [`CallError::Network`] without an answer,
/// [`CallError::Refused`] with the server's reason (join window, not a party, unknown
/// appointment, a provider this app cannot use) and its message.
pub async fn connect(
    api: &AuthorizedApi,
    appointment_id: i64,
    reporter: Rc<CallReporter>,
) -> Result<Box<dyn CallTransport>, CallError> {
    let join = api.join(appointment_id).await.map_err(call_error)?;
    match join.connection {
        Connection::P2p {
            signaling_url,
            ice_servers,
        } => {
            let origin = leptos::prelude::window()
                .location()
                .origin()
                .unwrap_or_default();
            let params = P2pParams {
                appointment_id,
                role: api.role(),
                signaling_url: signaling::resolve_url(&signaling_url, api.base_url(), &origin),
                access_token: api.token_source(),
                ice_servers,
            };
            Ok(Box::new(P2pCall::start(params, reporter)))
        }
        Connection::Livekit {
            url,
            token,
            e2ee_key,
            ..
        } => {
            // The SDK loads while the room status is asked and the camera starts.
            crate::bindings::livekit::Sdk::preload();
            let busy = already_in_room(api, appointment_id, &join.identity).await;
            let provider = Livekit {
                url,
                token,
                e2ee_key,
            };
            Ok(Box::new(LivekitCall::start(
                provider,
                api.role(),
                busy,
                reporter,
            )))
        }
        Connection::Twilio {
            token, peer_name, ..
        } => {
            crate::bindings::twilio::Sdk::preload();
            let busy = already_in_room(api, appointment_id, &join.identity).await;
            let provider = Twilio {
                token,
                room: join.room,
                peer_name,
            };
            Ok(Box::new(TwilioCall::start(
                provider,
                api.role(),
                busy,
                reporter,
            )))
        }
    }
}

/// Whether `identity` is already in the room of `appointment_id` (another tab or device of this
/// person). SFUs let a second session of the same identity in and end the first one, so the
/// call asks first, as the P2P hub does, and offers "continue here" instead. Unknown (the status
/// could not be read): not busy.
async fn already_in_room(api: &AuthorizedApi, appointment_id: i64, identity: &str) -> bool {
    match api.room_status(&[appointment_id], None, None).await {
        Ok(RoomStatusReply::Changed(list, _)) => list
            .rooms
            .iter()
            .flat_map(|r| &r.participants)
            .any(|p| p.identity == identity),
        _ => false,
    }
}

/// The call failure an API error stands for.
fn call_error(e: ApiError) -> CallError {
    match e {
        ApiError::Network(_) => CallError::Network,
        ApiError::Unauthorized(_) => CallError::SessionExpired,
        ApiError::Rejected {
            status,
            code,
            message,
        } if status < 500 => CallError::Refused {
            reason: Refusal::from_code(&code).unwrap_or(Refusal::Other),
            message,
        },
        other => CallError::Refused {
            reason: Refusal::Other,
            message: other.user_message(),
        },
    }
}
