//! Twilio Video's browser SDK (npm `twilio-video` 2.36.0,
//! <https://sdk.twilio.com/js/video/releases/2.36.0/docs/>), the parts a 1:1 consultation uses,
//! bound privately with a safe wrapper: [`Sdk::load`], [`Room`] and the [`RoomEvent`]s it
//! reports.
//!
//! As with LiveKit, the SDK is not linked into the app: `scripts/trunk-post-build.mjs` ships its
//! minified build under a content-hashed name named by `<meta name="teleconsult-twilio-sdk">`,
//! and [`Sdk::load`] `import()`s it the first time a Twilio call starts (it defines
//! `globalThis.Twilio.Video`). Events become plain tagged objects in a small listener below and
//! are read into [`RoomEvent`] (the vocabulary of [`super::sfu`]; `Disconnected`'s reason is the
//! TwilioError code: 53205 duplicate identity, 53118 room completed, 20104 token expired,
//! 53000/53001 signaling, 53405 media, …).
//!
//! Tracks are published under the names `camera`, `microphone` and `screen`, which is how the
//! other side tells a camera from a shared screen (Twilio has no track "source").

use std::cell::{Cell, RefCell};

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{prelude::*, JsCast};

use teleconsult_core::api::ProviderKind;

use super::sfu::{describe, import_named_sdk, listener};
pub use super::sfu::{RoomEvent, TrackSource};
use wasm_bindgen_futures::JsFuture;
use web_sys::MediaStreamTrack;

#[wasm_bindgen(inline_js = r#"
export function load_sdk(url) {
  return import(url).then(() => {
    const Video = globalThis.Twilio && globalThis.Twilio.Video;
    if (!Video || typeof Video.connect !== 'function') {
      throw new Error('the Twilio Video SDK did not define Twilio.Video');
    }
    return Video;
  });
}

// Video.connect() with nothing published yet (our own tracks are published after joining, and
// `tracks: []` keeps the SDK from opening the camera itself). Returns { promise, cancel }:
// connect() answers a CancelablePromise.
export function start_connect(Video, token, name) {
  const pending = Video.connect(token, {
    name, tracks: [], automaticSubscription: true, dominantSpeaker: false,
    // Levels of both parties (verbosity 1: the level only).
    networkQuality: { local: 1, remote: 1 },
  });
  return { promise: Promise.resolve(pending), cancel: () => { if (pending && pending.cancel) pending.cancel(); } };
}

const sourceOf = (track) => {
  if (track.name === 'screen') return 'screen_share';
  if (track.name === 'camera' || track.name === 'microphone') return track.name;
  return track.kind === 'audio' ? 'microphone' : track.kind === 'video' ? 'camera' : 'other';
};

// Subscribes to the room events a consultation needs and reports each as a plain object with a
// `type` (track events pass the MediaStreamTrack as a second argument); reports the tracks of
// those already there; returns a function that unsubscribes all of them.
export function listen(room, report) {
  // Network quality levels are events of each participant, not of the room.
  const unwatch = [];
  const watchQuality = (p, local) => {
    const fn = (level) => report({ type: 'connectionQuality', local, quality: typeof level === 'number' ? level : null });
    p.on('networkQualityLevelChanged', fn);
    unwatch.push(() => p.removeListener('networkQualityLevelChanged', fn));
  };
  watchQuality(room.localParticipant, true);
  room.participants.forEach((p) => watchQuality(p, false));
  const track = (type, t, p) => {
    if (t.kind === 'audio' || t.kind === 'video') {
      report({ type, identity: p.identity, source: sourceOf(t), muted: t.isEnabled === false }, t.mediaStreamTrack);
    }
  };
  const handlers = {
    participantConnected: (p) => { watchQuality(p, false); report({ type: 'participantConnected', identity: p.identity }); },
    participantDisconnected: (p) => report({ type: 'participantDisconnected', identity: p.identity }),
    trackSubscribed: (t, pub, p) => track('trackSubscribed', t, p),
    trackUnsubscribed: (t, pub, p) => track('trackUnsubscribed', t, p),
    trackDisabled: (t) => report({ type: 'trackMuted', source: sourceOf(t), muted: true }),
    trackEnabled: (t) => report({ type: 'trackMuted', source: sourceOf(t), muted: false }),
    reconnecting: () => report({ type: 'reconnecting' }),
    reconnected: () => report({ type: 'reconnected' }),
    disconnected: (r, e) => report({ type: 'disconnected', reason: error_code(e) }),
  };
  for (const [name, fn] of Object.entries(handlers)) room.on(name, fn);
  room.participants.forEach((p) => p.tracks.forEach((pub) => { if (pub.track) track('trackSubscribed', pub.track, p); }));
  return () => {
    for (const [name, fn] of Object.entries(handlers)) room.removeListener(name, fn);
    for (const off of unwatch) off();
  };
}

export function error_code(e) {
  return e && typeof e.code === 'number' ? e.code : null;
}

