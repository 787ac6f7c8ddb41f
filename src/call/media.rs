//! Camera, microphone and screen capture, and the values that own them.
//!
//! [`LocalMedia`] owns this person's camera and microphone (and, while sharing, a
//! [`ScreenShare`]); dropping it stops every track, so the camera light goes off whatever ended
//! the call. Device choice, mute flags and screen sharing live here, apart from any transport, so
//! the P2P engine and the SFU transports use the same code.

use teleconsult_core::media_error::MediaError;

use leptos::prelude::*;

use super::transport::{CallSignals, Notice};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DisplayMediaStreamConstraints, MediaStream, MediaStreamConstraints, MediaStreamTrack,
};

/// The camera, microphone and speaker this person chose in the pre-call check (`deviceId`s),
/// remembered in this browser (`localStorage`, key [`DeviceChoice::STORAGE_KEY`]); calls ask for
/// them first.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceChoice {
    /// The camera's `deviceId`.
    pub camera: Option<String>,
    /// The microphone's `deviceId`.
    pub microphone: Option<String>,
    /// The speaker's `deviceId` (`setSinkId`).
    pub speaker: Option<String>,
}

impl DeviceChoice {
    /// Where the choice is kept.
    pub const STORAGE_KEY: &'static str = "teleconsult-devices";

    /// The remembered choice; none (browser defaults) when absent or unreadable.
    pub fn load() -> DeviceChoice {
        use gloo_storage::Storage as _;
        gloo_storage::LocalStorage::get(Self::STORAGE_KEY).unwrap_or_default()
    }

    /// Remembers the choice (a full or blocked storage only loses the preference).
    pub fn save(&self) {
        use gloo_storage::Storage as _;
        let _ = gloo_storage::LocalStorage::set(Self::STORAGE_KEY, self);
    }
}

/// The two kinds of camera/microphone track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    /// The microphone.
    Audio,
    /// The camera.
    Video,
}

/// This person's camera and microphone, and their screen while they share it. See the module
/// documentation.
pub struct LocalMedia {
    camera: MediaStream,
    screen: Option<ScreenShare>,
}

impl LocalMedia {
    /// Asks for the camera (640×480 ideal) and the microphone: the ones chosen in the pre-call
    /// check ([`DeviceChoice::load`]), else the browser's defaults.
    ///
    /// # Errors
    /// The cause, mapped from the browser's `DOMException` (permission, device in use, none
    /// found…).
    pub async fn acquire() -> Result<LocalMedia, MediaError> {
        LocalMedia::acquire_with(&DeviceChoice::load()).await
    }

    /// Asks for the camera and microphone of `choice` (an unplugged one falls back to the
    /// browser's default).
    ///
    /// # Errors
    /// As [`LocalMedia::acquire`].
    pub async fn acquire_with(choice: &DeviceChoice) -> Result<LocalMedia, MediaError> {
        Ok(LocalMedia {
            camera: camera_and_microphone(choice).await?,
            screen: None,
        })
    }

    /// The camera-and-microphone stream (a handle to the same stream, not a JavaScript clone).
    pub fn stream(&self) -> MediaStream {
        // `Clone::clone`, not `stream.clone()`: web-sys's inherent `MediaStream::clone` calls
        // JavaScript's `clone()`, which makes new tracks that leaving would not stop.
        Clone::clone(&self.camera)
    }

    /// The camera's video track, if any.
    pub fn video_track(&self) -> Option<MediaStreamTrack> {
        first_video_track(&self.camera)
    }

    /// The camera's audio and video tracks.
    pub fn tracks(&self) -> Vec<MediaStreamTrack> {
        self.camera
            .get_tracks()
            .iter()
            .filter_map(|t| t.dyn_into::<MediaStreamTrack>().ok())
            .collect()
    }

    /// The `deviceId` of the camera in use.
    pub fn camera_id(&self) -> Option<String> {
        let settings = self.video_track()?.get_settings();
        js_sys::Reflect::get(&settings, &"deviceId".into())
            .ok()?
            .as_string()
    }

