//! In-call chat: a link, a spelling or a dosage exchanged in writing during the consultation.
//!
//! Messages travel over the call's own data path — an `RTCDataChannel` in a P2P call, LiveKit's
//! reliable data messages through the SFU — and are never sent to or stored by the clinic's
//! server. The receiver acknowledges each message ([`ChatFrame::Delivered`]), so the sender sees
//! it delivered. [`ChatLog`] is the conversation as one person sees it: their messages with their
//! delivery, the other party's, and the unread count while the panel is closed.

use serde::{Deserialize, Serialize};

/// Longest message, in characters (a prescription line or a link fits many times over).
pub const MAX_CHAT_CHARS: usize = 2_000;

/// Largest chat frame accepted from the data path, in bytes: a message of
/// [`MAX_CHAT_CHARS`] characters of up to 4 UTF-8 bytes each, JSON-escaped, and its envelope.
/// Larger frames are dropped unread.
pub const MAX_CHAT_FRAME_BYTES: usize = 16 * 1024;

/// Longest message id, in characters (ids are made by the sender: 16 hex digits here).
pub const MAX_CHAT_ID_CHARS: usize = 64;

/// The P2P data channel's label, and the LiveKit data topic, of the chat.
pub const CHAT_CHANNEL: &str = "teleconsult.chat";

/// One frame of the chat protocol, as JSON text: `{"type":"message","id":"…","text":"…"}` or
/// `{"type":"delivered","id":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatFrame {
    /// A message.
    Message {
        /// The sender's id for it, unique within the call.
        id: String,
        /// Its text, 1 to [`MAX_CHAT_CHARS`] characters.
        text: String,
    },
    /// The receiver got the message `id`.
    Delivered {
        /// Which message.
        id: String,
    },
}

/// Why a chat frame or a message to send was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// Over [`MAX_CHAT_FRAME_BYTES`].
    #[error("the chat frame is over {MAX_CHAT_FRAME_BYTES} bytes")]
    TooLarge,
    /// Not a chat frame.
    #[error("not a chat frame: {0}")]
    Malformed(String),
    /// Nothing but spaces.
    #[error("the message is empty")]
    Empty,
    /// Over [`MAX_CHAT_CHARS`].
    #[error("the message is over {MAX_CHAT_CHARS} characters")]
    TooLong,
}

impl ChatFrame {
    /// Reads a frame received from the other party.
    ///
    /// # Errors
    /// [`ChatError::TooLarge`], [`ChatError::Malformed`] (not JSON, an unknown type, an id
    /// empty or over [`MAX_CHAT_ID_CHARS`]), [`ChatError::Empty`] or [`ChatError::TooLong`] for
    /// the message's text.
    pub fn parse(text: &str) -> Result<ChatFrame, ChatError> {
        if text.len() > MAX_CHAT_FRAME_BYTES {
            return Err(ChatError::TooLarge);
        }
        let frame: ChatFrame =
            serde_json::from_str(text).map_err(|e| ChatError::Malformed(e.to_string()))?;
        let id = match &frame {
            ChatFrame::Message { id, text } => {
                check_text(text)?;
                id
            }
            ChatFrame::Delivered { id } => id,
        };
        if id.is_empty() || id.chars().count() > MAX_CHAT_ID_CHARS {
            return Err(ChatError::Malformed("a bad message id".into()));
        }
        Ok(frame)
    }

    /// The frame as JSON text.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn check_text(text: &str) -> Result<(), ChatError> {
    if text.trim().is_empty() {
        return Err(ChatError::Empty);
    }
    if text.chars().count() > MAX_CHAT_CHARS {
        return Err(ChatError::TooLong);
    }
    Ok(())
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// This person.
    Me,
    /// The other party.
    Them,
}

