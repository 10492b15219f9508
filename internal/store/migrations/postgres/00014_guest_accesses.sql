-- Every read of a guest's record leaves a row here in the read's own
-- transaction (who, when, what, for which purpose): the person's right to
-- know who read their data, and the Data Protection Officer's control.

-- +goose Up
CREATE TABLE guest_accesses (
    id         TEXT PRIMARY KEY,
    guest_id   TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL,
    what       TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    request_id TEXT NOT NULL
);
CREATE INDEX guest_accesses_guest ON guest_accesses (guest_id, at);

-- +goose Down
DROP TABLE guest_accesses;