    /// Enables or disables the microphone or the camera (a disabled track sends silence or black
    /// frames; the device stays open so unmuting is instant).
    pub fn set_enabled(&self, kind: TrackKind, on: bool) {
        let tracks = match kind {
            TrackKind::Audio => self.camera.get_audio_tracks(),
            TrackKind::Video => self.camera.get_video_tracks(),
        };
        for track in tracks.iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.set_enabled(on);
            }
        }
    }

    /// Puts `track` in place of the camera's video track in the stream and stops the old one,
    /// which is returned (ended) so senders holding it can be found.
    pub fn replace_camera(&self, track: &MediaStreamTrack) -> Option<MediaStreamTrack> {
        let old = self.video_track();
        if let Some(old) = &old {
            self.camera.remove_track(old);
            old.stop();
        }
        self.camera.add_track(track);
        old
    }

    /// The screen being shared, if any.
    pub fn screen(&self) -> Option<&ScreenShare> {
        self.screen.as_ref()
    }

    /// Starts holding `share` as the shared screen (ending any earlier one).
    pub fn set_screen(&mut self, share: ScreenShare) {
        self.screen = Some(share);
    }

    /// Stops sharing the screen; returns whether a screen was shared.
    pub fn stop_screen(&mut self) -> bool {
        self.screen.take().is_some()
    }
}

impl Drop for LocalMedia {
    fn drop(&mut self) {
        stop_all(&self.camera);
    }
}

/// The camera and microphone while the browser opens them: [`OpeningMedia::start`] asks at once
/// ([`LocalMedia::acquire`]) and [`OpeningMedia::open`] waits for them where a call needs them,
/// so that they open during the join request (and the room-status check of a media server)
/// rather than after it — one round trip or two less before a call is set up. Owns what it
/// opens until it is taken: dropped before (a refused join, a page left while the browser asks),
/// the tracks are stopped as they arrive.
pub struct OpeningMedia(futures_channel::oneshot::Receiver<Result<LocalMedia, MediaError>>);

impl OpeningMedia {
    /// Starts opening the camera and microphone of [`DeviceChoice::load`].
    pub fn start() -> OpeningMedia {
        let (sender, receiver) = futures_channel::oneshot::channel();
        // `getUserMedia` is asked now, not on a later microtask.
        crate::task::spawn_started(async move {
            // Nobody waits any more: `send` hands the media back, it drops here and the
            // camera goes off.
            let _ = sender.send(LocalMedia::acquire().await);
        });
        OpeningMedia(receiver)
    }

    /// Media already open (the waiting room's), handed on as if it had just opened.
    pub fn ready(media: LocalMedia) -> OpeningMedia {
        let (sender, receiver) = futures_channel::oneshot::channel();
        let _ = sender.send(Ok(media));
        OpeningMedia(receiver)
    }

    /// The camera and microphone, once open.
    ///
    /// # Errors
    /// As [`LocalMedia::acquire`]; `MediaError::Other { name: "AbortError" }` should the
    /// opening task end without an answer (the page being torn down).
    pub async fn open(self) -> Result<LocalMedia, MediaError> {
        self.0.await.unwrap_or_else(|_| {
            Err(MediaError::Other {
                name: "AbortError".into(),
            })
        })
    }
}

/// The first half of a camera switch, the same for every transport: opens camera `device_id`,
/// enabled or not as the person's camera button says. On failure (unplugged, in use) the person
/// is told in `signals.notice` and the picker shows the camera still in use; `None` then.
pub async fn open_camera_for_switch(
    device_id: &str,
    signals: CallSignals,
) -> Option<MediaStreamTrack> {
    match camera(device_id).await {
        Ok(track) => {
            let video_on = signals
                .local_media
                .try_get_untracked()
                .unwrap_or_default()
                .video;
            track.set_enabled(video_on);
            Some(track)
        }
        Err(error) => {
            signals.notice.try_set(Some(Notice::Camera(error)));
            // Re-render the picker so it shows the camera still in use.
            signals.camera_id.try_update(|_| {});
            None
        }
    }
}

