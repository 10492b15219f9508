-- Issue 17: retention of the guest registry and second factors for every
-- role that reads personal data.
--
-- guests.anonymised_at: a guest whose last stay ended longer ago than the
-- configured period is anonymised once by the retention job; the mark makes
-- the job idempotent.
-- users.totp_grace_from: when the user's grace period for enrolling a second
-- factor began (their first sign-in once it was required, or an admin's reset).
-- user_recovery_codes: single-use codes for a lost authenticator, stored as
-- SHA-256 of 16 random digits each (53 bits; single use, and wrong codes
-- count towards the sign-in throttle).

-- +goose Up
ALTER TABLE guests ADD COLUMN anonymised_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN totp_grace_from TIMESTAMPTZ;
CREATE TABLE user_recovery_codes (
    id      TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    hash    TEXT NOT NULL UNIQUE,
    used_at TIMESTAMPTZ
);
CREATE INDEX user_recovery_codes_user ON user_recovery_codes (user_id);

-- +goose Down
DROP TABLE user_recovery_codes;
ALTER TABLE users DROP COLUMN totp_grace_from;
ALTER TABLE guests DROP COLUMN anonymised_at;
