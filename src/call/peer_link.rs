//! One `RTCPeerConnection` and its event handlers, owned by one value.
//!
//! [`PeerLink`] reports what the connection does as [`LinkEvent`]s tagged with its generation
//! (so the engine can ignore a replaced connection's late events) and closes the connection and
//! unsets its handlers when dropped. The async steps of negotiation take the connection by handle
//! ([`PeerLink::connection`]) so no borrow is held across an `await`.

use teleconsult_core::{
    api::IceServer,
    chat::{CHAT_CHANNEL, MAX_CHAT_FRAME_BYTES},
    negotiation::PeerConnectionState,
    quality::{LinkSample, PacketCounts},
    signaling::IceCandidate,
};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    MediaStream, MediaStreamTrack, MessageEvent, RtcConfiguration, RtcDataChannel,
    RtcDataChannelInit, RtcDataChannelState, RtcIceCandidateInit, RtcIceServer, RtcPeerConnection,
    RtcPeerConnectionIceEvent, RtcPeerConnectionState, RtcRtpSender, RtcSdpType,
    RtcSessionDescriptionInit, RtcSignalingState, RtcTrackEvent,
};

use crate::bindings::webrtc::PeerConnectionExt;

/// What the peer connection reports.
#[derive(Debug, Clone)]
pub enum LinkEvent {
    /// A local ICE candidate to trickle to the peer.
    IceCandidate(IceCandidate),
    /// A remote track arrived, in this stream.
    Track(MediaStream),
    /// `connectionState` changed.
    State(PeerConnectionState),
    /// `negotiationneeded`: tracks changed or ICE restarts; an offer is due.
    NegotiationNeeded,
    /// The chat's data channel opened: messages can go.
    ChatOpen,
    /// A chat frame (JSON text) from the peer, not yet checked.
    ChatFrame(String),
}

/// The four handlers, kept alive as long as the connection they are set on.
#[allow(clippy::type_complexity)]
type Handlers = (
    Closure<dyn FnMut(RtcPeerConnectionIceEvent)>,
    Closure<dyn FnMut(RtcTrackEvent)>,
    Closure<dyn FnMut()>,
    Closure<dyn FnMut()>,
);

/// The chat's data channel and its two handlers.
struct ChatChannel {
    channel: RtcDataChannel,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

/// An `RTCPeerConnection` and its handlers. See the module documentation.
pub struct PeerLink {
    pc: RtcPeerConnection,
    generation: u64,
    chat: ChatChannel,
    _handlers: Handlers,
}

impl PeerLink {
    /// Opens a connection using `ice_servers`; `on_event(generation, event)` hears everything it
    /// reports.
    ///
    /// # Errors
    /// The browser refused to create the connection (e.g. a malformed ICE server URL).
    pub fn open(
        ice_servers: &[IceServer],
        generation: u64,
        on_event: impl Fn(u64, LinkEvent) + 'static,
    ) -> Result<PeerLink, JsValue> {
        let config = RtcConfiguration::new();
        config.set_ice_servers(&ice_server_list(ice_servers));
        let pc = RtcPeerConnection::new_with_configuration(&config)?;
        let on_event = std::rc::Rc::new(on_event);
        let on_ice = Closure::<dyn FnMut(RtcPeerConnectionIceEvent)>::new({
            let on_event = on_event.clone();
            move |ev: RtcPeerConnectionIceEvent| {
                if let Some(c) = ev.candidate() {
                    on_event(
                        generation,
                        LinkEvent::IceCandidate(IceCandidate {
                            candidate: c.candidate(),
                            sdp_mid: c.sdp_mid(),
                            sdp_m_line_index: c.sdp_m_line_index(),
                        }),
                    );
                }
            }
        });
        let on_track = Closure::<dyn FnMut(RtcTrackEvent)>::new({
            let on_event = on_event.clone();
            move |ev: RtcTrackEvent| {
                let stream = ev
                    .streams()
                    .get(0)
                    .dyn_into::<MediaStream>()
                    .ok()
                    .or_else(|| {
                        let s = MediaStream::new().ok()?;
                        s.add_track(&ev.track());
                        Some(s)
                    });
                if let Some(stream) = stream {
                    on_event(generation, LinkEvent::Track(stream));
                }
            }
        });
        let on_state = Closure::<dyn FnMut()>::new({
            let on_event = on_event.clone();
            let pc = pc.clone();
            move || {
                let state = match pc.connection_state() {
                    RtcPeerConnectionState::New => PeerConnectionState::New,
                    RtcPeerConnectionState::Connecting => PeerConnectionState::Connecting,
                    RtcPeerConnectionState::Connected => PeerConnectionState::Connected,
                    RtcPeerConnectionState::Disconnected => PeerConnectionState::Disconnected,
                    RtcPeerConnectionState::Failed => PeerConnectionState::Failed,
                    _ => PeerConnectionState::Closed,
                };
                on_event(generation, LinkEvent::State(state));
            }
        });
        let chat = open_chat(&pc, generation, on_event.clone());
        let on_negotiation = Closure::<dyn FnMut()>::new(move || {
            on_event(generation, LinkEvent::NegotiationNeeded);
        });
        pc.set_onicecandidate(Some(on_ice.as_ref().unchecked_ref()));
        pc.set_ontrack(Some(on_track.as_ref().unchecked_ref()));
        pc.set_onconnectionstatechange(Some(on_state.as_ref().unchecked_ref()));
        pc.set_onnegotiationneeded(Some(on_negotiation.as_ref().unchecked_ref()));
        Ok(PeerLink {
            pc,
            generation,
            chat,
            _handlers: (on_ice, on_track, on_state, on_negotiation),
        })
    }