/// How far one of this person's messages got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Waiting for the data path to open (sent as soon as it does).
    Sending,
    /// Handed to the data path.
    Sent,
    /// The other party's app acknowledged it.
    Delivered,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatEntry {
    /// Its id (the sender's).
    pub id: String,
    /// Who wrote it.
    pub author: Author,
    /// The text.
    pub text: String,
    /// When it was written or received, in ms since the Unix epoch (device clock).
    pub at_ms: i64,
    /// For this person's messages, how far it got; the other party's are `Delivered`.
    pub delivery: Delivery,
}

/// The conversation as this person sees it. See the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChatLog {
    entries: Vec<ChatEntry>,
    unread: u32,
    open: bool,
}

impl ChatLog {
    /// The messages, in the order written or received.
    pub fn entries(&self) -> &[ChatEntry] {
        &self.entries
    }

    /// Messages from the other party that arrived while the panel was closed.
    pub fn unread(&self) -> u32 {
        self.unread
    }

    /// Whether the panel is open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Opens or closes the panel; opening reads everything.
    pub fn set_open(&mut self, open: bool) {
        self.open = open;
        if open {
            self.unread = 0;
        }
    }

    /// Adds this person's message `text` (trimmed) as `id`, to be sent: returns its frame.
    ///
    /// # Errors
    /// [`ChatError::Empty`] or [`ChatError::TooLong`]; nothing is added then.
    pub fn compose(&mut self, id: String, text: &str, at_ms: i64) -> Result<ChatFrame, ChatError> {
        let text = text.trim();
        check_text(text)?;
        self.entries.push(ChatEntry {
            id: id.clone(),
            author: Author::Me,
            text: text.to_string(),
            at_ms,
            delivery: Delivery::Sending,
        });
        Ok(ChatFrame::Message {
            id,
            text: text.to_string(),
        })
    }

    /// This person's messages still waiting for the data path, oldest first.
    pub fn outbox(&self) -> Vec<ChatFrame> {
        self.entries
            .iter()
            .filter(|e| e.author == Author::Me && e.delivery == Delivery::Sending)
            .map(|e| ChatFrame::Message {
                id: e.id.clone(),
                text: e.text.clone(),
            })
            .collect()
    }

    /// Message `id` was handed to the data path.
    pub fn mark_sent(&mut self, id: &str) {
        self.set_delivery(id, Delivery::Sent, &[Delivery::Sending]);
    }