export function set_enabled(publication, on) {
  if (on) publication.track.enable(); else publication.track.disable();
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn load_sdk(url: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn start_connect(sdk: &JsValue, token: &str, name: &str) -> Result<JsValue, JsValue>;
    fn listen(room: &RoomHandle, report: &Function) -> Function;
    fn error_code(e: &JsValue) -> Option<u32>;
    #[wasm_bindgen(catch)]
    fn set_enabled(publication: &JsValue, on: bool) -> Result<(), JsValue>;

    /// `Room` (<https://sdk.twilio.com/js/video/releases/2.36.0/docs/Room.html>).
    #[wasm_bindgen(js_name = Room)]
    type RoomHandle;
    /// `room.disconnect()`: leaves at once.
    #[wasm_bindgen(method)]
    fn disconnect(this: &RoomHandle);
    /// `room.localParticipant`.
    #[wasm_bindgen(method, getter, js_name = localParticipant)]
    fn local_participant(this: &RoomHandle) -> LocalParticipant;
    /// `room.participants` (a `Map<sid, RemoteParticipant>`).
    #[wasm_bindgen(method, getter)]
    fn participants(this: &RoomHandle) -> js_sys::Map;

    /// `LocalParticipant` (<https://sdk.twilio.com/js/video/releases/2.36.0/docs/LocalParticipant.html>).
    type LocalParticipant;
    /// `publishTrack(mediaStreamTrack, {name})`: resolves to the `LocalTrackPublication`.
    #[wasm_bindgen(method, catch, js_name = publishTrack)]
    fn publish_track(
        this: &LocalParticipant,
        track: &MediaStreamTrack,
        options: &JsValue,
    ) -> Result<Promise, JsValue>;
    /// `unpublishTrack(mediaStreamTrack)`.
    #[wasm_bindgen(method, catch, js_name = unpublishTrack)]
    fn unpublish_track(
        this: &LocalParticipant,
        track: &MediaStreamTrack,
    ) -> Result<JsValue, JsValue>;
}

/// The loaded SDK (`Twilio.Video`).
#[derive(Clone)]
pub struct Sdk(JsValue);

/// Why the SDK could not be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SdkError {
    /// This deployment's `consultation.html` does not name the SDK file (built without the Trunk hook).
    #[error("the Twilio Video SDK is not part of this deployment")]
    Missing,
    /// The file could not be fetched or run (network, CDN, content blocked).
    #[error("the Twilio Video SDK could not be loaded: {0}")]
    Load(String),
}

impl Sdk {
    /// Loads the SDK named by `<meta name="teleconsult-twilio-sdk">` (relative to the page's base
    /// URL); a second call reuses the module the browser already has.
    ///
    /// # Errors
    /// [`SdkError::Missing`] without the meta tag, [`SdkError::Load`] when the import fails.
    pub async fn load() -> Result<Sdk, SdkError> {
        import_named_sdk(ProviderKind::Twilio, load_sdk)
            .await
            .map(Sdk)
            .map_err(|e| e.map_or(SdkError::Missing, SdkError::Load))
    }

    /// Starts loading the SDK now, so that it is ready when [`Sdk::load`] is awaited.
    pub fn preload() {
        wasm_bindgen_futures::spawn_local(async {
            if let Err(e) = Sdk::load().await {
                leptos::logging::warn!("{e}");
            }
        });
    }

    /// A room to join: `name` with `token`, reporting to `on_event` once joined. Nothing happens
    /// until [`Room::connect`].
    pub fn room(
        &self,
        token: String,
        name: String,
        on_event: impl FnMut(RoomEvent) + 'static,
    ) -> Room {
        let report = listener("Twilio", on_event);
        Room {
            sdk: self.clone(),
            token,
            name,
            report,
            cancel: RefCell::new(None),
            joined: RefCell::new(None),
            closed: Cell::new(false),
        }
    }
}

/// The name this app publishes a track of `source` under (Twilio has no track "source"; the
/// other side's listener reads it back from the name).
fn track_name(source: TrackSource) -> &'static str {
    match source {
        TrackSource::Camera => "camera",
        TrackSource::Microphone => "microphone",
        TrackSource::ScreenShare => "screen",
        TrackSource::Other => "other",
    }
}

/// Why [`Room::connect`] did not join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectFailure {
    /// `connect()` rejected with a TwilioError (its `code`) or another error (no code).
    Error(Option<u32>),
    /// No answer within the time limit.
    Timeout,
    /// [`Room::disconnect`] was called first.
    Cancelled,
}

/// A Twilio room: one consultation's connection to Twilio. Dropping it disconnects and removes
/// the event listeners.
pub struct Room {
    sdk: Sdk,
    token: String,
    name: String,
    report: Closure<dyn FnMut(JsValue, JsValue)>,
    /// Cancels the `connect()` in progress.
    cancel: RefCell<Option<Function>>,
    /// The joined room and the function that removes its listeners.
    joined: RefCell<Option<(RoomHandle, Function)>>,
    closed: Cell<bool>,
}