    /// Which connection of the call this is (1, 2, …: a new one after each reset).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// A handle to the connection, for the async steps below.
    pub fn connection(&self) -> RtcPeerConnection {
        self.pc.clone()
    }

    /// Whether the connection is in the `stable` signaling state (no offer outstanding).
    pub fn is_stable(&self) -> bool {
        self.pc.signaling_state() == RtcSignalingState::Stable
    }

    /// Sends `track` (of `stream`, so the peer sees them grouped) to the peer.
    pub fn add_track(&self, track: &MediaStreamTrack, stream: &MediaStream) -> RtcRtpSender {
        self.pc.add_track_0(track, stream)
    }

    /// Stops sending whatever `sender` sends to the peer.
    pub fn remove_track(&self, sender: &RtcRtpSender) {
        self.pc.remove_track(sender);
    }

    /// The sender currently sending `track`, if any.
    pub fn sender_of(&self, track: &MediaStreamTrack) -> Option<RtcRtpSender> {
        self.pc
            .get_senders()
            .iter()
            .filter_map(|s| s.dyn_into::<RtcRtpSender>().ok())
            .find(|s| s.track().is_some_and(|t| t.id() == track.id()))
    }

    /// `restartIce()`: fires `negotiationneeded`; the next offer restarts ICE on both ends.
    pub fn restart_ice(&self) {
        self.pc.restart_ice();
    }

