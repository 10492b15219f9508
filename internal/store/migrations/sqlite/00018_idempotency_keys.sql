-- A client that retries a POST with the same Idempotency-Key gets the first
-- response again instead of a second effect (IETF idempotency-key header
-- draft). A key belongs to the user who sent it; rows live 24 hours.
-- state: pending (claimed, no effect committed), committed (the effect's
-- transaction marked it), done (the response is stored).

-- +goose Up
CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state        TEXT NOT NULL,
    token        TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    lease_until  TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
