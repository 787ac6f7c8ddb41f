//! Benchmark client for `bench/signaling_relay.sh`: many signaling sockets in many rooms on one
//! running reference server, relay latency and the server's memory per socket.
//!
//! The script starts the release server on an empty data folder and passes its address, folder
//! and process id. This client then
//! 1. writes the fixture into that folder's database: `rooms` doctors, `rooms` patients and one
//!    confirmed appointment per pair starting now (so every join window is open), its patient
//!    already admitted from the waiting room, and signs one
//!    access token per person with the folder's `jwt-secret` (no sign-in: the limiter would
//!    rightly refuse 1,000 sign-ins from one address);
//! 2. reads the server's resident memory (`VmRSS` of `/proc/<pid>/status`), opens one socket per
//!    person (`auth`, `room:join`), waits until every doctor has seen their patient join, reads
//!    the memory again: (after − before) / sockets is the memory per socket;
//! 3. for `--seconds`, each socket sends a frame every `--period-ms` (staggered): doctors
//!    `call:offer`, patients `call:answer`, every tenth frame, both `call:ice` otherwise — the
//!    sizes of a real negotiation (an offer of about 4 KB, a candidate of about 200 B). The send
//!    instant travels inside the frame (the SDP's `o=` session id, the candidate's foundation)
//!    and the other participant's socket records the delay when the relayed frame arrives.
//!
//! It prints figures and asserts nothing. The client runs on one thread so the server keeps the
//! other core; the latencies therefore include the client's own scheduling delay.
use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use clap::Parser;
use futures::{stream, SinkExt, StreamExt};
use teleconsult_core::{
    api::User,
    signaling::{ClientFrame, IceCandidate, ServerFrame},
    Role,
};
use teleconsult_server::{auth::TokenKeys, db};
use tokio_tungstenite::{connect_async, tungstenite::Message};

#[derive(Parser)]
struct Args {
    /// The running server, host:port (the doctors' sockets; everyone's without `--patients-addr`).
    #[arg(long)]
    addr: String,
    /// Another instance of the same deployment (one database, one Redis) for the patients'
    /// sockets: every relayed frame then crosses instances.
    #[arg(long)]
    patients_addr: Option<String>,
    /// The server's data folder (its database and `jwt-secret`).
    #[arg(long)]
    data_dir: PathBuf,
    /// The server's database when it is not the SQLite file of the data folder.
    #[arg(long)]
    database_url: Option<teleconsult_server::config::Secret>,
    /// The servers' token secret when it is not the data folder's `jwt-secret`.
    #[arg(long)]
    jwt_secret: Option<String>,
    /// The servers' process ids (repeat the flag for several instances), for their memory and
    /// CPU time, summed.
    #[arg(long, required = true)]
    server_pid: Vec<u32>,
    /// Rooms; two sockets each.
    #[arg(long, default_value_t = 500)]
    rooms: usize,
    /// How long frames are relayed, in seconds.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Each socket sends one frame per this many milliseconds.
    #[arg(long, default_value_t = 500)]
    period_ms: u64,
}

/// What the receiving sockets record: one delay per relayed frame, in microseconds.
#[derive(Default)]
struct Samples {
    ice_us: Vec<u64>,
    sdp_us: Vec<u64>,
}

/// One participant: identity, appointment, token.
struct Person {
    appointment_id: i64,
    role: Role,
    token: String,
}

