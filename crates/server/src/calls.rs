//! The call log: who was given access, joined and left, and why calls ended.

use std::net::IpAddr;

use crate::db::Db;
use teleconsult_core::{
    api::{AuditAction, CallEvent, CallEventKind},
    call::LeaveReason,
};
use time::OffsetDateTime;

use crate::{
    audit::{self, Actor},
    error::AppError,
};

fn kind_name(kind: CallEventKind) -> &'static str {
    match kind {
        CallEventKind::JoinGranted => "join_granted",
        CallEventKind::Joined => "joined",
        CallEventKind::Left => "left",
        CallEventKind::Ended => "ended",
    }
}

fn parse_kind(s: &str) -> Option<CallEventKind> {
    Some(match s {
        "join_granted" => CallEventKind::JoinGranted,
        "joined" => CallEventKind::Joined,
        "left" => CallEventKind::Left,
        "ended" => CallEventKind::Ended,
        _ => return None,
    })
}

/// Appends one event to the call log of `appointment_id` and, in the same transaction, to the
/// audit log, as done by the event's participant from `address` (`None` when it is not theirs:
/// an event that LiveKit's webhook reports).
///
/// # Errors
/// The database write fails; then neither log has the event.
pub async fn record(
    db: &Db,
    appointment_id: i64,
    event: &CallEvent,
    address: Option<IpAddr>,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO call_events (appointment_id, call_id, identity, kind, reason, at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(appointment_id)
    .bind(&event.call_id)
    .bind(&event.identity)
    .bind(kind_name(event.kind))
    .bind(event.reason.map(LeaveReason::as_str))
    .bind(event.at.unix_timestamp())
    .execute(&mut *tx)
    .await?;
    let detail = match (event.reason, &event.call_id) {
        (Some(r), Some(c)) => Some(format!("{} (call {c})", r.as_str())),
        (Some(r), None) => Some(r.as_str().to_string()),
        (None, Some(c)) => Some(format!("call {c}")),
        (None, None) => None,
    };
    let actor = Actor {
        identity: event.identity.clone(),
        address,
    };
    audit::insert(
        &mut tx,
        event.at,
        &actor,
        AuditAction::of_call_event(event.kind),
        &[appointment_id],
        detail.as_deref(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `(at, call_id, identity, kind, reason)` as stored.
type EventRow = (i64, Option<String>, String, String, Option<String>);

/// The call log of `appointment_id`, oldest first.
///
/// # Errors
/// The database read fails.
pub async fn list(db: &Db, appointment_id: i64) -> Result<Vec<CallEvent>, AppError> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT at, call_id, identity, kind, reason FROM call_events
         WHERE appointment_id = $1 ORDER BY at, id",
    )
    .bind(appointment_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(at, call_id, identity, kind, reason)| {
            Some(CallEvent {
                at: OffsetDateTime::from_unix_timestamp(at).ok()?,
                identity,
                kind: parse_kind(&kind)?,
                reason: reason.as_deref().map(LeaveReason::parse),
                call_id,
            })
        })
        .collect())
}
