//! The signaling hub across instances (`TELECONSULT_REDIS_URL`, see [`crate::cluster`]).
//!
//! A room's membership is the Redis hash `{prefix}room:{room}` (identity → [`Entry`]) and its call
//! id `{prefix}call:{room}`; both change only inside the Lua scripts below, so two instances admitting
//! participants at the same instant still see one order (busy, full and takeover as on one
//! instance). Frames go out as [`BusMessage`]s on the room's channel; every instance hands them to
//! its own participants of that room. This instance's [`Hub`](super::Hub) keeps only its local
//! sockets, for that delivery.
//!
//! The call log gets each event once: the instance that changes the hash (join, leave, sweep of
//! a dead instance's entry) writes the event, and only one instance can change a given entry.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use teleconsult_core::{
    api::{CallEventKind, RoomParticipant},
    call::{LeaveReason, Refusal},
    signaling::{Peer, ServerFrame, CLOSE_TAKEN_OVER, MAX_PARTICIPANTS},
};
use time::OffsetDateTime;
use tokio::sync::mpsc;

use super::{log_event, new_call_id, send, Member, Outgoing, Session};
use crate::{
    cluster::{wall_ms, Cluster, Incoming, HEARTBEAT, ROOM_TTL_MS, STALE_MS},
    AppState,
};

/// A frame on a room's channel.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct BusMessage {
    /// The connection (`{node}:{conn}`) that must not get it: the sender's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except: Option<String>,
    /// Only the sockets of this identity get it, when set (with `except`: a person's other
    /// socket, the one being replaced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_identity: Option<String>,
    /// What the participants get, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<ServerFrame>,
    /// Close the addressed connection with this code after the frame (taken over, replaced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close: Option<u16>,
}

/// One participant of a room, as stored in its hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    peer: Peer,
    /// The socket holding it: `{node}:{conn}`.
    conn: String,
    /// When its instance last renewed it (ms since the epoch, wall clock).
    seen: i64,
    /// When it entered (Unix seconds, the server's clock), for room status.
    joined: i64,
    /// When it entered (ms since the epoch, wall clock): the order of arrival.
    arrived: i64,
}

fn room_key(cluster: &Cluster, room: &str) -> String {
    cluster.key(&format!("room:{room}"))
}

fn call_key(cluster: &Cluster, room: &str) -> String {
    cluster.key(&format!("call:{room}"))
}

/// Enters a room. KEYS: room hash, call key. ARGV: identity, conn, entry JSON, takeover (1/0),
/// max participants, now (ms), stale (ms), new call id, session id, ttl (ms), the room's channel,
/// and the [`BusMessage`]s it publishes: `room:peer-joined`, the quiet close of the same page's
/// old socket, `room:taken-over` (with `__CALL__` for the call id), `room:peer-left` `moved`, and
/// `room:peer-left` `disconnected` of a swept entry (with `__ID__` for its identity); and the
/// prefix of the tombstones it leaves for the sockets it sweeps (see [`HEARTBEAT_SCRIPT`]).
/// They are published inside the script, so in the one order of all joins: a participant who
/// joins later never gets the `room:peer-joined` of one its `room:joined` already lists.
/// Returns {outcome, call id, [other entries], replaced entry or "", [swept entries]}: a
/// participant of the same identity on another socket is replaced with takeover or when it is the
/// same page (session id), and is otherwise "busy" — `teleconsult_core::signaling::rejoin`, which
/// the one-instance hub calls.
static JOIN: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local now, stale = tonumber(ARGV[6]), tonumber(ARGV[7])
local others, swept, replaced = {}, {}, ''
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local id, raw = all[i], all[i + 1]
  local e = cjson.decode(raw)
  if now - e.seen > stale then
    redis.call('HDEL', KEYS[1], id)
    redis.call('SET', ARGV[17] .. e.conn, '1', 'PX', 60000)
    redis.call('PUBLISH', ARGV[11], (string.gsub(ARGV[16], '__ID__', id)))
    table.insert(swept, raw)
  elseif id == ARGV[1] then
    if e.conn ~= ARGV[2] then
      if ARGV[4] == '1' or e.peer.sessionId == ARGV[9] then
        replaced = raw
      else
        return {'busy', redis.call('GET', KEYS[2]) or '', {}, '', swept}
      end
    end
  else
    table.insert(others, raw)
  end