const OFFER_BYTES: usize = 4_000;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let people = fixture(&args).await?;
    let sockets = people.len();
    let pids = args.server_pid.clone();
    let rss_before = rss_kib(&pids)?;

    let origin = Instant::now();
    let samples = Arc::new(Mutex::new(Samples::default()));
    let url = format!("ws://{}/api/signal", args.addr);
    let patients_url = format!(
        "ws://{}/api/signal",
        args.patients_addr.as_deref().unwrap_or(&args.addr)
    );
    let t0 = Instant::now();
    let joined: Vec<_> = stream::iter(people)
        .map(|p| {
            let url = if p.role == Role::Patient {
                patients_url.clone()
            } else {
                url.clone()
            };
            join(url, p)
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let mut links = Vec::with_capacity(sockets);
    for j in joined {
        links.push(j?);
    }
    // Wait until each doctor has seen their patient: then every room has its two participants.
    let mut connected = Vec::with_capacity(sockets);
    for link in links {
        connected.push(link.await_peer().await?);
    }
    let join_secs = t0.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_joined = rss_kib(&pids)?;
    let cpu_before = cpu_secs(&pids)?;

    let period = Duration::from_millis(args.period_ms);
    let run_for = Duration::from_secs(args.seconds);
    let n = connected.len();
    let mut tasks = Vec::with_capacity(n);
    let sent = Arc::new(Mutex::new(0u64));
    for (i, link) in connected.into_iter().enumerate() {
        let offset = period.mul_f64(i as f64 / n as f64);
        tasks.push(tokio::spawn(link.run(
            origin,
            offset,
            period,
            run_for,
            samples.clone(),
            sent.clone(),
        )));
    }
    let relay_start = Instant::now();
    // The server's peak resident memory while relaying, sampled every 500 ms.
    let peak_pids = pids.clone();
    let peak = tokio::spawn(async move {
        let pid = peak_pids;
        let mut peak = 0;
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tick.tick().await;
            match rss_kib(&pid) {
                Ok(kib) => peak = peak.max(kib),
                Err(_) => return peak,
            }
            if relay_start.elapsed() >= run_for {
                return peak;
            }
        }
    });
    for t in tasks {
        t.await??;
    }
    let relay_secs = relay_start.elapsed().as_secs_f64();
    let cpu_used = cpu_secs(&pids)? - cpu_before;
    let rss_peak = peak.await?;

    let sent = *sent.lock().unwrap();
    let mut s = std::mem::take(&mut *samples.lock().unwrap());
    let received = (s.ice_us.len() + s.sdp_us.len()) as u64;
    let per_socket = (rss_joined as f64 - rss_before as f64) / sockets as f64;
    println!(
        "sockets: {sockets} in {} rooms on {} instance(s), all authenticated and joined in {join_secs:.1} s",
        args.rooms,
        if args.patients_addr.is_some() { 2 } else { 1 }
    );
    println!(
        "server memory (VmRSS): {:.1} MiB before, {:.1} MiB with {sockets} sockets joined, \
         {:.1} MiB at most while relaying → {per_socket:.1} KiB per socket joined, \
         {:.1} KiB relaying",
        rss_before as f64 / 1024.0,
        rss_joined as f64 / 1024.0,
        rss_peak as f64 / 1024.0,
        (rss_peak as f64 - rss_before as f64) / sockets as f64,
    );
    println!(
        "relay: {sent} frames sent in {relay_secs:.1} s ({:.0} frames/s), {received} received, {} lost",
        sent as f64 / relay_secs,
        sent.saturating_sub(received)
    );
    let (ice50, ice99, icemax) = percentiles(&mut s.ice_us);
    let (sdp50, sdp99, sdpmax) = percentiles(&mut s.sdp_us);
    println!(
        "  call:ice (~200 B), {} frames: p50 {ice50:.2} ms, p99 {ice99:.2} ms, max {icemax:.2} ms",
        s.ice_us.len()
    );
    println!(
        "  call:offer/answer (~{} KB), {} frames: p50 {sdp50:.2} ms, p99 {sdp99:.2} ms, max {sdpmax:.2} ms",
        OFFER_BYTES / 1000,
        s.sdp_us.len()
    );
    println!(
        "server CPU: {cpu_used:.1} s in {relay_secs:.1} s ({:.0} % of one core), {:.0} µs per relayed frame",
        100.0 * cpu_used / relay_secs,
        1e6 * cpu_used / received.max(1) as f64
    );
    println!(
        "bench-result signaling_relay sockets={sockets} kib_per_socket={per_socket:.1} \
         kib_per_socket_relaying={:.1} ice_p50_ms={ice50:.2} ice_p99_ms={ice99:.2} sdp_p50_ms={sdp50:.2} sdp_p99_ms={sdp99:.2} \
         frames_per_s={:.0} lost={}",
        (rss_peak as f64 - rss_before as f64) / sockets as f64,
        sent as f64 / relay_secs,
        sent.saturating_sub(received)
    );
    Ok(())
}

