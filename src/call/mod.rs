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
//! Video's SDK), each SDK loaded only on the consultation page — with the page when this browser
//! already knows the clinic's provider ([`remember_provider`]; `consultation.html` reads it),
//! else once the join answer names it.

pub mod livekit;
pub mod media;
pub mod p2p;
pub mod peer_link;
pub mod sfu;
pub mod signaling;
pub mod transport;
pub mod twilio;

use std::rc::Rc;

use leptos::prelude::Set as _;

use teleconsult_core::{
    api::{Connection, JoinResponse, ProviderKind},
    call::{CallError, CallEvent, CallState, Refusal},
};

use crate::api::{ApiError, AuthorizedApi, JoinAnswer, RoomStatusReply};
use livekit::{Livekit, LivekitCall};
use media::OpeningMedia;
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
    // Every provider needs the camera and microphone: they open while the join request is
    // under way (a refused join drops them again).
    let media = OpeningMedia::start();
    let (join, media) = admitted(api, appointment_id, &reporter, media).await?;
    remember_provider(join.connection.provider());
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
            Ok(Box::new(P2pCall::start(params, media, reporter)))
        }
        Connection::Livekit {
            url,
            token,
            e2ee_key,
            ..
        } => {
            // The SDK loads while the camera starts (unless the page already started it for a
            // remembered provider: a module is imported once).
            crate::bindings::livekit::Sdk::preload();
            let busy = busy_check(api, appointment_id, join.already_in_room, join.identity);
            let provider = Livekit {
                url,
                token,
                e2ee_key,
            };
            Ok(Box::new(LivekitCall::start(
                provider,
                api.role(),
                busy,
                media,
                reporter,
            )))
        }
        Connection::Twilio {
            token, peer_name, ..
        } => {
            crate::bindings::twilio::Sdk::preload();
            let busy = busy_check(api, appointment_id, join.already_in_room, join.identity);
            let provider = Twilio {
                token,
                room: join.room,
                peer_name,
            };
            Ok(Box::new(TwilioCall::start(
                provider,
                api.role(),
                busy,
                media,
                reporter,
            )))
        }
    }
}

/// The `localStorage` key under which this browser keeps the clinic's media provider as last
/// learnt (its wire name, `p2p`, `livekit` or `twilio`: [`ProviderKind::as_str`]). Not personal:
/// the same for every account of the clinic, so sign-out leaves it.
const PROVIDER_KEY: &str = "teleconsult-provider";

/// Keeps `provider` as the clinic's media provider in this browser (a dashboard learns it from
/// `GET /api/connectivity`, a call from its join answer), so that the consultation page starts
/// loading that provider's SDK with the page (its inline script in `consultation.html` reads this
/// entry and imports the file its `<meta name="teleconsult-{provider}-sdk">` names) instead of
/// after the join answer. Best effort: without storage (private mode, quota) nothing is kept and
/// calls load the SDK after the answer.
pub fn remember_provider(provider: ProviderKind) {
    use gloo_storage::Storage as _;
    // The plain word, not serde's JSON: the page's script reads it as it is, and this runs in
    // the dashboards' first load too.
    let _ = gloo_storage::LocalStorage::raw().set_item(PROVIDER_KEY, provider.as_str());
}

/// How often the waiting room looks whether the person left, in milliseconds.
const LEAVE_CHECK_MS: u32 = 100;

/// The join answer once this person may enter the room, with `media` to hand to the transport.
/// A patient the doctor has not let in yet waits in the waiting room: their own camera shown
/// (`media`, once open), the join request repeated every `retry_after_ms` (which also keeps
/// their place), until the doctor's Admit. Leaving meanwhile ends the wait and releases the
/// camera.
///
/// # Errors
/// As [`connect`]; also [`CallError::Media`] when the camera cannot be had in the waiting room.
async fn admitted(
    api: &AuthorizedApi,
    appointment_id: i64,
    reporter: &CallReporter,
    mut media: OpeningMedia,
) -> Result<(JoinResponse, OpeningMedia), CallError> {
    let mut shown = false;
    loop {
        let waiting = match api.join(appointment_id).await.map_err(call_error)? {
            JoinAnswer::Granted(join) => {
                if reporter.state() == CallState::WaitingRoom {
                    reporter.signals().waiting_room.try_set(None);
                    reporter.dispatch(CallEvent::Admitted);
                }
                return Ok((join, media));
            }
            JoinAnswer::WaitingRoom(waiting) => waiting,
        };
        let retry_ms = waiting.retry_after_ms.clamp(500, 30_000);
        reporter.signals().waiting_room.try_set(Some(waiting));
        if !shown {
            shown = true;
            reporter.dispatch(CallEvent::InWaitingRoom);
            let local = media
                .open()
                .await
                .map_err(|error| CallError::Media { error })?;
            let signals = reporter.signals();
            signals.local_stream.try_set(Some(local.stream()));
            signals.camera_id.try_set(local.camera_id());
            media = OpeningMedia::ready(local);
        }
        // Wait in short steps, so that leaving releases the camera at once rather than after
        // the next request.
        let mut waited_ms = 0;
        while waited_ms < retry_ms {
            if reporter.state() != CallState::WaitingRoom {
                // Left (or failed) while waiting: `media` drops here and releases the camera.
                // The state is terminal, so this error is not shown.
                return Err(CallError::Network);
            }
            gloo_timers::future::TimeoutFuture::new(LEAVE_CHECK_MS).await;
            waited_ms += LEAVE_CHECK_MS;
        }
    }
}

/// Whether `identity` is already in the room of `appointment_id` (another tab or device of this
/// person), for an SFU call to await beside the camera's start. SFUs let a second session of the
/// same identity in and end the first one, so the call asks first, as the P2P hub does, and
/// offers "continue here" instead. The join answer says it when the server could tell
/// (`known`); otherwise this asks the room status ([`already_in_room`]).
fn busy_check(
    api: &AuthorizedApi,
    appointment_id: i64,
    known: Option<bool>,
    identity: String,
) -> futures_util::future::LocalBoxFuture<'static, bool> {
    match known {
        Some(busy) => Box::pin(std::future::ready(busy)),
        None => Box::pin(already_in_room(api.clone(), appointment_id, identity)),
    }
}

/// Whether `identity` is in the room of `appointment_id` by `GET /api/rooms/status`. Unknown
/// (the status could not be read): not busy.
async fn already_in_room(api: AuthorizedApi, appointment_id: i64, identity: String) -> bool {
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
        } if status < 500 => {
            CallError::refused(Refusal::from_code(&code).unwrap_or(Refusal::Other), message)
        }
        other => CallError::Refused {
            reason: Refusal::Other,
            message: other.user_message(),
        },
    }
}
