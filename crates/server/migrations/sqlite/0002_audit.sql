-- The audit log: every read of an appointment, every join grant, every call event and every
-- change, with who, when and from which address (issue 18). Append-only at the database level:
-- UPDATE is refused always; DELETE only for rows older than the horizon that the retention purge
-- itself sets (audit::purge), so neither a bug nor a stray statement of the application can
-- rewrite or drop recent history. Someone holding the file can still change it: ship the
-- database's backups off the host for that (docs/security.md).
CREATE TABLE audit_events (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,         -- Unix seconds (UTC)
    actor          TEXT    NOT NULL,         -- identity ({role}_{user id}) or 'livekit'
    action         TEXT    NOT NULL,         -- teleconsult_core::api::AuditAction
    appointment_id INTEGER NOT NULL,         -- no foreign key: the log outlives what it records
    address        TEXT,                     -- client IP as the server saw it
    detail         TEXT
);
CREATE INDEX audit_events_by_appointment ON audit_events (appointment_id, id);
CREATE INDEX audit_events_by_time ON audit_events (at);

-- One row: rows with `at` below `purge_before` may be deleted (set by the retention purge).
CREATE TABLE audit_retention (
    only_row     INTEGER PRIMARY KEY CHECK (only_row = 1),
    purge_before INTEGER NOT NULL
);
INSERT INTO audit_retention (only_row, purge_before) VALUES (1, 0);

CREATE TRIGGER audit_events_are_not_updated BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_are_deleted_only_past_retention BEFORE DELETE ON audit_events
WHEN OLD.at >= (SELECT purge_before FROM audit_retention WHERE only_row = 1)
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: only rows past the retention may be deleted');
END;
