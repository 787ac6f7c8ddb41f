//! LiveKit's browser SDK (npm `livekit-client` 2.23.0, <https://docs.livekit.io/reference/client-sdk-js/>),
//! the parts a 1:1 consultation uses, bound privately with a safe wrapper: [`Sdk::load`],
//! [`Room`] and the [`RoomEvent`]s it reports.
//!
//! The SDK is not linked into the app: `scripts/trunk-post-build.mjs` ships its minified build
//! under a content-hashed name and names it in `consultation.html`; [`Sdk::load`] `import()`s it the
//! first time a LiveKit call starts. Events are turned into plain tagged objects by a small
//! listener below and deserialized into [`RoomEvent`] — no hand-written ABI.

use js_sys::{Function, Object, Promise, Reflect};
use serde::Deserialize;
use wasm_bindgen::{prelude::*, JsCast};

use teleconsult_core::api::ProviderKind;

use super::sfu::{asset_url, describe, import_named_sdk, listener};
pub use super::sfu::{RoomEvent, TrackSource};
use wasm_bindgen_futures::JsFuture;
use web_sys::MediaStreamTrack;

#[wasm_bindgen(inline_js = r#"
export function load_sdk(url) {
  return import(url).then(() => {
    if (!globalThis.LivekitClient || !globalThis.LivekitClient.Room) {
      throw new Error('the LiveKit SDK did not define LivekitClient');
    }
    return globalThis.LivekitClient;
  });
}

// Subscribes to the room events a consultation needs and reports each as a plain object with a
// `type` (and, for track events, the MediaStreamTrack as a second argument); returns a function
// that unsubscribes all of them.
export function listen(sdk, room, report) {
  const E = sdk.RoomEvent;
  const remote = (p) => p && p !== room.localParticipant;
  const handlers = {
    [E.ParticipantConnected]: (p) => report({ type: 'participantConnected', identity: p.identity, name: p.name || null }),
    [E.ParticipantDisconnected]: (p) => report({ type: 'participantDisconnected', identity: p.identity }),
    [E.TrackSubscribed]: (track, pub, p) => report({
      type: 'trackSubscribed', identity: p.identity, source: pub.source, muted: !!pub.isMuted,
    }, track.mediaStreamTrack),
    [E.TrackUnsubscribed]: (track, pub, p) => report({ type: 'trackUnsubscribed', identity: p.identity, source: pub.source }, track.mediaStreamTrack),
    [E.TrackMuted]: (pub, p) => { if (remote(p)) report({ type: 'trackMuted', source: pub.source, muted: true }); },
    [E.TrackUnmuted]: (pub, p) => { if (remote(p)) report({ type: 'trackMuted', source: pub.source, muted: false }); },
    [E.SignalReconnecting]: () => report({ type: 'reconnecting' }),
    [E.Reconnecting]: () => report({ type: 'reconnecting' }),
    [E.Reconnected]: () => report({ type: 'reconnected' }),
    [E.Disconnected]: (reason) => report({ type: 'disconnected', reason: typeof reason === 'number' ? reason : null }),
    [E.ParticipantEncryptionStatusChanged]: (enabled, p) => {
      if (!p || p === room.localParticipant) report({ type: 'encryptionChanged', enabled: !!enabled });
    },
    [E.EncryptionError]: () => report({ type: 'encryptionError' }),
    // The chat (topic teleconsult.chat) from the other party only, at most 16 KiB, as text.
    [E.DataReceived]: (payload, p, kind, topic) => {
      if (topic !== 'teleconsult.chat' || !remote(p) || !(payload instanceof Uint8Array) || payload.byteLength > 16384) return;
      report({ type: 'data', text: new TextDecoder().decode(payload) });
    },
    [E.ConnectionQualityChanged]: (quality, p) => report({
      type: 'connectionQuality', local: !remote(p), quality: typeof quality === 'string' ? quality : null,
    }),
  };
  for (const [name, fn] of Object.entries(handlers)) room.on(name, fn);
  return () => { for (const [name, fn] of Object.entries(handlers)) room.off(name, fn); };
}

