//! The demo clinic, seeded by `--demo`: one doctor, two patients, and appointments placed around
//! *now* so that every state shows at once.
//!
//! Idempotent: accounts are created once; the demo appointments (marked by `demo_key`) are put
//! back in their demo state and time on every start, so the demo is fresh on any day. Other
//! appointments are never touched.

use crate::db::Db;
use time::{Duration, OffsetDateTime};

use crate::{auth::hash_password, error::AppError};

/// A demo account: e-mail, password, name, role.
pub struct DemoAccount {
    /// Sign-in e-mail.
    pub email: &'static str,
    /// Sign-in password (public: demo only).
    pub password: &'static str,
    /// Display name.
    pub name: &'static str,
    /// `patient` or `doctor`.
    pub role: &'static str,
}

/// The demo accounts.
pub const ACCOUNTS: [DemoAccount; 3] = [
    DemoAccount {
        email: "doctor@example.com",
        password: "doctor-demo",
        name: "Dr. Amina Rahman",
        role: "doctor",
    },
    DemoAccount {
        email: "patient@example.com",
        password: "patient-demo",
        name: "Adib Hossain",
        role: "patient",
    },
    DemoAccount {
        email: "patient2@example.com",
        password: "patient2-demo",
        name: "Nadia Karim",
        role: "patient",
    },
];

/// Seeds the demo clinic relative to `now`.
///
/// Adib has: a confirmed appointment whose join window is open (started 5 min ago), one later
/// today (window not yet open), one tomorrow, one requested, one cancelled, and a completed one
/// yesterday. Nadia has one confirmed appointment in an hour.
///
/// # Errors
/// A database error.
pub async fn seed(db: &Db, now: OffsetDateTime) -> Result<(), AppError> {
    let ts = now.unix_timestamp();
    for a in &ACCOUNTS {
        let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE email = $1")
            .bind(a.email)
            .fetch_optional(db)
            .await?;
        if exists.is_none() {
            let hash = hash_password(a.password)?;
            sqlx::query(
                "INSERT INTO users (email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(a.email)
            .bind(a.name)
            .bind(a.role)
            .bind(hash)
            .bind(ts)
            .execute(db)
            .await?;
        }
    }
    let id_of = |email: &'static str| async move {
        sqlx::query_as::<_, (i64,)>("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(db)
            .await
            .map(|r| r.0)
    };
    let doctor = id_of("doctor@example.com").await?;
    let adib = id_of("patient@example.com").await?;
    let nadia = id_of("patient2@example.com").await?;

    // Whole minutes, so the dashboard shows tidy times.
    let base = now
        .replace_second(0)
        .unwrap_or(now)
        .replace_nanosecond(0)
        .unwrap_or(now);
    let plan: [(&str, i64, Duration, &str, &str); 7] = [
        (
            "open-now",
            adib,
            -Duration::minutes(5),
            "confirmed",
            "Follow-up on blood pressure",
        ),
        (
            "later-today",
            adib,
            Duration::hours(3),
            "confirmed",
            "Test results",
        ),
        (
            "tomorrow",
            adib,
            Duration::days(1),
            "confirmed",
            "Medication review",
        ),
        (
            "requested",
            adib,
            Duration::days(2),
            "requested",
            "Persistent cough",
        ),
        (
            "cancelled",
            adib,
            Duration::days(1) + Duration::hours(2),
            "cancelled",
            "Skin rash",
        ),
        (
            "yesterday",
            adib,
            -Duration::days(1),
            "completed",
            "First consultation",
        ),
        (
            "nadia-soon",
            nadia,
            Duration::hours(1),
            "confirmed",
            "Headaches",
        ),
    ];
    for (key, patient, offset, status, reason) in plan {
        sqlx::query(
            "INSERT INTO appointments
                (patient_id, doctor_id, scheduled_at, duration_minutes, status, reason, demo_key, created_at, updated_at)
             VALUES ($1, $2, $3, 20, $4, $5, $6, $7, $7)
             ON CONFLICT (demo_key) DO UPDATE SET
                scheduled_at = excluded.scheduled_at, status = excluded.status, updated_at = excluded.updated_at",
        )
        .bind(patient)
        .bind(doctor)
        .bind((base + offset).unix_timestamp())
        .bind(status)
        .bind(reason)
        .bind(key)
        .bind(ts)
        .execute(db)
        .await?;
    }
    Ok(())
}
