-- The audit log's head is guarded like the log: it cannot be deleted and its
-- sequence only moves forward, so the newest rows cannot be cut by setting
-- the head back through the application's connection. Someone who can drop
-- triggers can still cut; the anchors kept outside the database
-- (internal/anchor) catch that.

-- +goose Up
-- +goose StatementBegin
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit_head cannot be deleted');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
WHEN NEW.seq < OLD.seq OR NEW.id <> OLD.id
BEGIN
    SELECT RAISE(ABORT, 'audit_head only moves forward');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_head_forward_only;
DROP TRIGGER audit_head_no_delete;