    /// Sends a chat frame on the data channel; false while it is not open.
    pub fn send_chat(&self, frame: &str) -> bool {
        self.chat.channel.ready_state() == RtcDataChannelState::Open
            && self.chat.channel.send_with_str(frame).is_ok()
    }
}

/// The chat's data channel on `pc`: negotiated (both ends create it with id 0, so neither waits
/// for a `datachannel` event and glare cannot make two), ordered and reliable. Frames over
/// `teleconsult_core::chat::MAX_CHAT_FRAME_BYTES` and binary frames are dropped here.
fn open_chat(
    pc: &RtcPeerConnection,
    generation: u64,
    on_event: std::rc::Rc<impl Fn(u64, LinkEvent) + 'static>,
) -> ChatChannel {
    let init = RtcDataChannelInit::new();
    init.set_negotiated(true);
    init.set_id(0);
    let channel = pc.create_data_channel_with_data_channel_dict(CHAT_CHANNEL, &init);
    let on_open = Closure::<dyn FnMut()>::new({
        let on_event = on_event.clone();
        move || on_event(generation, LinkEvent::ChatOpen)
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        if let Some(text) = ev.data().as_string() {
            if text.len() <= MAX_CHAT_FRAME_BYTES {
                on_event(generation, LinkEvent::ChatFrame(text));
            }
        }
    });
    channel.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ChatChannel {
        channel,
        _on_open: on_open,
        _on_message: on_message,
    }
}

impl Drop for PeerLink {
    fn drop(&mut self) {
        self.pc.set_onicecandidate(None);
        self.pc.set_ontrack(None);
        self.pc.set_onconnectionstatechange(None);
        self.pc.set_onnegotiationneeded(None);
        self.chat.channel.set_onopen(None);
        self.chat.channel.set_onmessage(None);
        self.chat.channel.close();
        self.pc.close();
    }
}

/// `setLocalDescription()` (implicit offer or answer); resolves to the SDP that was set.
///
/// # Errors
/// The browser's rejection (e.g. the connection was closed meanwhile).
pub async fn set_local_description(pc: &RtcPeerConnection) -> Result<String, JsValue> {
    JsFuture::from(pc.set_local_description_implicit()).await?;
    pc.local_description()
        .map(|d| d.sdp())
        .ok_or_else(|| JsValue::from_str("no local description after setting it"))
}

/// `setRemoteDescription({type, sdp})`. On glare, the polite side's call rolls its own offer back
/// implicitly.
///
/// # Errors
/// The browser's rejection (malformed SDP, wrong state).
pub async fn set_remote_description(
    pc: &RtcPeerConnection,
    kind: RtcSdpType,
    sdp: &str,
) -> Result<(), JsValue> {
    let init = RtcSessionDescriptionInit::new(kind);
    init.set_sdp(sdp);
    JsFuture::from(pc.set_remote_description(&init))
        .await
        .map(|_| ())
}

/// `addIceCandidate(candidate)`.
///
/// # Errors
/// The browser's rejection (e.g. a candidate of an offer that was ignored on glare).
pub async fn add_ice_candidate(
    pc: &RtcPeerConnection,
    candidate: &IceCandidate,
) -> Result<(), JsValue> {
    let init = RtcIceCandidateInit::new(&candidate.candidate);
    init.set_sdp_mid(candidate.sdp_mid.as_deref());
    init.set_sdp_m_line_index(candidate.sdp_m_line_index);
    JsFuture::from(pc.add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&init)))
        .await
        .map(|_| ())
}

/// `RTCRtpSender.replaceTrack(track)`: the peer gets the new track without renegotiation.
///
/// # Errors
/// The browser's rejection (e.g. an incompatible track).
pub async fn replace_track(sender: &RtcRtpSender, track: &MediaStreamTrack) -> Result<(), JsValue> {
    JsFuture::from(sender.replace_track(Some(track)))
        .await
        .map(|_| ())
}

/// `RTCRtpSender.replaceTrack(null)`: the sender stops sending (no renegotiation); the track
/// itself keeps running (the local preview stays).
///
/// # Errors
/// The browser's rejection (e.g. the connection was closed meanwhile).
pub async fn pause_sender(sender: &RtcRtpSender) -> Result<(), JsValue> {
    JsFuture::from(sender.replace_track(None)).await.map(|_| ())
}

/// What one `getStats()` round read: the sample without its loss, and the cumulative packet
/// counts of the video and the audio we send, from which the engine works out the loss since
/// the previous round (`teleconsult_core::quality::interval_loss`).
#[derive(Debug, Clone, Copy, Default)]
pub struct StatsRound {
    /// Round-trip time, outgoing estimate and sent frame rate; `loss` is `None`.
    pub sample: LinkSample,
    /// Packet counts of our video streams.
    pub video: PacketCounts,
    /// Packet counts of our audio stream.
    pub audio: PacketCounts,
}

