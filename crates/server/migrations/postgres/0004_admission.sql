-- The waiting room (issue 14): when the doctor let the patient in (Unix seconds, UTC).
ALTER TABLE appointments ADD COLUMN admitted_at BIGINT;