impl Room {
    /// Joins, giving up after `timeout_ms` (the SDK retries a blocked signaling WebSocket for
    /// long before it rejects with 53000).
    ///
    /// # Errors
    /// See [`ConnectFailure`].
    pub async fn connect(&self, timeout_ms: i32) -> Result<(), ConnectFailure> {
        if self.closed.get() {
            return Err(ConnectFailure::Cancelled);
        }
        let started = start_connect(&self.sdk.0, &self.token, &self.name)
            .map_err(|e| ConnectFailure::Error(error_code(&e)))?;
        let get = |k: &str| Reflect::get(&started, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let cancel: Option<Function> = get("cancel").dyn_into().ok();
        *self.cancel.borrow_mut() = cancel.clone();
        let promise: Promise = get("promise")
            .dyn_into()
            .map_err(|_| ConnectFailure::Error(None))?;
        let timeout = Promise::new(&mut |_resolve, reject| {
            let _ = leptos::prelude::window()
                .set_timeout_with_callback_and_timeout_and_arguments_1(
                    &reject,
                    timeout_ms,
                    &JsValue::from_str("timeout"),
                );
        });
        let result = JsFuture::from(Promise::race(&js_sys::Array::of2(&promise, &timeout))).await;
        self.cancel.borrow_mut().take();
        let room: RoomHandle = match result {
            Ok(room) => room.unchecked_into(),
            Err(_) if self.closed.get() => return Err(ConnectFailure::Cancelled),
            Err(e) if e.as_string().as_deref() == Some("timeout") => {
                if let Some(cancel) = cancel {
                    let _ = cancel.call0(&JsValue::NULL);
                }
                return Err(ConnectFailure::Timeout);
            }
            Err(e) => return Err(ConnectFailure::Error(error_code(&e))),
        };
        if self.closed.get() {
            room.disconnect();
            return Err(ConnectFailure::Cancelled);
        }
        let stop = listen(&room, self.report.as_ref().unchecked_ref());
        *self.joined.borrow_mut() = Some((room, stop));
        Ok(())
    }

    /// Identities of the others in the room.
    pub fn remote_participants(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((room, _)) = &*self.joined.borrow() {
            room.participants().for_each(&mut |p, _| {
                if let Some(identity) = Reflect::get(&p, &"identity".into())
                    .ok()
                    .and_then(|v| v.as_string())
                {
                    out.push(identity);
                }
            });
        }
        out
    }

    /// Publishes `track` under the name of `source`.
    ///
    /// # Errors
    /// Not joined, or the SDK's rejection.
    pub async fn publish(
        &self,
        track: &MediaStreamTrack,
        source: TrackSource,
    ) -> Result<Publication, JsValue> {
        let promise = {
            let joined = self.joined.borrow();
            let (room, _) = joined
                .as_ref()
                .ok_or_else(|| JsValue::from_str("not in the room"))?;
            let options = js_sys::Object::new();
            Reflect::set(&options, &"name".into(), &track_name(source).into())?;
            room.local_participant().publish_track(track, &options)?
        };
        let publication = JsFuture::from(promise).await?;
        Ok(Publication {
            publication,
            // `Clone::clone`: `MediaStreamTrack::clone` would be the JS method, a second live track.
            track: Clone::clone(track),
        })
    }

    /// Stops publishing `track` (the track itself stays ours to stop).
    pub fn unpublish(&self, track: &MediaStreamTrack) {
        if let Some((room, _)) = &*self.joined.borrow() {
            if let Err(e) = room.local_participant().unpublish_track(track) {
                leptos::logging::warn!("could not unpublish a track: {}", describe(&e));
            }
        }
    }

    /// Leaves the room, or cancels the join in progress. Idempotent.
    pub fn disconnect(&self) {
        self.closed.set(true);
        if let Some(cancel) = self.cancel.borrow_mut().take() {
            let _ = cancel.call0(&JsValue::NULL);
        }
        if let Some((room, stop)) = self.joined.borrow_mut().take() {
            let _ = stop.call0(&JsValue::NULL);
            room.disconnect();
        }
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        self.disconnect();
    }
}

/// A published local track (`LocalTrackPublication`) and the track it carries.
#[derive(Clone)]
pub struct Publication {
    publication: JsValue,
    track: MediaStreamTrack,
}

impl Publication {
    /// Disables (`on == false`) or enables the published track (`LocalTrack.disable()` /
    /// `enable()`); the others get `trackDisabled` / `trackEnabled`.
    pub fn set_enabled(&self, on: bool) {
        if let Err(e) = set_enabled(&self.publication, on) {
            leptos::logging::warn!("could not change mute: {}", describe(&e));
        }
    }

    /// The track it carries.
    pub fn track(&self) -> &MediaStreamTrack {
        &self.track
    }
}
