//! What several instances of the server share, through Redis (`TELECONSULT_REDIS_URL`).
//!
//! Without Redis every instance is alone and keeps rooms, presence, waiting rooms and sign-in
//! limits in its own memory. With it, any instance can serve any request and any signaling
//! socket (no sticky sessions):
//! - Signaling rooms (`signal::cluster`): membership in a Redis hash per room, kept by atomic
//!   scripts; frames travel over a pub/sub channel per room to the instances holding its other
//!   participants. Each instance refreshes its participants' entries every [`HEARTBEAT`]; an entry
//!   not refreshed for [`STALE_MS`] belongs to a dead instance and is swept (the others are told
//!   the participant left).
//! - Presence for room status is that same hash; waiting rooms are a hash per appointment
//!   (`admission`); sign-in attempts are counted per minute (`auth::LoginLimiter`).
//!
//! Keys and channels start with `TELECONSULT_REDIS_PREFIX` (`tc:`), so deployments may share one
//! Redis; every key expires by itself when no instance renews it.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use futures_util::StreamExt;
use rand::RngCore;
use redis::aio::{ConnectionManager, PubSubSink};
use tokio::sync::{mpsc, Mutex};

use crate::config::Secret;

/// How often an instance renews what it holds in Redis (its participants' room entries).
pub const HEARTBEAT: Duration = Duration::from_secs(2);

/// An entry not renewed for this long (three heartbeats), in milliseconds, belongs to an instance
/// that stopped: it no longer counts as present and is swept.
pub const STALE_MS: i64 = 6_000;

/// Lifetime of a room's keys without renewal, in milliseconds: what a dead instance leaves
/// behind disappears by itself.
pub const ROOM_TTL_MS: i64 = 30_000;

/// Milliseconds since the Unix epoch, by this machine's clock (liveness across instances; the
/// instances' clocks are assumed to agree within a second, as NTP keeps them).
pub fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A message on a room's channel, as it arrives: the channel's room and its payload.
pub struct Incoming {
    /// The room of the channel (`{prefix}signal:{room}`).
    pub room: String,
    /// The payload (JSON of `signal::cluster::BusMessage`).
    pub payload: String,
}

/// The connection to Redis shared by every part of one instance. Cloning is cheap.
#[derive(Clone)]
pub struct Cluster {
    redis: ConnectionManager,
    prefix: Arc<str>,
    node: Arc<str>,
    subs: Arc<Mutex<Subscriptions>>,
}

struct Subscriptions {
    sink: Option<PubSubSink>,
    /// Room → local participants that need its channel.
    rooms: HashMap<String, usize>,
}

impl Cluster {
    /// Connects to the Redis of `url` and starts the task that reads room channels, handing each
    /// message to `deliver` (in order). The subscription is re-established (with every room
    /// still in use) if the connection drops.
    ///
    /// # Errors
    /// The URL is malformed or Redis does not answer (the message never repeats the URL: it may
    /// hold a password).
    pub async fn connect(
        url: &Secret,
        prefix: &str,
        deliver: mpsc::UnboundedSender<Incoming>,
    ) -> Result<Cluster, String> {
        let client = redis::Client::open(url.expose())
            .map_err(|e| format!("TELECONSULT_REDIS_URL is not a Redis URL: {:?}", e.kind()))?;
        let redis = ConnectionManager::new(client.clone())
            .await
            .map_err(|e| format!("Redis does not answer: {e}"))?;
        let mut node = [0u8; 6];
        rand::rngs::OsRng.fill_bytes(&mut node);
        let node: String = node.iter().map(|b| format!("{b:02x}")).collect();
        let cluster = Cluster {
            redis,
            prefix: prefix.into(),
            node: node.into(),
            subs: Arc::new(Mutex::new(Subscriptions {
                sink: None,
                rooms: HashMap::new(),
            })),
        };
        let first = cluster.open_pubsub(&client).await?;
        let subs = cluster.subs.clone();
        tokio::spawn({
            let cluster = cluster.clone();
            async move {
                let mut stream = first;
                loop {
                    while let Some(msg) = stream.next().await {
                        let room = msg
                            .get_channel_name()
                            .strip_prefix(&cluster.key("signal:"))
                            .unwrap_or_default()
                            .to_string();
                        let Ok(payload) = msg.get_payload::<String>() else {
                            continue;
                        };
                        if deliver.send(Incoming { room, payload }).is_err() {
                            return;
                        }
                    }
                    tracing::error!("Redis pub/sub connection lost; reconnecting");
                    subs.lock().await.sink = None;
                    loop {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        match cluster.open_pubsub(&client).await {
                            Ok(s) => {
                                stream = s;
                                break;
                            }
                            Err(e) => tracing::error!("Redis pub/sub: {e}"),
                        }
                    }
                }
            }
        });
        Ok(cluster)
    }