/// One `getStats()` round of `pc`, read into what grades this party's own connection: the
/// selected candidate pair's `currentRoundTripTime` (s → ms) and `availableOutgoingBitrate`
/// (bit/s → kbit/s), the camera's sent `framesPerSecond` (`outbound-rtp` of `video_track`),
/// and per kind the `outbound-rtp` `packetsSent` and `retransmittedPacketsSent` and the other
/// party's `remote-inbound-rtp` `packetsLost`.
///
/// # Errors
/// The browser's rejection (the connection was closed meanwhile).
pub async fn sample_stats(
    pc: &RtcPeerConnection,
    video_track: Option<&MediaStreamTrack>,
) -> Result<StatsRound, JsValue> {
    let report = JsFuture::from(pc.get_stats()).await?;
    let num = |stats: &JsValue, key: &str| {
        js_sys::Reflect::get(stats, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_f64())
    };
    let text = |stats: &JsValue, key: &str| {
        js_sys::Reflect::get(stats, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_string())
    };
    let mut all = Vec::new();
    if let Ok(Some(entries)) = js_sys::try_iter(&report) {
        for entry in entries.flatten() {
            all.push(js_sys::Array::from(&entry).get(1));
        }
    }
    let of_type = |kind: &'static str| {
        all.iter()
            .filter(move |s| text(s, "type").as_deref() == Some(kind))
    };
    // The pair in use: the transport's selectedCandidatePairId, else a nominated succeeded pair.
    let selected = of_type("transport").find_map(|t| text(t, "selectedCandidatePairId"));
    let pair = of_type("candidate-pair").find(|p| match &selected {
        Some(id) => text(p, "id").as_deref() == Some(id),
        None => {
            text(p, "state").as_deref() == Some("succeeded")
                && js_sys::Reflect::get(p, &JsValue::from_str("nominated"))
                    .is_ok_and(|v| v.is_truthy())
        }
    });
    let total = |kind: &'static str, key: &'static str, of_kind: &str| -> f64 {
        of_type(kind)
            .filter(|s| text(s, "kind").as_deref() == Some(of_kind))
            .filter_map(|s| num(s, key))
            .sum()
    };
    let counts = |of_kind: &str| PacketCounts {
        sent: total("outbound-rtp", "packetsSent", of_kind),
        retransmitted: total("outbound-rtp", "retransmittedPacketsSent", of_kind),
        lost: total("remote-inbound-rtp", "packetsLost", of_kind),
    };
    let sent_fps = video_track.and_then(|track| {
        let source = of_type("media-source")
            .find(|s| text(s, "trackIdentifier").as_deref() == Some(&track.id()))
            .and_then(|s| text(s, "id"));
        of_type("outbound-rtp")
            .find(|s| source.is_some() && text(s, "mediaSourceId") == source)
            .and_then(|s| num(s, "framesPerSecond"))
    });
    Ok(StatsRound {
        sample: LinkSample {
            rtt_ms: pair
                .and_then(|p| num(p, "currentRoundTripTime"))
                .map(|s| s * 1000.0),
            loss: None,
            outgoing_kbps: pair
                .and_then(|p| num(p, "availableOutgoingBitrate"))
                .map(|b| b / 1000.0),
            sent_fps,
        },
        video: counts("video"),
        audio: counts("audio"),
    })
}

fn ice_server_list(servers: &[IceServer]) -> js_sys::Array {
    let list = js_sys::Array::new();
    for s in servers {
        let server = RtcIceServer::new();
        let urls: js_sys::Array = s.urls.iter().map(|u| JsValue::from_str(u)).collect();
        server.set_urls(&urls);
        if let Some(u) = &s.username {
            server.set_username(u);
        }
        if let Some(c) = &s.credential {
            server.set_credential(c);
        }
        list.push(&server);
    }
    list
}
