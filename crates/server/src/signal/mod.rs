//! The P2P signaling hub: `GET /api/signal` (WebSocket). The wire format is
//! `teleconsult_core::signaling`, documented in `docs/signaling.md`.
//!
//! One task per socket reads frames; a second writes them from a bounded queue, so a slow
//! receiver cannot hold up the sender (a receiver whose queue overflows is disconnected). Room
//! membership lives in [`Hub`] under a short std mutex (never held across an await), mirrored into
//! [`Presence`](crate::presence::Presence) for room status and into the call log.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{
    extract::{
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade},
        State,
    },
    response::Response,
    routing::get,
    Router,
};
use futures_util::{SinkExt, StreamExt};
use rand::RngCore;
use teleconsult_core::{
    api::{CallEvent, CallEventKind, RoomParticipant},
    appointment::room_name,
    call::{LeaveReason, Refusal},
    join_window::check_join,
    signaling::{
        rejoin, ClientFrame, Peer, Rejoin, ServerFrame, AUTH_TIMEOUT_SECS, CLOSE_RATE_LIMITED,
        CLOSE_TAKEN_OVER, CLOSE_TOO_BIG, CLOSE_TOO_MANY_SOCKETS, CLOSE_UNAUTHORIZED, FRAME_BURST,
        FRAME_RATE_PER_SEC, MAX_FRAME_BYTES, MAX_PARTICIPANTS, MAX_SOCKETS_PER_IDENTITY,
    },
    Role,
};
use tokio::sync::mpsc;

pub mod cluster;

use crate::{
    admission, appointments,
    audit::{self, Actor},
    auth::{AuthUser, ClientAddr},
    calls, AppState,
};

/// Frames queued for one socket before it counts as stuck and is disconnected.
const QUEUE_DEPTH: usize = 256;
/// Interval of WebSocket pings that keep idle sockets (and proxies) alive, and find dead peers.
const PING_EVERY: Duration = Duration::from_secs(15);

/// Routes: `GET /signal`.
pub fn router() -> Router<AppState> {
    Router::new().route("/signal", get(upgrade))
}

enum Outgoing {
    Frame(ServerFrame),
    Ping,
    Close(u16, &'static str),
}

struct Member {
    conn: u64,
    peer: Peer,
    tx: mpsc::Sender<Outgoing>,
    /// Across instances only: frames kept for this socket until its `room:joined` is queued
    /// (`None`: delivered at once).
    held: Option<Vec<ServerFrame>>,
}

struct Room {
    appointment_id: i64,
    call_id: String,
    members: Vec<Member>,
}

/// Live rooms of the signaling hub.
#[derive(Default)]
pub struct Hub {
    rooms: Mutex<HashMap<String, Room>>,
    next_conn: AtomicU64,
    /// Open authenticated sockets per identity ([`MAX_SOCKETS_PER_IDENTITY`]).
    sockets: Mutex<HashMap<String, usize>>,
}

/// One authenticated socket counted against its identity's cap; uncounted when dropped.
struct SocketSlot {
    hub: Arc<Hub>,
    identity: String,
}

impl Hub {
    /// Counts a socket of `identity`; `None` when it already holds
    /// [`MAX_SOCKETS_PER_IDENTITY`].
    fn claim_socket(self: &Arc<Self>, identity: &str) -> Option<SocketSlot> {
        let mut sockets = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        let count = sockets.entry(identity.to_string()).or_default();
        if *count >= MAX_SOCKETS_PER_IDENTITY {
            return None;
        }
        *count += 1;
        Some(SocketSlot {
            hub: self.clone(),
            identity: identity.to_string(),
        })
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut sockets = self.hub.sockets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = sockets.get_mut(&self.identity) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                sockets.remove(&self.identity);
            }
        }
    }
}

