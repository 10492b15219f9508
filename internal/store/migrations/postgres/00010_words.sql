-- Words belong to the presentation (docs/i18n.md): timeline entries,
-- notifications, audit details and queued e-mails are kept as a kind plus JSON
-- parameters and rendered when read, in the reader's language. Rows written
-- before this migration keep their text in summary / title / subject and body,
-- and are shown as written (the legacy form: params is empty). Audit rows are
-- never rewritten: the hash chain covers params only when it is not empty, so
-- old rows verify as before.

-- +goose Up
ALTER TABLE plan_events ADD COLUMN params TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN params TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN params TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN params TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE outbox DROP COLUMN params;
ALTER TABLE audit_log DROP COLUMN params;
ALTER TABLE notifications DROP COLUMN params;
ALTER TABLE plan_events DROP COLUMN params;