    fn set_delivery(&mut self, id: &str, to: Delivery, from: &[Delivery]) {
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.author == Author::Me && e.id == id && from.contains(&e.delivery))
        {
            e.delivery = to;
        }
    }

    /// A frame from the other party, received at `at_ms`. A message is added (once: a resent
    /// one is not repeated) and counted unread while the panel is closed; the answer is the
    /// acknowledgement to send back. A delivery receipt marks this person's message delivered.
    pub fn receive(&mut self, frame: ChatFrame, at_ms: i64) -> Option<ChatFrame> {
        match frame {
            ChatFrame::Message { id, text } => {
                let known = self
                    .entries
                    .iter()
                    .any(|e| e.author == Author::Them && e.id == id);
                if !known {
                    self.entries.push(ChatEntry {
                        id: id.clone(),
                        author: Author::Them,
                        text,
                        at_ms,
                        delivery: Delivery::Delivered,
                    });
                    if !self.open {
                        self.unread += 1;
                    }
                }
                Some(ChatFrame::Delivered { id })
            }
            ChatFrame::Delivered { id } => {
                self.set_delivery(
                    &id,
                    Delivery::Delivered,
                    &[Delivery::Sending, Delivery::Sent],
                );
                None
            }
        }
    }

    /// The conversation as plain text for "copy conversation": one line per message,
    /// `[{time}] {name}: {text}`, with `time` formatting a message's `at_ms`.
    pub fn transcript(&self, me: &str, them: &str, time: impl Fn(i64) -> String) -> String {
        self.entries
            .iter()
            .map(|e| {
                let who = match e.author {
                    Author::Me => me,
                    Author::Them => them,
                };
                format!("[{}] {who}: {}\n", time(e.at_ms), e.text)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, text: &str) -> ChatFrame {
        ChatFrame::Message {
            id: id.into(),
            text: text.into(),
        }
    }

    #[test]
    fn frames_round_trip_and_bad_ones_are_refused() {
        let m = message("a1", "Take 5 mg — twice a day");
        assert_eq!(ChatFrame::parse(&m.encode()), Ok(m));
        assert_eq!(
            ChatFrame::parse(r#"{"type":"delivered","id":"a1"}"#),
            Ok(ChatFrame::Delivered { id: "a1".into() })
        );
        assert!(matches!(
            ChatFrame::parse("{not json"),
            Err(ChatError::Malformed(_))
        ));
        assert!(matches!(
            ChatFrame::parse(r#"{"type":"shout","id":"a"}"#),
            Err(ChatError::Malformed(_))
        ));
        assert!(matches!(
            ChatFrame::parse(r#"{"type":"delivered","id":""}"#),
            Err(ChatError::Malformed(_))
        ));
        assert_eq!(
            ChatFrame::parse(&message("a", "   ").encode()),
            Err(ChatError::Empty)
        );
        let long = "é".repeat(MAX_CHAT_CHARS + 1);
        assert_eq!(
            ChatFrame::parse(&message("a", &long).encode()),
            Err(ChatError::TooLong)
        );
        let ok = "€".repeat(MAX_CHAT_CHARS);
        assert!(ChatFrame::parse(&message("a", &ok).encode()).is_ok());
        assert_eq!(
            ChatFrame::parse(&"x".repeat(MAX_CHAT_FRAME_BYTES + 1)),
            Err(ChatError::TooLarge)
        );
    }

    #[test]
    fn a_message_goes_sending_sent_delivered() {
        let mut log = ChatLog::default();
        assert_eq!(log.compose("m1".into(), "  ", 0), Err(ChatError::Empty));
        let frame = log.compose("m1".into(), " Amoxicillin ", 10).unwrap();
        assert_eq!(frame, message("m1", "Amoxicillin"));
        assert_eq!(log.outbox(), vec![frame]);
        log.mark_sent("m1");
        assert!(log.outbox().is_empty());
        assert_eq!(log.entries()[0].delivery, Delivery::Sent);
        // A receipt for someone else's id changes nothing.
        log.receive(ChatFrame::Delivered { id: "zz".into() }, 11);
        assert_eq!(log.entries()[0].delivery, Delivery::Sent);
        assert_eq!(
            log.receive(ChatFrame::Delivered { id: "m1".into() }, 12),
            None
        );
        assert_eq!(log.entries()[0].delivery, Delivery::Delivered);
    }

    #[test]
    fn received_messages_are_acknowledged_counted_unread_and_never_repeated() {
        let mut log = ChatLog::default();
        let ack = log.receive(message("t1", "Is it 500 mg?"), 20);
        assert_eq!(ack, Some(ChatFrame::Delivered { id: "t1".into() }));
        // Resent after a reconnection: acknowledged again, shown once.
        assert!(log.receive(message("t1", "Is it 500 mg?"), 21).is_some());
        assert_eq!(log.entries().len(), 1);
        assert_eq!(log.unread(), 1);
        log.set_open(true);
        assert_eq!(log.unread(), 0);
        log.receive(message("t2", "Thanks"), 22);
        assert_eq!(log.unread(), 0, "read while the panel is open");
        log.set_open(false);
        log.receive(message("t3", "Bye"), 23);
        assert_eq!(log.unread(), 1);
    }

    #[test]
    fn the_transcript_names_both_parties_in_order() {
        let mut log = ChatLog::default();
        log.compose("m1".into(), "Hello", 1).unwrap();
        log.receive(message("t1", "Hi doctor"), 2);
        let text = log.transcript("Dr. Amina Rahman", "Adib Hossain", |ms| format!("t{ms}"));
        assert_eq!(
            text,
            "[t1] Dr. Amina Rahman: Hello\n[t2] Adib Hossain: Hi doctor\n"
        );
    }
}