end
if #others >= tonumber(ARGV[5]) then
  return {'full', redis.call('GET', KEYS[2]) or '', {}, '', swept}
end
local call = redis.call('GET', KEYS[2])
if not call then call = ARGV[8]; redis.call('SET', KEYS[2], call) end
if replaced ~= '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  if cjson.decode(replaced).peer.sessionId == ARGV[9] then
    redis.call('PUBLISH', ARGV[11], ARGV[13])
  else
    redis.call('PUBLISH', ARGV[11], (string.gsub(ARGV[14], '__CALL__', call)))
    redis.call('PUBLISH', ARGV[11], ARGV[15])
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[10])
redis.call('PEXPIRE', KEYS[2], ARGV[10])
redis.call('PUBLISH', ARGV[11], ARGV[12])
return {'joined', call, others, replaced, swept}
",
    )
});

/// What [`JOIN`] returns: outcome (`joined`, `busy`, `full`), call id, the other entries, the
/// replaced entry (or empty), the swept entries.
type JoinAnswer = (String, String, Vec<String>, String, Vec<String>);

/// Leaves a room if this socket still holds the entry. KEYS: room hash, call key. ARGV: identity,
/// conn. Returns {was there (1/0), room now empty (1/0)}.
static LEAVE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw or cjson.decode(raw).conn ~= ARGV[2] then return {0, 0} end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
  return {1, 1}
end
return {1, 0}
",
    )
});

/// Renews this socket's entry and sweeps entries nobody renewed, telling the room and leaving a
/// tombstone (`{prefix}gone:{conn}`, 60 s) for each swept socket. KEYS: room hash, call key.
/// ARGV: identity, conn, now (ms), stale (ms), ttl (ms), the room's channel, the `room:peer-left`
/// notice with `__ID__` ([`swept_notice`]), the tombstones' prefix, this socket's entry, the call
/// id. Returns {state, [swept entries]}, state being:
/// - `renewed`;
/// - `replaced`: another socket of the person holds the entry (its join closes this one);
/// - `swept`: another instance declared this socket gone (its tombstone), and the room was told:
///   the socket is closed so that its page comes back through a fresh join;
/// - `restored`: the entry was missing without a tombstone — Redis lost its data (a restart, a
///   failover) — and is written again, so rooms and presence rebuild within a heartbeat.
static HEARTBEAT_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
local now, stale = tonumber(ARGV[3]), tonumber(ARGV[4])
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local state = 'renewed'
if raw then
  local e = cjson.decode(raw)
  if e.conn == ARGV[2] then
    e.seen = now
    redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(e))
  else
    state = 'replaced'
  end
elseif redis.call('EXISTS', ARGV[8] .. ARGV[2]) == 1 then
  state = 'swept'
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[9])
  if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SET', KEYS[2], ARGV[10]) end
  state = 'restored'
end
if state == 'renewed' or state == 'restored' then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
end
local swept = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local e = cjson.decode(all[i + 1])
  if now - e.seen > stale then
    redis.call('HDEL', KEYS[1], all[i])
    redis.call('SET', ARGV[8] .. e.conn, '1', 'PX', 60000)
    redis.call('PUBLISH', ARGV[6], (string.gsub(ARGV[7], '__ID__', all[i])))
    table.insert(swept, all[i + 1])
  end
end
return {state, swept}
",
    )
});

fn conn_key(cluster: &Cluster, conn: u64) -> String {
    format!("{}:{conn}", cluster.node())
}