/// Writes `rooms` doctor/patient pairs with one confirmed appointment each, starting now, and
/// signs their tokens.
async fn fixture(args: &Args) -> Result<Vec<Person>, Box<dyn std::error::Error>> {
    let pool = db::open(&args.data_dir, args.database_url.as_ref()).await?;
    let secret = match &args.jwt_secret {
        Some(s) => s.clone(),
        None => std::fs::read_to_string(args.data_dir.join("jwt-secret"))?,
    };
    let keys = TokenKeys::from_secret(secret.trim().as_bytes());
    let now = time::OffsetDateTime::now_utc();
    let ts = now.unix_timestamp();
    let mut people = Vec::with_capacity(args.rooms * 2);
    let mut tx = pool.begin().await?;
    for room in 0..args.rooms {
        let mut ids = [0i64; 2];
        for (k, role) in [Role::Doctor, Role::Patient].into_iter().enumerate() {
            let name = format!("{} {room}", role.as_str());
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO users (email, name, role, password_hash, created_at) \
                 VALUES ($1, $2, $3, 'no sign-in: bench token only', $4) RETURNING id",
            )
            .bind(format!("bench-{}-{room}@example.com", role.as_str()))
            .bind(&name)
            .bind(role.as_str())
            .bind(ts)
            .fetch_one(&mut *tx)
            .await?;
            ids[k] = id;
            let (token, _) = keys.issue(&User { id, name, role }, now, time::Duration::hours(1))?;
            people.push((id, role, token));
        }
        let (appointment_id,): (i64,) = sqlx::query_as(
            "INSERT INTO appointments (patient_id, doctor_id, scheduled_at, duration_minutes, \
             status, created_at, updated_at, admitted_at) \
             VALUES ($1, $2, $3, 30, 'confirmed', $3, $3, $3) RETURNING id",
        )
        .bind(ids[1])
        .bind(ids[0])
        .bind(ts)
        .fetch_one(&mut *tx)
        .await?;
        let n = people.len();
        for p in &mut people[n - 2..] {
            p.0 = appointment_id;
        }
    }
    tx.commit().await?;
    pool.close().await;
    Ok(people
        .into_iter()
        .map(|(appointment_id, role, token)| Person {
            appointment_id,
            role,
            token,
        })
        .collect())
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A socket that has authenticated and joined its room.
struct Link {
    ws: Ws,
    role: Role,
    call_id: String,
    has_peer: bool,
}

/// Connects, authenticates and joins `person`'s room.
async fn join(url: String, person: Person) -> Result<Link, String> {
    let (mut ws, _) = connect_async(url.as_str())
        .await
        .map_err(|e| format!("connect: {e}"))?;
    send(
        &mut ws,
        &ClientFrame::Auth {
            token: person.token,
        },
    )
    .await?;
    expect(&mut ws, |f| matches!(f, ServerFrame::AuthOk { .. }))
        .await
        .map_err(|e| {
            format!(
                "auth of appointment {}'s {:?}: {e}",
                person.appointment_id, person.role
            )
        })?;
    send(
        &mut ws,
        &ClientFrame::RoomJoin {
            appointment_id: person.appointment_id,
            session_id: format!("bench-{}", person.appointment_id),
            takeover: false,
        },
    )
    .await?;
    let frame = expect(&mut ws, |f| matches!(f, ServerFrame::RoomJoined { .. }))
        .await
        .map_err(|e| {
            format!(
                "room:join of appointment {}'s {:?}: {e}",
                person.appointment_id, person.role
            )
        })?;
    let ServerFrame::RoomJoined { call_id, peers, .. } = frame else {
        unreachable!("expect returned the matching frame");
    };
    Ok(Link {
        ws,
        role: person.role,
        call_id,
        has_peer: !peers.is_empty(),
    })
}

impl Link {
    /// Waits for `room:peer-joined` if the other participant was not there at `room:joined`.
    async fn await_peer(mut self) -> Result<Link, String> {
        if !self.has_peer {
            expect(&mut self.ws, |f| {
                matches!(f, ServerFrame::PeerJoined { .. })
            })
            .await
            .map_err(|e| format!("waiting for the other participant ({:?}): {e}", self.role))?;
            self.has_peer = true;
        }
        Ok(self)
    }

