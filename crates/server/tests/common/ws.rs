//! A signaling client over a real WebSocket, for the hub's tests.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::{tungstenite::Message, MaybeTlsStream, WebSocketStream};

pub struct Client(pub WebSocketStream<MaybeTlsStream<TcpStream>>);

impl Client {
    pub async fn connect(url: &str) -> Client {
        Client(tokio_tungstenite::connect_async(url).await.unwrap().0)
    }

    /// Connected to `url` and signed in with `token`.
    pub async fn signed_in(url: &str, token: &str) -> Client {
        let mut c = Client::connect(url).await;
        c.send(json!({"type": "auth", "token": token})).await;
        let ok = c.recv().await;
        assert_eq!(ok["type"], "auth:ok", "{ok}");
        c
    }

    pub async fn send(&mut self, v: Value) {
        self.0.send(Message::text(v.to_string())).await.unwrap();
    }

    pub async fn send_raw(&mut self, text: String) {
        self.0.send(Message::text(text)).await.unwrap();
    }

    /// The next JSON frame, within 2 s.
    pub async fn recv(&mut self) -> Value {
        self.recv_within(Duration::from_secs(2))
            .await
            .expect("a frame within 2 s")
    }

    /// The next JSON frame within `within` (`{"type": "__closed"}` for a close); `None` if
    /// nothing came.
    pub async fn recv_within(&mut self, within: Duration) -> Option<Value> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = tokio::time::timeout(left, self.0.next())
                .await
                .ok()?
                .expect("socket open")
                .expect("no socket error");
            match msg {
                Message::Text(t) => return Some(serde_json::from_str(t.as_str()).unwrap()),
                Message::Close(_) => return Some(json!({"type": "__closed"})),
                _ => continue,
            }
        }
    }

    /// Whether the server closes the socket within `within`.
    pub async fn closed_within(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            match tokio::time::timeout(deadline - Instant::now(), self.0.next()).await {
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
                Err(_) => return false,
            }
        }
        false
    }

    pub async fn join(&mut self, appointment_id: i64, session: &str) -> Value {
        self.send(
            json!({"type": "room:join", "appointmentId": appointment_id, "sessionId": session}),
        )
        .await;
        self.recv().await
    }
}