impl LocalMedia {
    /// The second half of a camera switch, once the transport sends `track` (camera
    /// `device_id`): swaps it into the local stream, stops the old camera and shows the change.
    pub fn finish_camera_switch(
        &self,
        track: &MediaStreamTrack,
        device_id: String,
        signals: CallSignals,
    ) {
        self.replace_camera(track);
        signals.camera_id.try_set(Some(device_id));
        signals.notice.try_set(None);
        // The preview element keeps the same stream; re-set it so it shows the new track at once.
        signals.local_stream.try_set(Some(self.stream()));
    }
}

/// A shared screen, window or tab. Owns the capture and the handler of the browser's own
/// "Stop sharing" button; dropping it unsets the handler and stops the capture.
pub struct ScreenShare {
    stream: MediaStream,
    track: MediaStreamTrack,
    _on_ended: Closure<dyn FnMut()>,
}

impl ScreenShare {
    /// Asks the person to choose a screen, window or tab; `on_ended` runs when they stop sharing
    /// from the browser's own controls.
    ///
    /// # Errors
    /// `PermissionDenied` when the person cancels the picker, and the other causes.
    pub async fn start(on_ended: impl FnMut() + 'static) -> Result<ScreenShare, MediaError> {
        let stream = screen().await?;
        ScreenShare::from_stream(stream, on_ended).ok_or(MediaError::NotFound)
    }

    /// Holds an already captured `stream` (its first video track is the screen); `None` when it
    /// has no video track.
    pub fn from_stream(
        stream: MediaStream,
        on_ended: impl FnMut() + 'static,
    ) -> Option<ScreenShare> {
        let Some(track) = first_video_track(&stream) else {
            stop_all(&stream);
            return None;
        };
        let on_ended = Closure::<dyn FnMut()>::new(on_ended);
        track.set_onended(Some(on_ended.as_ref().unchecked_ref()));
        Some(ScreenShare {
            stream,
            track,
            _on_ended: on_ended,
        })
    }

    /// The captured stream (a handle, not a JavaScript clone).
    pub fn stream(&self) -> MediaStream {
        Clone::clone(&self.stream)
    }

    /// The screen's video track.
    pub fn track(&self) -> &MediaStreamTrack {
        &self.track
    }
}

impl Drop for ScreenShare {
    fn drop(&mut self) {
        self.track.set_onended(None);
        stop_all(&self.stream);
    }
}

fn first_video_track(stream: &MediaStream) -> Option<MediaStreamTrack> {
    stream
        .get_video_tracks()
        .get(0)
        .dyn_into::<MediaStreamTrack>()
        .ok()
}

fn media_devices() -> Result<web_sys::MediaDevices, MediaError> {
    // `navigator.mediaDevices` is undefined outside secure contexts (http on a non-local host).
    web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| n.media_devices().ok())
        .filter(|d| !JsValue::from(d.clone()).is_undefined())
        .ok_or(MediaError::InsecureContext)
}