    /// Sends a frame every `period` (first after `offset`) until `run_for` has passed, while
    /// recording the delay of every relayed frame received; then reads for one more second.
    async fn run(
        self,
        origin: Instant,
        offset: Duration,
        period: Duration,
        run_for: Duration,
        samples: Arc<Mutex<Samples>>,
        sent: Arc<Mutex<u64>>,
    ) -> Result<(), String> {
        let (mut tx, mut rx) = self.ws.split();
        let reader = tokio::spawn(async move {
            while let Some(Ok(msg)) = rx.next().await {
                let Message::Text(text) = msg else { continue };
                let now = origin.elapsed().as_micros() as u64;
                match serde_json::from_str::<ServerFrame>(&text) {
                    Ok(ServerFrame::Ice { candidate, .. }) => {
                        if let Some(t) = stamp(&candidate.candidate, "candidate:") {
                            samples.lock().unwrap().ice_us.push(now.saturating_sub(t));
                        }
                    }
                    Ok(ServerFrame::Offer { sdp, .. } | ServerFrame::Answer { sdp, .. }) => {
                        if let Some(t) = stamp(&sdp, "o=- ") {
                            samples.lock().unwrap().sdp_us.push(now.saturating_sub(t));
                        }
                    }
                    Ok(ServerFrame::Error { code, message }) => {
                        eprintln!("server error frame: {code}: {message}");
                    }
                    _ => {}
                }
            }
        });
        let padding = "a=x-bench:".to_string() + &"0".repeat(60) + "\r\n";
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
        let end = Instant::now() + offset + run_for;
        let mut k = 0u64;
        while Instant::now() < end {
            ticker.tick().await;
            let t = origin.elapsed().as_micros() as u64;
            let frame = if k.is_multiple_of(10) {
                let mut sdp = format!("v=0\r\no=- {t} 2 IN IP4 127.0.0.1\r\ns=-\r\n");
                while sdp.len() < OFFER_BYTES {
                    sdp.push_str(&padding);
                }
                match self.role {
                    Role::Doctor => ClientFrame::Offer {
                        call_id: self.call_id.clone(),
                        sdp,
                    },
                    Role::Patient => ClientFrame::Answer {
                        call_id: self.call_id.clone(),
                        sdp,
                    },
                }
            } else {
                ClientFrame::Ice {
                    call_id: self.call_id.clone(),
                    candidate: IceCandidate {
                        candidate: format!(
                            "candidate:{t} 1 udp 2122260223 192.0.2.10 50414 typ host \
                             generation 0 ufrag 3f9a network-id 1 network-cost 10"
                        ),
                        sdp_mid: Some("0".into()),
                        sdp_m_line_index: Some(0),
                    },
                }
            };
            let text = serde_json::to_string(&frame).map_err(|e| e.to_string())?;
            tx.send(Message::text(text))
                .await
                .map_err(|e| format!("send: {e}"))?;
            *sent.lock().unwrap() += 1;
            k += 1;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let _ = tx.close().await;
        reader.abort();
        Ok(())
    }
}

/// The microsecond stamp after `prefix` (up to the next space).
fn stamp(text: &str, prefix: &str) -> Option<u64> {
    let start = text.find(prefix)? + prefix.len();
    text[start..].split(' ').next()?.parse().ok()
}

async fn send(ws: &mut Ws, frame: &ClientFrame) -> Result<(), String> {
    let text = serde_json::to_string(frame).map_err(|e| e.to_string())?;
    ws.send(Message::text(text))
        .await
        .map_err(|e| format!("send: {e}"))
}

/// Reads frames until one matches `want` (10 s at most); an `error` frame is a failure.
async fn expect(ws: &mut Ws, want: impl Fn(&ServerFrame) -> bool) -> Result<ServerFrame, String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .map_err(|_| "no answer within 10 s".to_string())?
            .ok_or("socket closed")?
            .map_err(|e| format!("read: {e}"))?;
        let Message::Text(text) = msg else { continue };
        let frame: ServerFrame =
            serde_json::from_str(&text).map_err(|e| format!("unreadable frame {text}: {e}"))?;
        if let ServerFrame::Error { code, message } = &frame {
            return Err(format!("{code}: {message}"));
        }
        if want(&frame) {
            return Ok(frame);
        }
    }
}

/// p50, p99 and max of `us` (microseconds), in milliseconds.
fn percentiles(us: &mut [u64]) -> (f64, f64, f64) {
    if us.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    us.sort_unstable();
    let at = |q: f64| us[((us.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0;
    (at(0.50), at(0.99), at(1.0))
}

/// Resident memory of `pid` in KiB.
fn rss_kib(pids: &[u32]) -> Result<u64, String> {
    pids.iter().map(|pid| rss_kib_of(*pid)).sum()
}

fn rss_kib_of(pid: u32) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("server process {pid}: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS".into())
}

/// User + system CPU time of `pid` in seconds (`/proc/<pid>/stat` fields 14 and 15, in USER_HZ
/// = 100 ticks per second on Linux).
fn cpu_secs(pids: &[u32]) -> Result<f64, String> {
    pids.iter().map(|pid| cpu_secs_of(*pid)).sum()
}

fn cpu_secs_of(pid: u32) -> Result<f64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("server process {pid}: {e}"))?;
    // The command name (field 2) may hold spaces; fields are counted after its ')'.
    let rest = &stat[stat.rfind(')').ok_or("unreadable stat")? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = f[11].parse::<u64>().map_err(|e| e.to_string())?
        + f[12].parse::<u64>().map_err(|e| e.to_string())?;
    Ok(ticks as f64 / 100.0)
}
