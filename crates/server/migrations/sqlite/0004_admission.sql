-- The waiting room (issue 14): when the doctor let the patient in (Unix seconds, UTC); NULL until
-- then. Admission lasts for the appointment, so a patient whose connection drops comes straight
-- back without a second Admit.
ALTER TABLE appointments ADD COLUMN admitted_at INTEGER;