fn new_call_id() -> String {
    let mut b = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn send(tx: &mpsc::Sender<Outgoing>, frame: ServerFrame) {
    if tx.try_send(Outgoing::Frame(frame)).is_err() {
        // Full (stuck client) or closed: ask the writer to close; ignore if it is gone.
        let _ = tx.try_send(Outgoing::Close(1008, "too slow"));
    }
}

/// What a join attempt led to.
enum JoinOutcome {
    Joined,
    Busy,
    Full,
}

impl Hub {
    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<String, Room>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts `member` into `room` unless the same identity is there on another connection and
    /// may not replace it ([`rejoin`]) or the room is full. On success `room:joined` is queued to the
    /// member *before* the others are sent `room:peer-joined`, both under the room lock, so no
    /// client ever sees a peer join a room it has not been told it entered (two participants
    /// joining in the same instant found that order reversed: the first then believed itself
    /// alone and never offered).
    fn join(
        &self,
        room: &str,
        appointment_id: i64,
        member: Member,
        takeover: bool,
    ) -> (JoinOutcome, String, Option<Member>) {
        let mut rooms = self.rooms();
        let entry = rooms.entry(room.to_string()).or_insert_with(|| Room {
            appointment_id,
            call_id: new_call_id(),
            members: vec![],
        });
        let call_id = entry.call_id.clone();
        let mut replaced = None;
        let mut same_page = false;
        if let Some(i) = entry
            .members
            .iter()
            .position(|m| m.peer.identity == member.peer.identity && m.conn != member.conn)
        {
            match rejoin(
                &entry.members[i].peer.session_id,
                &member.peer.session_id,
                takeover,
            ) {
                Rejoin::Busy => return (JoinOutcome::Busy, call_id, None),
                Rejoin::TakeOver => {}
                Rejoin::SamePage => same_page = true,
            }
            replaced = Some(entry.members.remove(i));
        }
        entry.members.retain(|m| m.conn != member.conn);
        if entry.members.len() >= MAX_PARTICIPANTS {
            return (JoinOutcome::Full, call_id, replaced);
        }
        send(
            &member.tx,
            ServerFrame::RoomJoined {
                room: room.to_string(),
                call_id: call_id.clone(),
                peers: entry.members.iter().map(|m| m.peer.clone()).collect(),
            },
        );
        for m in &entry.members {
            if let Some(old) = replaced.as_ref().filter(|_| !same_page) {
                send(
                    &m.tx,
                    ServerFrame::PeerLeft {
                        identity: old.peer.identity.clone(),
                        reason: LeaveReason::Moved,
                    },
                );
            }
            send(
                &m.tx,
                ServerFrame::PeerJoined {
                    peer: member.peer.clone(),
                },
            );
        }
        entry.members.push(member);
        (JoinOutcome::Joined, call_id, replaced)
    }

    /// Removes connection `conn` from `room`; tells the others. Returns whether it was there and
    /// whether the room is now empty.
    fn leave(&self, room: &str, conn: u64, reason: LeaveReason) -> (bool, bool) {
        let mut rooms = self.rooms();
        let Some(entry) = rooms.get_mut(room) else {
            return (false, false);
        };
        let Some(i) = entry.members.iter().position(|m| m.conn == conn) else {
            return (false, false);
        };
        let gone = entry.members.remove(i);
        for m in &entry.members {
            send(
                &m.tx,
                ServerFrame::PeerLeft {
                    identity: gone.peer.identity.clone(),
                    reason,
                },
            );
        }
        let empty = entry.members.is_empty();
        if empty {
            rooms.remove(room);
        }
        (true, empty)
    }

    /// Sends `make(from)` to the others in `room`, if `conn` is in it with `call_id`.
    fn relay(
        &self,
        room: &str,
        conn: u64,
        call_id: &str,
        frame: impl Fn(String) -> ServerFrame,
    ) -> Result<(), ServerFrame> {
        let rooms = self.rooms();
        let entry = rooms.get(room).ok_or_else(not_in_room)?;
        let from = entry
            .members
            .iter()
            .find(|m| m.conn == conn)
            .ok_or_else(not_in_room)?;
        if entry.call_id != call_id {
            return Err(wrong_call(call_id));
        }
        for m in entry.members.iter().filter(|m| m.conn != conn) {
            send(&m.tx, frame(from.peer.identity.clone()));
        }
        Ok(())
    }

    /// The appointment and call id of `room`, if connection `conn` is in it.
    fn member_of(&self, room: &str, conn: u64) -> Option<(i64, String)> {
        let rooms = self.rooms();
        let r = rooms.get(room)?;
        r.members
            .iter()
            .any(|m| m.conn == conn)
            .then(|| (r.appointment_id, r.call_id.clone()))
    }
}

/// Sends `frame(from)` to the others in `room`, if socket `conn` is in it with `call_id`: through
/// this instance's hub, or across instances through Redis.
async fn relay(
    state: &AppState,
    room: &str,
    conn: u64,
    call_id: &str,
    frame: impl Fn(String) -> ServerFrame,
) -> Result<(), ServerFrame> {
    let Some(cluster) = &state.cluster else {
        return state.hub.relay(room, conn, call_id, frame);
    };
    // The local hub knows this socket's room and call; the others may be anywhere.
    let (from, current) = {
        let rooms = state.hub.rooms();
        let entry = rooms.get(room).ok_or_else(not_in_room)?;
        let me = entry
            .members
            .iter()
            .find(|m| m.conn == conn && m.held.is_none())
            .ok_or_else(not_in_room)?;
        (me.peer.identity.clone(), entry.call_id.clone())
    };
    if current != call_id {
        return Err(wrong_call(call_id));
    }
    cluster::relay(cluster, room, conn, frame(from)).await;
    Ok(())
}

fn wrong_call(call_id: &str) -> ServerFrame {
    ServerFrame::error(
        "wrong_call",
        format!("callId {call_id:?} is not the call in this room; use the one from room:joined."),
    )
}

fn not_in_room() -> ServerFrame {
    ServerFrame::error(
        "not_in_room",
        "Join the room (room:join) before sending call frames.",
    )
}

async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
) -> Response {
    // Accept frames up to 1 MiB at the protocol level, so that a frame over our 64 KiB limit gets
    // an error frame instead of a dropped connection.
    ws.max_message_size(1 << 20)
        // tungstenite's defaults (128 KiB to read into, 128 KiB gathered before a write) cost
        // 143 KiB of resident memory per idle socket at 1,000 sockets (bench/signaling_relay.sh).
        // Signaling frames are small and each is flushed as it is sent anyway, so read in 4 KiB
        // steps (a larger frame grows the buffer while it is read) and write each frame at once.
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .on_upgrade(move |socket| connection(socket, state, address))
}

