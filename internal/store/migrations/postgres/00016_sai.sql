-- SAI figures for the public site's "CAS e SAI" page (issue 15): each load
-- the coordinator makes from the SAI CSV template, with its own reference
-- date (one load per date; a new load of a date replaces it). Places are
-- public facts of the SAI network, not data about people. A publication
-- copies the latest load at or before its reference date into its tables.

-- +goose Up
CREATE TABLE sai_loads (
    id             TEXT PRIMARY KEY,
    reference_date TEXT NOT NULL UNIQUE, -- YYYY-MM-DD
    demo           BOOLEAN NOT NULL DEFAULT FALSE,
    loaded_by      TEXT NOT NULL,
    loaded_at      TIMESTAMPTZ NOT NULL
);
CREATE TABLE sai_projects (
    load_id     TEXT NOT NULL REFERENCES sai_loads (id) ON DELETE CASCADE,
    line        INTEGER NOT NULL,
    code        TEXT NOT NULL,
    comune_code TEXT NOT NULL REFERENCES comuni (code),
    type        TEXT NOT NULL CHECK (type IN ('ordinari', 'dm-ds', 'msna')),
    places      INTEGER NOT NULL CHECK (places > 0),
    PRIMARY KEY (load_id, code)
);

-- +goose Down
DROP TABLE sai_projects;
DROP TABLE sai_loads;
