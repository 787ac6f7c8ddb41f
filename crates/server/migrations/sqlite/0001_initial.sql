-- Teleconsult reference server: accounts, appointments and the call log.
-- Times are Unix seconds (UTC) in INTEGER columns: exact comparisons, cheap ordering.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('patient', 'doctor')),
    password_hash TEXT    NOT NULL,          -- argon2id PHC string
    created_at    INTEGER NOT NULL
);

CREATE TABLE appointments (
    id               INTEGER PRIMARY KEY,
    patient_id       INTEGER NOT NULL REFERENCES users (id),
    doctor_id        INTEGER NOT NULL REFERENCES users (id),
    scheduled_at     INTEGER NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 240),
    status           TEXT    NOT NULL CHECK (status IN ('requested', 'confirmed', 'cancelled', 'completed')),
    reason           TEXT    NOT NULL DEFAULT '',   -- the patient's note when booking
    demo_key         TEXT    UNIQUE,                -- set on demo rows so that seeding is idempotent
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX appointments_by_patient ON appointments (patient_id, scheduled_at);
CREATE INDEX appointments_by_doctor ON appointments (doctor_id, scheduled_at);

-- The call log: written by the server from join requests and signaling presence, so it survives
-- either browser crashing.
CREATE TABLE call_events (
    id             INTEGER PRIMARY KEY,
    appointment_id INTEGER NOT NULL REFERENCES appointments (id),
    call_id        TEXT,
    identity       TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('join_granted', 'joined', 'left', 'ended')),
    reason         TEXT,
    at             INTEGER NOT NULL
);
CREATE INDEX call_events_by_appointment ON call_events (appointment_id, at);