/// Initial read buffer of a signaling socket, in bytes.
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// How long closing a socket may wait for its queue and for the client's close answer.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// One socket's frame budget: [`FRAME_RATE_PER_SEC`] sustained, [`FRAME_BURST`] at once.
fn frame_budget() -> governor::DefaultDirectRateLimiter {
    let rate = std::num::NonZeroU32::new(FRAME_RATE_PER_SEC).unwrap_or(std::num::NonZeroU32::MIN);
    let burst = std::num::NonZeroU32::new(FRAME_BURST).unwrap_or(rate);
    governor::RateLimiter::direct(governor::Quota::per_second(rate).allow_burst(burst))
}

/// Whether a read failed because the message was over the protocol limit (tungstenite's
/// `CapacityError::MessageTooLong`, "Space limit exceeded: Message too long: … > …"; axum does not
/// expose the type, so its text is matched — `signaling::oversized_messages_close_with_1009`
/// fails if it changes).
fn is_too_big(e: &axum::Error) -> bool {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&s.to_string());
        source = s.source();
    }
    text.contains("Message too long")
}

struct Session {
    conn: u64,
    /// The socket's peer address, for the audit log.
    address: Option<IpAddr>,
    user: AuthUser,
    room: Option<String>,
    tx: mpsc::Sender<Outgoing>,
}