// A Room for a 1:1 consultation; with `key`, end-to-end encrypted with that key through the
// SDK's E2EE worker at `workerUrl`. Resolves to { room, worker }.
export async function new_room(sdk, workerUrl, key) {
  const options = { dynacast: true, stopLocalTrackOnUnpublish: false };
  let worker = null;
  if (key) {
    if (!sdk.isE2EESupported()) throw new Error('e2ee-unsupported');
    const keyProvider = new sdk.ExternalE2EEKeyProvider();
    await keyProvider.setKey(key);
    worker = new Worker(workerUrl);
    options.e2ee = { keyProvider, worker };
  }
  const room = new sdk.Room(options);
  if (key) await room.setE2EEEnabled(true);
  return { room, worker };
}

// Sends `text` to the room's other participants as a reliable data message on `topic`.
export function publish_data(room, text, topic) {
  return room.localParticipant.publishData(new TextEncoder().encode(text), { reliable: true, topic });
}

// A ConnectionError's reason and HTTP status (LiveKit's numeric enums), or nulls.
export function connection_error(e) {
  return { name: (e && e.name) || null, reason: e && typeof e.reason === 'number' ? e.reason : null,
           status: e && typeof e.status === 'number' ? e.status : null, context: e && typeof e.context === 'number' ? e.context : null };
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn load_sdk(url: &str) -> Result<Promise, JsValue>;
    fn listen(sdk: &JsValue, room: &RoomHandle, report: &Function) -> Function;
    fn connection_error(e: &JsValue) -> JsValue;
    fn new_room(sdk: &JsValue, worker_url: &str, key: Option<String>) -> Promise;
    fn publish_data(room: &RoomHandle, text: &str, topic: &str) -> Promise;

    /// `Room` (<https://docs.livekit.io/reference/client-sdk-js/classes/Room.html>).
    #[wasm_bindgen(js_name = Room)]
    type RoomHandle;
    /// `room.connect(url, token)`: resolves when joined; rejects with a `ConnectionError`.
    #[wasm_bindgen(method, js_name = connect)]
    fn connect(this: &RoomHandle, url: &str, token: &str) -> Promise;
    /// `room.disconnect()`: leaves, telling the server at once.
    #[wasm_bindgen(method, js_name = disconnect)]
    fn disconnect(this: &RoomHandle) -> Promise;
    /// `room.localParticipant`.
    #[wasm_bindgen(method, getter, js_name = localParticipant)]
    fn local_participant(this: &RoomHandle) -> LocalParticipant;
    /// `room.remoteParticipants` (a `Map<identity, RemoteParticipant>`).
    #[wasm_bindgen(method, getter, js_name = remoteParticipants)]
    fn remote_participants(this: &RoomHandle) -> js_sys::Map;

    /// `LocalParticipant` (<https://docs.livekit.io/reference/client-sdk-js/classes/LocalParticipant.html>).
    type LocalParticipant;
    /// `publishTrack(track, {source})`: resolves to the `LocalTrackPublication`.
    #[wasm_bindgen(method, js_name = publishTrack)]
    fn publish_track(
        this: &LocalParticipant,
        track: &MediaStreamTrack,
        options: &Object,
    ) -> Promise;
    /// `unpublishTrack(track, stopOnUnpublish)`.
    #[wasm_bindgen(method, js_name = unpublishTrack)]
    fn unpublish_track(this: &LocalParticipant, track: &MediaStreamTrack, stop: bool) -> Promise;

    /// `LocalTrackPublication` (<https://docs.livekit.io/reference/client-sdk-js/classes/LocalTrackPublication.html>).
    #[derive(Clone)]
    pub type Publication;
    /// `mute()`: disables the track and tells the others (they get `trackMuted`).
    #[wasm_bindgen(method)]
    fn mute(this: &Publication) -> Promise;
    /// `unmute()`.
    #[wasm_bindgen(method)]
    fn unmute(this: &Publication) -> Promise;
    /// `publication.track` (a `LocalTrack`).
    #[wasm_bindgen(method, getter)]
    fn track(this: &Publication) -> JsValue;
}

/// The loaded SDK module (`LivekitClient`).
#[derive(Clone)]
pub struct Sdk(JsValue);

/// Why the SDK could not be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SdkError {
    /// This deployment's `consultation.html` does not name the SDK file (built without the Trunk hook).
    #[error("the LiveKit SDK is not part of this deployment")]
    Missing,
    /// The file could not be fetched or run (network, CDN, content blocked).
    #[error("the LiveKit SDK could not be loaded: {0}")]
    Load(String),
    /// The clinic encrypts consultations end to end and this browser cannot (no insertable
    /// streams / `RTCRtpScriptTransform`).
    #[error("this browser cannot encrypt calls end to end")]
    E2eeUnsupported,
}

