-- Sessions that last a clinic day (issue 14): a rotating, revocable refresh token per sign-in.
-- Only a SHA-256 of each token is stored. A refresh marks the token used and issues its successor
-- in the same family; presenting a used token again (after a short leeway for two tabs racing) is
-- a reuse and revokes the whole family, as does signing out. No refresh outlives the family's
-- expiry (sign-in + TELECONSULT_SESSION_TTL_SECS).
CREATE TABLE refresh_tokens (
    id                INTEGER PRIMARY KEY,
    token_hash        TEXT    NOT NULL UNIQUE,
    family            TEXT    NOT NULL,
    user_id           INTEGER NOT NULL REFERENCES users (id),
    issued_at         INTEGER NOT NULL,
    family_expires_at INTEGER NOT NULL,
    used_at           INTEGER,
    revoked_at        INTEGER
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family);