async fn connection(socket: WebSocket, state: AppState, address: Option<IpAddr>) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::channel::<Outgoing>(QUEUE_DEPTH);
    let writer = tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            let result = match out {
                Outgoing::Frame(f) => match serde_json::to_string(&f) {
                    Ok(text) => sink.send(Message::Text(Utf8Bytes::from(text))).await,
                    Err(_) => Ok(()),
                },
                Outgoing::Ping => sink.send(Message::Ping(Default::default())).await,
                Outgoing::Close(code, reason) => {
                    let _ = sink
                        .send(Message::Close(Some(CloseFrame {
                            code,
                            reason: Utf8Bytes::from_static(reason),
                        })))
                        .await;
                    break;
                }
            };
            if result.is_err() {
                break;
            }
        }
    });

    let Some(user) = authenticate(&state, &mut stream, &tx).await else {
        drop(tx);
        let _ = writer.await;
        return;
    };
    let Some(_slot) = state.hub.claim_socket(&user.identity()) else {
        send(
            &tx,
            ServerFrame::error(
                "too_many_connections",
                format!(
                    "At most {MAX_SOCKETS_PER_IDENTITY} signaling connections per person; close \
                     another tab of this consultation."
                ),
            ),
        );
        let _ = tx.try_send(Outgoing::Close(
            CLOSE_TOO_MANY_SOCKETS,
            "too many connections",
        ));
        drop(tx);
        let _ = writer.await;
        return;
    };
    let mut session = Session {
        conn: state.hub.next_conn.fetch_add(1, Ordering::Relaxed),
        address,
        user,
        room: None,
        tx,
    };
    send(
        &session.tx,
        ServerFrame::AuthOk {
            identity: session.user.identity(),
        },
    );

    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut left_reason = LeaveReason::Disconnected;
    let mut close = (1000, "bye");
    let budget = frame_budget();
    loop {
        tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(Message::Text(_) | Message::Binary(_))) if budget.check().is_err() => {
                    send(&session.tx, ServerFrame::error("rate_limited", format!(
                        "More than {FRAME_RATE_PER_SEC} frames a second; the connection is closed.")));
                    tracing::warn!(conn = session.conn, "signaling socket over its frame rate: closed");
                    close = (CLOSE_RATE_LIMITED, "rate limited");
                    break;
                }
                Some(Ok(Message::Text(text))) => {
                    if let Some(reason) = handle_text(&state, &mut session, text.as_str()).await {
                        left_reason = reason;
                    }
                }
                Some(Ok(Message::Binary(_))) => send(&session.tx, ServerFrame::error(
                    "invalid_frame", "Frames are JSON text, not binary.")),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Err(e)) if is_too_big(&e) => {
                    close = (CLOSE_TOO_BIG, "message too big");
                    break;
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
            },
            _ = ping.tick() => { let _ = session.tx.try_send(Outgoing::Ping); }
        }
        if session.tx.is_closed() {
            break;
        }
    }
    if let Some(room) = session.room.take() {
        leave_room(&state, &session, &room, left_reason).await;
    }
    // The close frame waits behind what is queued (bounded); after a refusal, the client's
    // remaining frames are read and dropped until it answers the close, so that it gets the code
    // rather than a connection reset.
    let _ = tokio::time::timeout(
        CLOSE_GRACE,
        session.tx.send(Outgoing::Close(close.0, close.1)),
    )
    .await;
    if close.0 != 1000 {
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            while let Some(Ok(msg)) = stream.next().await {
                if matches!(msg, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
    drop(session);
    let _ = writer.await;
}

/// Waits for the `auth` frame; on failure sends an error, closes, and returns None.
async fn authenticate(
    state: &AppState,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    tx: &mpsc::Sender<Outgoing>,
) -> Option<AuthUser> {
    let first = tokio::time::timeout(Duration::from_secs(AUTH_TIMEOUT_SECS), async {
        loop {
            match stream.next().await {
                Some(Ok(Message::Text(t))) => return Some(t),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                _ => return None,
            }
        }
    })
    .await;
    let refuse = |code: &str, message: &str, close: (u16, &'static str)| {
        send(tx, ServerFrame::error(code, message));
        let _ = tx.try_send(Outgoing::Close(close.0, close.1));
        None
    };
    let text = match first {
        Err(_) => {
            return refuse(
                "auth_timeout",
                "No auth frame within 5 seconds; closing.",
                (CLOSE_UNAUTHORIZED, "auth timeout"),
            )
        }
        Ok(None) => return None,
        Ok(Some(t)) => t,
    };
    let token = match serde_json::from_str::<ClientFrame>(text.as_str()) {
        Ok(ClientFrame::Auth { token }) if text.len() <= MAX_FRAME_BYTES => token,
        _ => {
            return refuse(
                "unauthorized",
                "The first frame must be {\"type\":\"auth\",\"token\":\"…\"}.",
                (CLOSE_UNAUTHORIZED, "unauthorized"),
            )
        }
    };
    match state.keys.verify(&token, state.clock.now()) {
        Ok(claims) => match claims.sub.parse() {
            Ok(id) => Some(AuthUser {
                id,
                role: claims.role,
                name: claims.name,
            }),
            Err(_) => refuse(
                "unauthorized",
                "Invalid token.",
                (CLOSE_UNAUTHORIZED, "unauthorized"),
            ),
        },
        Err(e) => refuse(e.code, &e.message, (CLOSE_UNAUTHORIZED, "unauthorized")),
    }
}

/// Handles one text frame; returns a leave reason if the frame ended the session's call.
async fn handle_text(state: &AppState, session: &mut Session, text: &str) -> Option<LeaveReason> {
    if text.len() > MAX_FRAME_BYTES {
        send(
            &session.tx,
            ServerFrame::error(
                "frame_too_large",
                format!("Frames may be at most {MAX_FRAME_BYTES} bytes; this one was dropped."),
            ),
        );
        return None;
    }
    let frame = match serde_json::from_str::<ClientFrame>(text) {
        Ok(f) => f,
        Err(e) => {
            send(
                &session.tx,
                ServerFrame::error("invalid_frame", format!("Unreadable frame: {e}")),
            );
            return None;
        }
    };
    let room = session.room.clone().unwrap_or_default();
    let relayed = match frame {
        ClientFrame::Auth { .. } => {
            send(
                &session.tx,
                ServerFrame::error("invalid_frame", "Already authenticated."),
            );
            return None;
        }
        ClientFrame::Ping => {
            send(&session.tx, ServerFrame::Pong);
            return None;
        }
        ClientFrame::RoomJoin {
            appointment_id,
            session_id,
            takeover,
        } => {
            join_room(state, session, appointment_id, session_id, takeover).await;
            return None;
        }
        ClientFrame::Offer { call_id, sdp } => {
            relay(state, &room, session.conn, &call_id, |from| {
                ServerFrame::Offer {
                    from,
                    call_id: call_id.clone(),
                    sdp: sdp.clone(),
                }
            })
            .await
        }
        ClientFrame::Answer { call_id, sdp } => {
            relay(state, &room, session.conn, &call_id, |from| {
                ServerFrame::Answer {
                    from,
                    call_id: call_id.clone(),
                    sdp: sdp.clone(),
                }
            })
            .await
        }
        ClientFrame::Ice { call_id, candidate } => {
            relay(state, &room, session.conn, &call_id, |from| {
                ServerFrame::Ice {
                    from,
                    call_id: call_id.clone(),
                    candidate: candidate.clone(),
                }
            })
            .await
        }
        ClientFrame::MediaState {
            call_id,
            audio,
            video,
            screen,
            screen_stream_id,
        } => {
            relay(state, &room, session.conn, &call_id, |from| {
                ServerFrame::MediaState {
                    from,
                    call_id: call_id.clone(),
                    audio,
                    video,
                    screen,
                    screen_stream_id: screen_stream_id.clone(),
                }
            })
            .await
        }
        ClientFrame::MediaQuality {
            call_id,
            level,
            video_paused,
        } => {
            relay(state, &room, session.conn, &call_id, |from| {
                ServerFrame::MediaQuality {
                    from,
                    call_id: call_id.clone(),
                    level,
                    video_paused,
                }
            })
            .await
        }
        ClientFrame::End { call_id, reason } => {
            // A client may say why it leaves, not that its connection dropped or that the call
            // is over for everyone: the hub alone observes those.
            let reason = match reason {
                LeaveReason::Hangup
                | LeaveReason::Moved
                | LeaveReason::ConnectionFailed
                | LeaveReason::MediaUnavailable => reason,
                LeaveReason::Disconnected | LeaveReason::AllLeft | LeaveReason::Ended => {
                    LeaveReason::Ended
                }
            };
            let result = relay(state, &room, session.conn, &call_id, |from| {
                ServerFrame::End {
                    from,
                    call_id: call_id.clone(),
                    reason,
                }
            })
            .await;
            if result.is_ok() {
                if let Some(room) = session.room.take() {
                    leave_room(state, session, &room, reason).await;
                }
                return Some(reason);
            }
            result
        }
    };
    if let Err(error) = relayed {
        send(&session.tx, error);
    }
    None
}

async fn join_room(
    state: &AppState,
    session: &mut Session,
    appointment_id: i64,
    session_id: String,
    takeover: bool,
) {
    let actor = Actor::user(&session.user, session.address);
    let appointment = match audit::checked_load(state, appointment_id, &session.user, &actor).await
    {
        Ok(a) => a,
        Err(e) => return send(&session.tx, ServerFrame::error(e.code, e.message)),
    };
    let now = state.clock.now();
    if let Err(refusal) = check_join(appointment.status, appointment.scheduled_at, now) {
        let e = appointments::refusal_error(refusal);
        return send(&session.tx, ServerFrame::error(e.code, e.message));
    }
    let waits = state.config.waiting_room
        && session.user.role == Role::Patient
        && match admission::is_admitted(&state.db, appointment_id).await {
            Ok(admitted) => !admitted,
            Err(e) => return send(&session.tx, ServerFrame::error(e.code, e.message)),
        };
    if waits {
        return send(
            &session.tx,
            ServerFrame::error(
                Refusal::NotAdmitted.code(),
                teleconsult_core::i18n::text_in(
                    teleconsult_core::i18n::Lang::En,
                    "call.refusal.not_admitted",
                ),
            ),
        );
    }
    let room = room_name(appointment_id);
    if let Some(current) = session.room.clone() {
        if current != room {
            leave_room(state, session, &current, LeaveReason::Hangup).await;
        }
    }
    let peer = Peer {
        identity: session.user.identity(),
        role: session.user.role,
        name: session.user.name.clone(),
        session_id: session_id.chars().take(64).collect(),
    };
    if state.cluster.is_some() {
        return cluster::join_room(state, session, appointment_id, room, peer, takeover, now).await;
    }
    let member = Member {
        conn: session.conn,
        peer: peer.clone(),
        tx: session.tx.clone(),
        held: None,
    };
    let (outcome, call_id, replaced) = state.hub.join(&room, appointment_id, member, takeover);
    let same_page = replaced
        .as_ref()
        .is_some_and(|old| old.peer.session_id == peer.session_id);
    if let Some(old) = replaced {
        if same_page {
            // The same page on a new socket: the old one is closed without a word, and the
            // person never left the call (signaling::Rejoin::SamePage).
            let _ = old.tx.try_send(Outgoing::Close(1000, "replaced"));
        } else {
            send(
                &old.tx,
                ServerFrame::TakenOver {
                    call_id: call_id.clone(),
                },
            );
            let _ = old
                .tx
                .try_send(Outgoing::Close(CLOSE_TAKEN_OVER, "taken over"));
            log_event(
                state,
                session.address,
                appointment_id,
                &peer.identity,
                CallEventKind::Left,
                Some(LeaveReason::Moved),
                &call_id,
            )
            .await;
        }
    }
    match outcome {
        JoinOutcome::Busy => send(&session.tx, ServerFrame::Busy { call_id }),
        JoinOutcome::Full => send(
            &session.tx,
            ServerFrame::error(
                Refusal::RoomFull.code(),
                teleconsult_core::i18n::text_in(
                    teleconsult_core::i18n::Lang::En,
                    "call.refusal.room_full",
                ),
            ),
        ),
        JoinOutcome::Joined => {
            session.room = Some(room.clone());
            state.presence.enter(
                &room,
                RoomParticipant {
                    identity: peer.identity.clone(),
                    role: Some(peer.role),
                    joined_at: now,
                },
            );
            if !same_page {
                log_event(
                    state,
                    session.address,
                    appointment_id,
                    &peer.identity,
                    CallEventKind::Joined,
                    None,
                    &call_id,
                )
                .await;
            }
            tracing::info!(appointment_id, identity = %peer.identity, "entered the room");
        }
    }
}

async fn leave_room(state: &AppState, session: &Session, room: &str, reason: LeaveReason) {
    if let Some(cluster) = &state.cluster {
        return cluster::leave_room(state, cluster, session, room, reason).await;
    }
    // Membership, appointment and call id in one look at the room.
    let Some((appointment_id, call_id)) = state.hub.member_of(room, session.conn) else {
        return;
    };
    let identity = session.user.identity();
    // Log before telling the others: whatever they do next is logged after this departure.
    log_event(
        state,
        session.address,
        appointment_id,
        &identity,
        CallEventKind::Left,
        Some(reason),
        &call_id,
    )
    .await;
    let (was_there, empty) = state.hub.leave(room, session.conn, reason);
    if !was_there {
        return;
    }
    state.presence.leave(room, &identity);
    if empty {
        log_event(
            state,
            session.address,
            appointment_id,
            &identity,
            CallEventKind::Ended,
            Some(LeaveReason::AllLeft),
            &call_id,
        )
        .await;
    }
    tracing::info!(%identity, %reason, "left the room");
}

async fn log_event(
    state: &AppState,
    address: Option<IpAddr>,
    appointment_id: i64,
    identity: &str,
    kind: CallEventKind,
    reason: Option<LeaveReason>,
    call_id: &str,
) {
    let event = CallEvent {
        at: state.clock.now(),
        identity: identity.to_string(),
        kind,
        reason,
        call_id: Some(call_id.to_string()),
    };
    if let Err(e) = calls::record(&state.db, appointment_id, &event, address).await {
        tracing::warn!(error = %e, "could not write the call log");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(conn: u64, identity: &str, role: Role) -> (Member, mpsc::Receiver<Outgoing>) {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let peer = Peer {
            identity: identity.into(),
            role,
            name: identity.into(),
            session_id: format!("s{conn}"),
        };
        (
            Member {
                conn,
                peer,
                tx,
                held: None,
            },
            rx,
        )
    }

    fn next(rx: &mut mpsc::Receiver<Outgoing>) -> Option<ServerFrame> {
        match rx.try_recv() {
            Ok(Outgoing::Frame(f)) => Some(f),
            _ => None,
        }
    }

    #[test]
    fn room_joined_is_queued_before_anyone_can_be_told_of_a_later_peer() {
        let hub = Hub::default();
        let (doctor, mut doctor_rx) = member(1, "doctor_1", Role::Doctor);
        let (patient, mut patient_rx) = member(2, "patient_2", Role::Patient);

        let (outcome, call_id, _) = hub.join("r", 10, doctor, false);
        assert!(matches!(outcome, JoinOutcome::Joined));
        // Already queued when the lock is released: a patient joining in the next instant can
        // only be told to the doctor after this.
        match next(&mut doctor_rx) {
            Some(ServerFrame::RoomJoined {
                call_id: c, peers, ..
            }) => {
                assert_eq!(c, call_id);
                assert!(peers.is_empty());
            }
            other => panic!("doctor's first frame: {other:?}"),
        }

        let (outcome, _, _) = hub.join("r", 10, patient, false);
        assert!(matches!(outcome, JoinOutcome::Joined));
        match next(&mut patient_rx) {
            Some(ServerFrame::RoomJoined { peers, .. }) => {
                assert_eq!(peers.len(), 1);
                assert_eq!(peers[0].identity, "doctor_1");
            }
            other => panic!("patient's first frame: {other:?}"),
        }
        match next(&mut doctor_rx) {
            Some(ServerFrame::PeerJoined { peer }) => assert_eq!(peer.identity, "patient_2"),
            other => panic!("doctor's second frame: {other:?}"),
        }
    }

    #[test]
    fn a_refused_join_queues_nothing() {
        let hub = Hub::default();
        let (first, _first_rx) = member(1, "patient_2", Role::Patient);
        let (second_tab, mut second_rx) = member(2, "patient_2", Role::Patient);
        hub.join("r", 10, first, false);
        let (outcome, _, replaced) = hub.join("r", 10, second_tab, false);
        assert!(matches!(outcome, JoinOutcome::Busy));
        assert!(replaced.is_none());
        assert!(next(&mut second_rx).is_none());
    }
}
