-- The transactional outbox (e-mails written in the same transaction as the
-- event that causes them, sent later by the delivery loop) and the record of
-- scheduled jobs, so that each runs once per period across restarts.

-- +goose Up
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    last_error      TEXT NOT NULL
);
CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);

CREATE TABLE job_runs (
    name   TEXT NOT NULL,
    period TEXT NOT NULL, -- e.g. the day, 2026-11-26
    at     TIMESTAMP NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (name, period)
);

-- +goose Down
DROP TABLE job_runs;
DROP TABLE outbox;