    /// A new pub/sub connection subscribed to every room in use.
    async fn open_pubsub(
        &self,
        client: &redis::Client,
    ) -> Result<redis::aio::PubSubStream, String> {
        let pubsub = client
            .get_async_pubsub()
            .await
            .map_err(|e| format!("Redis pub/sub does not answer: {e}"))?;
        let (mut sink, stream) = pubsub.split();
        let mut subs = self.subs.lock().await;
        let channels: Vec<String> = subs.rooms.keys().map(|r| self.channel(r)).collect();
        if !channels.is_empty() {
            sink.subscribe(&channels)
                .await
                .map_err(|e| format!("Redis subscribe: {e}"))?;
        }
        subs.sink = Some(sink);
        Ok(stream)
    }

    /// `rest` under this deployment's prefix (`TELECONSULT_REDIS_PREFIX`).
    pub fn key(&self, rest: &str) -> String {
        format!("{}{rest}", self.prefix)
    }

    /// The pub/sub channel of `room`.
    pub fn channel(&self, room: &str) -> String {
        self.key(&format!("signal:{room}"))
    }

    /// This instance's id in the cluster (random per process).
    pub fn node(&self) -> &str {
        &self.node
    }

    /// A connection for commands (multiplexed; reconnects by itself).
    pub fn redis(&self) -> ConnectionManager {
        self.redis.clone()
    }

    /// Subscribes to `room`'s channel if no local participant needed it yet; returns once Redis
    /// has confirmed, so nothing published afterwards is missed.
    ///
    /// # Errors
    /// Redis refused or the pub/sub connection is down.
    pub async fn hold_room(&self, room: &str) -> Result<(), String> {
        let mut subs = self.subs.lock().await;
        let count = subs.rooms.get(room).copied().unwrap_or(0);
        if count == 0 {
            let sink = subs
                .sink
                .as_mut()
                .ok_or("the Redis pub/sub connection is down")?;
            sink.subscribe(self.channel(room))
                .await
                .map_err(|e| format!("Redis subscribe: {e}"))?;
        }
        subs.rooms.insert(room.to_string(), count + 1);
        Ok(())
    }

    /// Undoes one [`Cluster::hold_room`]; unsubscribes when no local participant needs `room`.
    pub async fn release_room(&self, room: &str) {
        let mut subs = self.subs.lock().await;
        let count = subs.rooms.get(room).copied().unwrap_or(0);
        if count <= 1 {
            subs.rooms.remove(room);
            if let Some(sink) = subs.sink.as_mut() {
                if let Err(e) = sink.unsubscribe(self.channel(room)).await {
                    tracing::warn!("Redis unsubscribe: {e}");
                }
            }
        } else {
            subs.rooms.insert(room.to_string(), count - 1);
        }
    }

    /// Publishes `payload` on `room`'s channel.
    ///
    /// # Errors
    /// Redis refused or cannot be reached.
    pub async fn publish(&self, room: &str, payload: String) -> Result<(), redis::RedisError> {
        let mut redis = self.redis();
        redis::cmd("PUBLISH")
            .arg(self.channel(room))
            .arg(payload)
            .query_async::<i64>(&mut redis)
            .await
            .map(|_| ())
    }
}

/// Records one event under `key` (relative to the prefix) and returns how many were recorded in
/// the last `window_ms` milliseconds, this one included: a sliding window (a sorted set of event
/// times, trimmed on every call, expiring after one window without events).
///
/// # Errors
/// Redis refused or cannot be reached.
pub async fn count_recent(
    cluster: &Cluster,
    key: &str,
    window_ms: i64,
) -> Result<i64, redis::RedisError> {
    let key = cluster.key(key);
    let now = wall_ms();
    let mut unique = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut unique);
    let member = format!("{now}-{}", u64::from_le_bytes(unique));
    let mut redis = cluster.redis();
    let (count,): (i64,) = redis::pipe()
        .atomic()
        .cmd("ZREMRANGEBYSCORE")
        .arg(&key)
        .arg("-inf")
        .arg(now - window_ms)
        .ignore()
        .cmd("ZADD")
        .arg(&key)
        .arg(now)
        .arg(member)
        .ignore()
        .cmd("ZCARD")
        .arg(&key)
        .cmd("PEXPIRE")
        .arg(&key)
        .arg(window_ms)
        .ignore()
        .query_async(&mut redis)
        .await?;
    Ok(count)
}