/// Maps a rejection of `getUserMedia`/`getDisplayMedia` to a [`MediaError`].
pub fn media_error(err: &JsValue) -> MediaError {
    let name = js_sys::Reflect::get(err, &"name".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let constraint = js_sys::Reflect::get(err, &"constraint".into())
        .ok()
        .and_then(|v| v.as_string());
    MediaError::from_dom_exception(&name, constraint.as_deref())
}

/// Camera (640×480 ideal) and microphone.
///
/// # Errors
/// The cause, mapped from the browser's `DOMException` (permission, device in use, none found…).
async fn camera_and_microphone(choice: &DeviceChoice) -> Result<MediaStream, MediaError> {
    // The chosen devices exactly (Chromium does not honour an `ideal` deviceId); if one is gone
    // (unplugged since it was chosen), whatever the browser picks.
    match open_camera_and_microphone(choice).await {
        Err(MediaError::DeviceGone { .. } | MediaError::NotFound)
            if choice.camera.is_some() || choice.microphone.is_some() =>
        {
            open_camera_and_microphone(&DeviceChoice::default()).await
        }
        other => other,
    }
}

async fn open_camera_and_microphone(choice: &DeviceChoice) -> Result<MediaStream, MediaError> {
    let devices = media_devices()?;
    let constraints = MediaStreamConstraints::new();
    let constraint = |key: &str, v: JsValue| {
        let o = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&o, &key.into(), &v);
        o
    };
    match &choice.microphone {
        Some(id) => {
            let audio = js_sys::Object::new();
            let _ =
                js_sys::Reflect::set(&audio, &"deviceId".into(), &constraint("exact", id.into()));
            constraints.set_audio(&audio);
        }
        None => constraints.set_audio(&JsValue::TRUE),
    }
    let video = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&video, &"width".into(), &constraint("ideal", 640.into()));
    let _ = js_sys::Reflect::set(&video, &"height".into(), &constraint("ideal", 480.into()));
    if let Some(id) = &choice.camera {
        let _ = js_sys::Reflect::set(&video, &"deviceId".into(), &constraint("exact", id.into()));
    }
    constraints.set_video(&video);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| media_error(&e))?;
    JsFuture::from(promise)
        .await
        .map(|s| s.unchecked_into())
        .map_err(|e| media_error(&e))
}

/// A screen, window or tab chosen by the person.
///
/// # Errors
/// `PermissionDenied` when the person cancels the picker, and the other causes.
async fn screen() -> Result<MediaStream, MediaError> {
    let devices = media_devices()?;
    let constraints = DisplayMediaStreamConstraints::new();
    constraints.set_video(&JsValue::TRUE);
    let promise = devices
        .get_display_media_with_constraints(&constraints)
        .map_err(|e| media_error(&e))?;
    JsFuture::from(promise)
        .await
        .map(|s| s.unchecked_into())
        .map_err(|e| media_error(&e))
}

/// Stops every track of `stream` (the camera light goes off).
pub fn stop_all(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}

/// The video inputs: `(deviceId, label)`. Labels are empty until camera access was granted.
pub async fn cameras() -> Vec<(String, String)> {
    devices(web_sys::MediaDeviceKind::Videoinput).await
}

/// The devices of `kind` as `(deviceId, label)`. The label is empty while the browser does not
/// tell it (before permission): the page names such a device by its place in the list, in the
/// page's language ("Camera 1").
pub async fn devices(kind: web_sys::MediaDeviceKind) -> Vec<(String, String)> {
    let Ok(devices) = media_devices() else {
        return Vec::new();
    };
    let Ok(promise) = devices.enumerate_devices() else {
        return Vec::new();
    };
    let Ok(list) = JsFuture::from(promise).await else {
        return Vec::new();
    };
    js_sys::Array::from(&list)
        .iter()
        .filter_map(|d| d.dyn_into::<web_sys::MediaDeviceInfo>().ok())
        .filter(|d| d.kind() == kind)
        .map(|d| (d.device_id(), d.label()))
        .collect()
}

/// A video track from camera `device_id` (exactly that device), 640×480 ideal.
///
/// # Errors
/// `DeviceGone` when the device has been unplugged, and the other causes.
pub async fn camera(device_id: &str) -> Result<web_sys::MediaStreamTrack, MediaError> {
    let devices = media_devices()?;
    let constraints = MediaStreamConstraints::new();
    let video = js_sys::Object::new();
    let exact = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&exact, &"exact".into(), &device_id.into());
    let _ = js_sys::Reflect::set(&video, &"deviceId".into(), &exact);
    for (key, value) in [("width", 640), ("height", 480)] {
        let ideal = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&ideal, &"ideal".into(), &value.into());
        let _ = js_sys::Reflect::set(&video, &key.into(), &ideal);
    }
    constraints.set_video(&video);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| media_error(&e))?;
    let stream: MediaStream = JsFuture::from(promise)
        .await
        .map(|s| s.unchecked_into())
        .map_err(|e| media_error(&e))?;
    stream
        .get_video_tracks()
        .get(0)
        .dyn_into::<web_sys::MediaStreamTrack>()
        .map_err(|_| MediaError::NotFound)
}
