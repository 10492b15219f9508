-- The audit log's head is guarded like the log: it cannot be deleted and its
-- sequence only moves forward, so the newest rows cannot be cut by setting
-- the head back through the application's connection. Someone who can drop
-- triggers can still cut; the anchors kept outside the database
-- (internal/anchor) catch that. In production the application's role owns
-- neither table (docs/operations.md): it cannot drop the triggers either.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION audit_head_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit_head cannot be deleted';
    END IF;
    IF NEW.seq < OLD.seq OR NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'audit_head only moves forward';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER audit_head_guard BEFORE UPDATE OR DELETE ON audit_head FOR EACH ROW EXECUTE FUNCTION audit_head_guard();

-- +goose Down
DROP TRIGGER audit_head_guard ON audit_head;
DROP FUNCTION audit_head_guard();