async fn publish(cluster: &Cluster, room: &str, message: &BusMessage) {
    let Ok(payload) = serde_json::to_string(message) else {
        return;
    };
    if let Err(e) = cluster.publish(room, payload).await {
        tracing::error!(error = %e, "could not publish a signaling frame to Redis");
    }
}

fn entries(raw: Vec<String>) -> Vec<Entry> {
    raw.iter()
        .filter_map(|r| serde_json::from_str(r).ok())
        .collect()
}

/// `room:join` across instances: the checks of [`super::join_room`] are done; this enters the
/// room's hash (whose script tells the others), then tells this socket `room:joined` followed by
/// what arrived for it meanwhile.
pub(super) async fn join_room(
    state: &AppState,
    session: &mut Session,
    appointment_id: i64,
    room: String,
    peer: Peer,
    takeover: bool,
    now: OffsetDateTime,
) {
    let Some(cluster) = &state.cluster else {
        return;
    };
    let me = conn_key(cluster, session.conn);
    if let Err(e) = cluster.hold_room(&room).await {
        tracing::error!("cannot join {room} through Redis: {e}");
        return send(
            &session.tx,
            ServerFrame::error(
                "unavailable",
                "The call service is restarting; trying again.",
            ),
        );
    }
    // Attached before the script, with frames held: whatever the others publish after it is
    // kept and handed over after room:joined.
    state.hub.attach_held(
        &room,
        appointment_id,
        Member {
            conn: session.conn,
            peer: peer.clone(),
            tx: session.tx.clone(),
            held: Some(Vec::new()),
        },
    );
    let entry = Entry {
        peer: peer.clone(),
        conn: me.clone(),
        seen: wall_ms(),
        joined: now.unix_timestamp(),
        arrived: wall_ms(),
    };
    let payload = |m: BusMessage| serde_json::to_string(&m).unwrap_or_default();
    let others_of_me = |frame| BusMessage {
        except: Some(me.clone()),
        to_identity: None,
        frame: Some(frame),
        close: None,
    };
    let my_old_socket = |frame, close| BusMessage {
        except: Some(me.clone()),
        to_identity: Some(peer.identity.clone()),
        frame,
        close: Some(close),
    };
    let mut redis = cluster.redis();
    let answer: Result<JoinAnswer, _> = JOIN
        .key(room_key(cluster, &room))
        .key(call_key(cluster, &room))
        .arg(&peer.identity)
        .arg(&me)
        .arg(serde_json::to_string(&entry).unwrap_or_default())
        .arg(if takeover { "1" } else { "0" })
        .arg(MAX_PARTICIPANTS)
        .arg(wall_ms())
        .arg(STALE_MS)
        .arg(new_call_id())
        .arg(&peer.session_id)
        .arg(ROOM_TTL_MS)
        .arg(cluster.channel(&room))
        .arg(payload(others_of_me(ServerFrame::PeerJoined {
            peer: peer.clone(),
        })))
        .arg(payload(my_old_socket(None, 1000)))
        .arg(payload(my_old_socket(
            Some(ServerFrame::TakenOver {
                call_id: "__CALL__".into(),
            }),
            CLOSE_TAKEN_OVER,
        )))
        .arg(payload(others_of_me(ServerFrame::PeerLeft {
            identity: peer.identity.clone(),
            reason: LeaveReason::Moved,
        })))
        .arg(swept_notice())
        .arg(cluster.key("gone:"))
        .invoke_async(&mut redis)
        .await;
    let (outcome, call_id, others, replaced, swept) = match answer {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "Redis join script failed");
            state.hub.detach(&room, session.conn);
            cluster.release_room(&room).await;
            return send(
                &session.tx,
                ServerFrame::error(
                    "unavailable",
                    "The call service is restarting; trying again.",
                ),
            );
        }
    };
    for gone in entries(swept) {
        left_elsewhere(state, appointment_id, &call_id, &gone).await;
    }
    match outcome.as_str() {
        "joined" => {}
        refused => {
            state.hub.detach(&room, session.conn);
            cluster.release_room(&room).await;
            return if refused == "busy" {
                send(&session.tx, ServerFrame::Busy { call_id })
            } else {
                send(
                    &session.tx,
                    ServerFrame::error(
                        Refusal::RoomFull.code(),
                        teleconsult_core::i18n::text_in(
                            teleconsult_core::i18n::Lang::En,
                            "call.refusal.room_full",
                        ),
                    ),
                )
            };
        }
    }
    let others = entries(others);
    let peers: Vec<Peer> = others.iter().map(|e| e.peer.clone()).collect();
    state.hub.confirm(
        &room,
        session.conn,
        &call_id,
        ServerFrame::RoomJoined {
            room: room.clone(),
            call_id: call_id.clone(),
            peers: peers.clone(),
        },
        &peers,
    );
    session.room = Some(room.clone());
    // What the others were told went out inside the script; what is left is the call log.
    let same_page = match serde_json::from_str::<Entry>(&replaced) {
        Ok(old) if old.peer.session_id == peer.session_id => true,
        Ok(_) => {
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
            false
        }
        Err(_) => false,
    };
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
    tracing::info!(appointment_id, identity = %peer.identity, "entered the room (cluster)");
}

