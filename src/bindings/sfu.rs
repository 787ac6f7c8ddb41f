//! What the SFU SDKs' rooms report, in one vocabulary: the small JS listeners of
//! [`super::livekit`] and [`super::twilio`] both turn their SDK's events into plain tagged objects
//! of this shape (a track passed beside as a second argument), read here into [`RoomEvent`].

use serde::Deserialize;
use teleconsult_core::api::ProviderKind;
use teleconsult_core::quality::QualityLevel;
use wasm_bindgen::{prelude::*, JsCast};
use web_sys::MediaStreamTrack;

/// What a track carries (LiveKit's `Track.Source`; for Twilio, the name the track was published
/// under).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackSource {
    /// The camera.
    Camera,
    /// The microphone.
    Microphone,
    /// A shared screen.
    ScreenShare,
    /// A shared screen's audio, a data track, or anything else; ignored.
    #[serde(other)]
    Other,
}

/// What a room reports, as far as a consultation cares.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum RoomEvent {
    /// Someone entered.
    ParticipantConnected {
        /// Their identity (`{role}_{id}`).
        identity: String,
        /// Their display name, when the provider carries one (LiveKit, from the token).
        #[serde(default)]
        name: Option<String>,
    },
    /// Someone left (or was dropped after the provider's timeout).
    ParticipantDisconnected {
        /// Their identity.
        identity: String,
    },
    /// A remote track is being received.
    TrackSubscribed {
        /// Whose.
        identity: String,
        /// Camera, microphone or screen.
        source: TrackSource,
        /// Muted (disabled) at the time of subscription.
        muted: bool,
        /// The track (passed beside the tagged object: a JS object inside an internally tagged
        /// enum cannot be deserialized).
        #[serde(skip)]
        track: Option<MediaStreamTrack>,
    },
    /// A remote track stopped being received.
    TrackUnsubscribed {
        /// Whose.
        identity: String,
        /// Camera, microphone or screen.
        source: TrackSource,
        /// The track.
        #[serde(skip)]
        track: Option<MediaStreamTrack>,
    },
    /// A remote participant muted (disabled) or unmuted a track.
    TrackMuted {
        /// Which.
        source: TrackSource,
        /// Muted now.
        muted: bool,
    },
    /// The connection to the media server dropped; the SDK is reconnecting.
    Reconnecting,
    /// The SDK reconnected.
    Reconnected,
    /// This person's media started or stopped being end-to-end encrypted (LiveKit E2EE).
    EncryptionChanged {
        /// Encrypted now.
        enabled: bool,
    },
    /// Encrypting or decrypting failed (e.g. the two sides hold different keys).
    EncryptionError,
    /// A chat frame from the other party (JSON text, unchecked; LiveKit data on the chat's
    /// topic, at most 16 KiB).
    Data {
        /// The frame.
        text: String,
    },
    /// A participant's connection quality, as the media server grades it.
    ConnectionQuality {
        /// This person's own connection (else the other party's).
        local: bool,
        /// The provider's grade; none when it has none (LiveKit's `unknown`, Twilio's null).
        #[serde(default)]
        quality: Option<ProviderQuality>,
    },
    /// Disconnected for good, with the provider's reason: LiveKit's `DisconnectReason`, or
    /// Twilio's TwilioError code; none when this app disconnected itself.
    Disconnected {
        /// The provider's number.
        reason: Option<u32>,
    },
}

/// A media server's own connection-quality grade.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ProviderQuality {
    /// LiveKit's `ConnectionQuality`: `excellent`, `good`, `poor`, `lost`, `unknown`.
    Livekit(String),
    /// Twilio's network quality level, 0 (broken) to 5 (excellent).
    Twilio(f64),
}

impl ProviderQuality {
    /// Our level for the provider's grade (`teleconsult_core::quality`); `None` for unknown.
    pub fn level(&self) -> Option<QualityLevel> {
        match self {
            ProviderQuality::Livekit(q) => QualityLevel::from_livekit(q),
            ProviderQuality::Twilio(l) => QualityLevel::from_twilio(*l),
        }
    }
}

/// The listener callback handed to a provider's JS: reads each event and passes it to
/// `on_event`; events that cannot be read are logged (naming `sdk`) and dropped.
pub(super) fn listener(
    sdk: &'static str,
    mut on_event: impl FnMut(RoomEvent) + 'static,
) -> Closure<dyn FnMut(JsValue, JsValue)> {
    Closure::new(move |raw: JsValue, extra: JsValue| {
        let mut event = match serde_wasm_bindgen::from_value::<RoomEvent>(raw) {
            Ok(event) => event,
            Err(e) => return leptos::logging::warn!("{sdk} event not understood: {e}"),
        };
        if let RoomEvent::TrackSubscribed { track, .. }
        | RoomEvent::TrackUnsubscribed { track, .. } = &mut event
        {
            *track = extra.dyn_into::<MediaStreamTrack>().ok();
        }
        on_event(event);
    })
}

/// The URL of the hashed asset named by `<meta name={meta}>`, against the page's base URL;
/// `None` when this deployment's `consultation.html` does not name one.
pub(super) fn asset_url(meta: &str) -> Option<String> {
    let document = leptos::prelude::document();
    let file = document
        .query_selector(&format!("meta[name={meta}]"))
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"))
        .filter(|c| !c.is_empty())?;
    let base = document.base_uri().ok().flatten().unwrap_or_default();
    Some(
        web_sys::Url::new_with_base(&file, &base)
            .map(|u| u.href())
            .unwrap_or(file),
    )
}

/// Imports the SDK file of `provider` (named by its `<meta name>`,
/// [`ProviderKind::sdk_meta`]) with the provider's `import_sdk` (which checks what the file
/// defined); resolves to the SDK object.
///
/// # Errors
/// `None` when this deployment does not name the file (built without the Trunk hook) or the
/// provider has no SDK; `Some(message)` when it could not be fetched or run.
pub(super) async fn import_named_sdk(
    provider: ProviderKind,
    import_sdk: fn(&str) -> Result<js_sys::Promise, JsValue>,
) -> Result<JsValue, Option<String>> {
    let url = asset_url(provider.sdk_meta().ok_or(None)?).ok_or(None)?;
    let promise = import_sdk(&url).map_err(|e| Some(describe(&e)))?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|e| Some(describe(&e)))
}

/// A JS error's message, for logs.
pub(super) fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}