impl Sdk {
    /// Loads the SDK named by `<meta name="teleconsult-livekit-sdk">` (relative to the page's
    /// base URL); a second call reuses the module the browser already has.
    ///
    /// # Errors
    /// [`SdkError::Missing`] without the meta tag, [`SdkError::Load`] when the import fails.
    pub async fn load() -> Result<Sdk, SdkError> {
        import_named_sdk(ProviderKind::Livekit, load_sdk)
            .await
            .map(Sdk)
            .map_err(|e| e.map_or(SdkError::Missing, SdkError::Load))
    }

    /// Starts loading the SDK now, so that it is ready when [`Sdk::load`] is awaited (the
    /// browser imports a module once; later imports get the same one).
    pub fn preload() {
        wasm_bindgen_futures::spawn_local(async {
            if let Err(e) = Sdk::load().await {
                leptos::logging::warn!("{e}");
            }
        });
    }

    /// A new `Room` with the options of a 1:1 consultation (dynacast on; our own tracks are
    /// never stopped by the SDK, `LocalMedia` owns them). With `e2ee_key`, media is end-to-end
    /// encrypted with it (livekit-client's E2EE: an `ExternalE2EEKeyProvider` and the SDK's
    /// worker, named in `<meta name="teleconsult-livekit-e2ee-worker">`).
    ///
    /// # Errors
    /// [`SdkError::E2eeUnsupported`] when this browser cannot encrypt, [`SdkError::Missing`]
    /// without the worker file, [`SdkError::Load`] for anything else.
    pub async fn new_room(&self, e2ee_key: Option<&str>) -> Result<Room, SdkError> {
        let worker_url = match e2ee_key {
            Some(_) => asset_url("teleconsult-livekit-e2ee-worker").ok_or(SdkError::Missing)?,
            None => String::new(),
        };
        let made = JsFuture::from(new_room(&self.0, &worker_url, e2ee_key.map(str::to_string)))
            .await
            .map_err(|e| match describe(&e).as_str() {
                "e2ee-unsupported" => SdkError::E2eeUnsupported,
                other => SdkError::Load(other.to_string()),
            })?;
        let room: RoomHandle = Reflect::get(&made, &"room".into())
            .map_err(|e| SdkError::Load(describe(&e)))?
            .unchecked_into();
        let worker = Reflect::get(&made, &"worker".into())
            .ok()
            .and_then(|w| w.dyn_into::<web_sys::Worker>().ok());
        Ok(Room {
            sdk: self.clone(),
            room,
            worker,
            listening: None,
        })
    }
}

/// LiveKit's name of a track source (`Track.Source`).
fn source_name(source: TrackSource) -> &'static str {
    match source {
        TrackSource::Camera => "camera",
        TrackSource::Microphone => "microphone",
        TrackSource::ScreenShare => "screen_share",
        TrackSource::Other => "unknown",
    }
}

/// A `ConnectionError` of `room.connect()`, with LiveKit's numeric reason
/// (`ConnectionErrorReason`: 0 not allowed, 1 server unreachable, 2 internal, 3 cancelled,
/// 4 leave request, 5 timeout, 6 WebSocket, 7 service not found), HTTP status and, for a leave
/// request, the `DisconnectReason`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConnectFailure {
    /// The error's `name` (`ConnectionError` for the SDK's own).
    pub name: Option<String>,
    /// `ConnectionErrorReason`.
    pub reason: Option<u32>,
    /// HTTP status of a refused join (401 for a rejected token).
    pub status: Option<u16>,
    /// The `DisconnectReason` of a leave request.
    pub context: Option<u32>,
}

/// A LiveKit room: one consultation's connection to the SFU. Dropping it disconnects and
/// removes the event listeners.
pub struct Room {
    sdk: Sdk,
    room: RoomHandle,
    /// The E2EE worker, when encrypted; terminated on drop.
    worker: Option<web_sys::Worker>,
    listening: Option<Listening>,
}

/// The function that removes the room's listeners, and the callback they call (kept alive as
/// long as they are attached).
type Listening = (Function, Closure<dyn FnMut(JsValue, JsValue)>);

impl Room {
    /// Reports every [`RoomEvent`] to `on_event`; events that cannot be read are logged and
    /// dropped.
    pub fn on_event(&mut self, on_event: impl FnMut(RoomEvent) + 'static) {
        let report = listener("LiveKit", on_event);
        let stop = listen(&self.sdk.0, &self.room, report.as_ref().unchecked_ref());
        self.listening = Some((stop, report));
    }