/// `room:peer-left` `disconnected` for a swept entry, to everyone in the room, with `__ID__` in
/// place of its identity (the scripts fill it in as they sweep).
fn swept_notice() -> String {
    serde_json::to_string(&BusMessage {
        except: None,
        to_identity: None,
        frame: Some(ServerFrame::PeerLeft {
            identity: "__ID__".into(),
            reason: LeaveReason::Disconnected,
        }),
        close: None,
    })
    .unwrap_or_default()
}

/// Writes the departure of `gone`, swept because its instance stopped renewing it (the room was
/// told by the script that swept it).
async fn left_elsewhere(state: &AppState, appointment_id: i64, call_id: &str, gone: &Entry) {
    log_event(
        state,
        None,
        appointment_id,
        &gone.peer.identity,
        CallEventKind::Left,
        Some(LeaveReason::Disconnected),
        call_id,
    )
    .await;
    tracing::info!(identity = %gone.peer.identity, "swept from the room: its instance stopped");
}

/// Leaves `room` across instances (see [`super::leave_room`]).
pub(super) async fn leave_room(
    state: &AppState,
    cluster: &Cluster,
    session: &Session,
    room: &str,
    reason: LeaveReason,
) {
    let Some((appointment_id, call_id)) = state.hub.member_of(room, session.conn) else {
        return;
    };
    state.hub.detach(room, session.conn);
    cluster.release_room(room).await;
    let identity = session.user.identity();
    let me = conn_key(cluster, session.conn);
    let mut redis = cluster.redis();
    let answer: Result<(i64, i64), _> = LEAVE
        .key(room_key(cluster, room))
        .key(call_key(cluster, room))
        .arg(&identity)
        .arg(&me)
        .invoke_async(&mut redis)
        .await;
    let (was_there, empty) = match answer {
        Ok((w, e)) => (w == 1, e == 1),
        Err(e) => {
            // The entry ages out (STALE_MS) and the others' instances sweep it.
            tracing::error!(error = %e, "Redis leave script failed");
            return;
        }
    };
    if !was_there {
        return; // taken over or swept: whoever did that logged it
    }
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
    publish(
        cluster,
        room,
        &BusMessage {
            except: Some(me),
            to_identity: None,
            frame: Some(ServerFrame::PeerLeft {
                identity: identity.clone(),
                reason,
            }),
            close: None,
        },
    )
    .await;
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
    tracing::info!(%identity, %reason, "left the room (cluster)");
}

