//! Camera, microphone and screen capture.

use teleconsult_core::media_error::MediaError;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DisplayMediaStreamConstraints, MediaStream, MediaStreamConstraints};

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
pub async fn camera_and_microphone() -> Result<MediaStream, MediaError> {
    let devices = media_devices()?;
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&JsValue::TRUE);
    let video = js_sys::Object::new();
    let ideal = |n: u32| {
        let o = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&o, &"ideal".into(), &n.into());
        o
    };
    let _ = js_sys::Reflect::set(&video, &"width".into(), &ideal(640));
    let _ = js_sys::Reflect::set(&video, &"height".into(), &ideal(480));
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
pub async fn screen() -> Result<MediaStream, MediaError> {
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

/// Enables or disables the tracks of `kind` (`"audio"`/`"video"`) in `stream`.
pub fn set_enabled(stream: &MediaStream, kind: &str, on: bool) {
    let tracks = if kind == "audio" {
        stream.get_audio_tracks()
    } else {
        stream.get_video_tracks()
    };
    for track in tracks.iter() {
        if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
            track.set_enabled(on);
        }
    }
}

/// The video inputs: `(deviceId, label)`. Labels are empty until camera access was granted.
pub async fn cameras() -> Vec<(String, String)> {
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
        .filter(|d| d.kind() == web_sys::MediaDeviceKind::Videoinput)
        .enumerate()
        .map(|(i, d)| {
            let label = if d.label().is_empty() {
                format!("Camera {}", i + 1)
            } else {
                d.label()
            };
            (d.device_id(), label)
        })
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