    /// Joins the room at `url` with `token`, giving up after `timeout_ms` (the SDK itself
    /// retries for long against an unreachable or wrong URL).
    ///
    /// # Errors
    /// The SDK's `ConnectionError`, read into a [`ConnectFailure`]; a timeout has the name
    /// `Timeout` and no reason.
    pub async fn connect(
        &self,
        url: &str,
        token: &str,
        timeout_ms: i32,
    ) -> Result<(), ConnectFailure> {
        let timeout = Promise::new(&mut |_resolve, reject| {
            let error = js_sys::Error::new("joining the LiveKit room timed out");
            error.set_name("Timeout");
            let _ = leptos::prelude::window()
                .set_timeout_with_callback_and_timeout_and_arguments_1(&reject, timeout_ms, &error);
        });
        let race = Promise::race(&js_sys::Array::of2(
            &self.room.connect(url, token),
            &timeout,
        ));
        JsFuture::from(race)
            .await
            .map(|_| ())
            .map_err(|e| serde_wasm_bindgen::from_value(connection_error(&e)).unwrap_or_default())
    }

    /// Identities and names of the others already in the room.
    pub fn remote_participants(&self) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        self.room.remote_participants().for_each(&mut |p, _| {
            let get = |k: &str| Reflect::get(&p, &k.into()).ok().and_then(|v| v.as_string());
            if let Some(identity) = get("identity") {
                out.push((identity, get("name").filter(|n| !n.is_empty())));
            }
        });
        out
    }

    /// Publishes `track` as `source`.
    ///
    /// # Errors
    /// The SDK's rejection (e.g. not connected, no permission to publish).
    pub async fn publish(
        &self,
        track: &MediaStreamTrack,
        source: TrackSource,
    ) -> Result<Publication, JsValue> {
        let options = Object::new();
        Reflect::set(&options, &"source".into(), &source_name(source).into())?;
        let promise = self.room.local_participant().publish_track(track, &options);
        Ok(JsFuture::from(promise).await?.unchecked_into())
    }

    /// Stops publishing `track` (the track itself stays ours to stop).
    pub async fn unpublish(&self, track: &MediaStreamTrack) {
        let promise = self.room.local_participant().unpublish_track(track, false);
        if let Err(e) = JsFuture::from(promise).await {
            leptos::logging::warn!("could not unpublish a track: {}", describe(&e));
        }
    }

    /// Sends `text` to the other participants as a reliable data message on `topic`
    /// (`localParticipant.publishData`,
    /// <https://docs.livekit.io/reference/client-sdk-js/classes/LocalParticipant.html#publishdata>).
    ///
    /// # Errors
    /// The SDK's rejection (e.g. not connected).
    pub async fn publish_data(&self, text: &str, topic: &str) -> Result<(), JsValue> {
        JsFuture::from(publish_data(&self.room, text, topic))
            .await
            .map(|_| ())
    }

    /// Whether media is end-to-end encrypted (`room.isE2EEEnabled`).
    pub fn is_encrypted(&self) -> bool {
        Reflect::get(&self.room, &"isE2EEEnabled".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// Leaves the room.
    pub fn disconnect(&self) {
        let _ = self.room.disconnect();
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        if let Some((stop, _report)) = self.listening.take() {
            let _ = stop.call0(&JsValue::NULL);
        }
        self.disconnect();
        if let Some(worker) = self.worker.take() {
            worker.terminate();
        }
    }
}

impl Publication {
    /// Mutes (`on == false`) or unmutes the published track; the others see it at once.
    pub async fn set_enabled(&self, on: bool) {
        let promise = if on { self.unmute() } else { self.mute() };
        if let Err(e) = JsFuture::from(promise).await {
            leptos::logging::warn!("could not change mute: {}", describe(&e));
        }
    }

    /// Sends `track` instead of the published one, without republishing
    /// (`LocalTrack.replaceTrack(track, userProvidedTrack = true)`).
    ///
    /// # Errors
    /// The SDK's rejection.
    pub async fn replace_track(&self, track: &MediaStreamTrack) -> Result<(), JsValue> {
        let local = self.track();
        let replace: Function = Reflect::get(&local, &"replaceTrack".into())?.dyn_into()?;
        let promise: Promise = replace.call2(&local, track, &JsValue::TRUE)?.dyn_into()?;
        JsFuture::from(promise).await.map(|_| ())
    }
}