/// Relays `frame` from this socket to the others of `room` across instances.
pub(super) async fn relay(cluster: &Cluster, room: &str, conn: u64, frame: ServerFrame) {
    publish(
        cluster,
        room,
        &BusMessage {
            except: Some(conn_key(cluster, conn)),
            to_identity: None,
            frame: Some(frame),
            close: None,
        },
    )
    .await;
}

/// Starts the instance's two cluster tasks: delivery of the room channels' messages to local
/// sockets (in arrival order), and the heartbeat that renews local entries every
/// [`HEARTBEAT`] and sweeps entries of instances that stopped.
pub fn spawn(state: AppState, mut incoming: mpsc::UnboundedReceiver<Incoming>) {
    let Some(cluster) = state.cluster.clone() else {
        return;
    };
    let hub = state.hub.clone();
    let node = cluster.node().to_string();
    tokio::spawn(async move {
        while let Some(Incoming { room, payload }) = incoming.recv().await {
            match serde_json::from_str::<BusMessage>(&payload) {
                Ok(message) => hub.deliver(&node, &room, message),
                Err(e) => tracing::warn!(error = %e, "unreadable message on a room channel"),
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HEARTBEAT);
        loop {
            tick.tick().await;
            for (room, peer, conn, appointment_id, call_id) in state.hub.local_members() {
                let me = conn_key(&cluster, conn);
                let entry = Entry {
                    peer: peer.clone(),
                    conn: me.clone(),
                    seen: wall_ms(),
                    joined: state.clock.now().unix_timestamp(),
                    arrived: wall_ms(),
                };
                let mut redis = cluster.redis();
                let answer: Result<(String, Vec<String>), _> = HEARTBEAT_SCRIPT
                    .key(room_key(&cluster, &room))
                    .key(call_key(&cluster, &room))
                    .arg(&peer.identity)
                    .arg(&me)
                    .arg(wall_ms())
                    .arg(STALE_MS)
                    .arg(ROOM_TTL_MS)
                    .arg(cluster.channel(&room))
                    .arg(swept_notice())
                    .arg(cluster.key("gone:"))
                    .arg(serde_json::to_string(&entry).unwrap_or_default())
                    .arg(&call_id)
                    .invoke_async(&mut redis)
                    .await;
                match answer {
                    Ok((outcome, swept)) => {
                        match outcome.as_str() {
                            "swept" => {
                                tracing::warn!(identity = %peer.identity, "this socket was swept by another instance; closing it so that its page rejoins");
                                state.hub.close_local(&room, conn);
                            }
                            "restored" => {
                                tracing::warn!(identity = %peer.identity, "room entry missing in Redis (data lost?); written again");
                            }
                            _ => {}
                        }
                        for gone in entries(swept) {
                            left_elsewhere(&state, appointment_id, &call_id, &gone).await;
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "Redis heartbeat failed"),
                }
            }
        }
    });
}

/// Who is in each of `rooms` (room status), from the rooms' hashes: entries renewed within
/// [`STALE_MS`], in order of arrival.
///
/// # Errors
/// Redis refused or cannot be reached.
pub async fn presence(
    cluster: &Cluster,
    rooms: &[String],
) -> Result<Vec<Vec<RoomParticipant>>, redis::RedisError> {
    let mut pipe = redis::pipe();
    for room in rooms {
        pipe.cmd("HVALS").arg(room_key(cluster, room));
    }
    let mut redis = cluster.redis();
    let lists: Vec<Vec<String>> = pipe.query_async(&mut redis).await?;
    let now = wall_ms();
    Ok(lists
        .into_iter()
        .map(|raw| {
            let mut live: Vec<Entry> = entries(raw)
                .into_iter()
                .filter(|e| now - e.seen <= STALE_MS)
                .collect();
            live.sort_by_key(|e| e.arrived);
            live.into_iter()
                .map(|e| RoomParticipant {
                    identity: e.peer.identity,
                    role: Some(e.peer.role),
                    joined_at: OffsetDateTime::from_unix_timestamp(e.joined)
                        .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                })
                .collect()
        })
        .collect())
}

impl super::Hub {
    /// Puts a local socket into `room` with its frames held (cluster join in progress).
    fn attach_held(&self, room: &str, appointment_id: i64, member: Member) {
        let mut rooms = self.rooms();
        let entry = rooms
            .entry(room.to_string())
            .or_insert_with(|| super::Room {
                appointment_id,
                call_id: String::new(),
                members: vec![],
            });
        entry.members.retain(|m| m.conn != member.conn);
        entry.members.push(member);
    }

    /// The join went through: queues `joined` to socket `conn`, then what was held for it (less
    /// `room:peer-joined` of peers `joined` already lists), and lets frames through from now on.
    fn confirm(&self, room: &str, conn: u64, call_id: &str, joined: ServerFrame, peers: &[Peer]) {
        let mut rooms = self.rooms();
        let Some(entry) = rooms.get_mut(room) else {
            return;
        };
        entry.call_id = call_id.to_string();
        if let Some(m) = entry.members.iter_mut().find(|m| m.conn == conn) {
            send(&m.tx, joined);
            for frame in m.held.take().unwrap_or_default() {
                let known = matches!(&frame, ServerFrame::PeerJoined { peer }
                    if peers.iter().any(|p| p.identity == peer.identity && p.session_id == peer.session_id));
                if !known {
                    send(&m.tx, frame);
                }
            }
        }
    }

    /// Takes local socket `conn` out of `room`.
    fn detach(&self, room: &str, conn: u64) {
        let mut rooms = self.rooms();
        if let Some(entry) = rooms.get_mut(room) {
            entry.members.retain(|m| m.conn != conn);
            if entry.members.is_empty() {
                rooms.remove(room);
            }
        }
    }

    /// Hands a room channel's message to this instance's sockets in `room` (held ones keep it).
    fn deliver(&self, node: &str, room: &str, message: BusMessage) {
        let mut rooms = self.rooms();
        let Some(entry) = rooms.get_mut(room) else {
            return;
        };
        for m in &mut entry.members {
            let key = format!("{node}:{}", m.conn);
            if message.except.as_deref() == Some(key.as_str())
                || message
                    .to_identity
                    .as_deref()
                    .is_some_and(|to| to != m.peer.identity)
            {
                continue;
            }
            if let Some(frame) = &message.frame {
                match &mut m.held {
                    Some(held) => held.push(frame.clone()),
                    None => send(&m.tx, frame.clone()),
                }
            }
            let close = match message.close {
                Some(CLOSE_TAKEN_OVER) => Outgoing::Close(CLOSE_TAKEN_OVER, "taken over"),
                Some(_) => Outgoing::Close(1000, "replaced"),
                None => continue,
            };
            let _ = m.tx.try_send(close);
        }
    }

    /// Closes local socket `conn` of `room` (code 1012, "service restart": its page reconnects and
    /// joins again).
    fn close_local(&self, room: &str, conn: u64) {
        let rooms = self.rooms();
        if let Some(m) = rooms
            .get(room)
            .and_then(|r| r.members.iter().find(|m| m.conn == conn))
        {
            let _ = m.tx.try_send(Outgoing::Close(1012, "rejoin"));
        }
    }

    /// Every local socket in a room: (room, peer, conn, appointment id, call id).
    fn local_members(&self) -> Vec<(String, Peer, u64, i64, String)> {
        let rooms = self.rooms();
        rooms
            .iter()
            .flat_map(|(name, r)| {
                r.members.iter().filter(|m| m.held.is_none()).map(move |m| {
                    (
                        name.clone(),
                        m.peer.clone(),
                        m.conn,
                        r.appointment_id,
                        r.call_id.clone(),
                    )
                })
            })
            .collect()
    }
}
