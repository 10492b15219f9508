-- Retention of the guest registry (issue 17 §3): a guest whose last stay ended
-- longer ago than the configured period is anonymised once by the retention
-- job; anonymised_at marks it (and makes the job idempotent).

-- +goose Up
ALTER TABLE guests ADD COLUMN anonymised_at TIMESTAMP;

-- +goose Down
ALTER TABLE guests DROP COLUMN anonymised_at;
