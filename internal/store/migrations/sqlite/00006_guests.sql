-- The guest registry: guests, their sealed vulnerabilities, their stays.

-- +goose Up
CREATE TABLE guests (
    id              TEXT PRIMARY KEY,
    cui             TEXT UNIQUE, -- NULL when unknown; unique when present
    surname         TEXT NOT NULL,
    given_name      TEXT NOT NULL,
    search_key      TEXT NOT NULL, -- folded name for searching transliteration variants
    sex             TEXT NOT NULL,
    birth_date      TIMESTAMP NOT NULL,
    birth_estimated BOOLEAN NOT NULL,
    nationality     TEXT NOT NULL,
    household_id    TEXT,
    household_role  TEXT NOT NULL,
    msna            BOOLEAN NOT NULL,
    arrival_date    TIMESTAMP,
    arrival_channel TEXT NOT NULL,
    arrival_place   TEXT NOT NULL,
    stage           TEXT NOT NULL,
    stage_date      TIMESTAMP,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX guests_search ON guests (search_key);
CREATE INDEX guests_household ON guests (household_id);

-- Special-category data: sealed (AES-256-GCM), never in clear at rest.
CREATE TABLE guest_vulnerabilities (
    id         TEXT PRIMARY KEY,
    guest_id   TEXT NOT NULL REFERENCES guests (id),
    sealed     TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX guest_vulnerabilities_guest ON guest_vulnerabilities (guest_id);

CREATE TABLE stays (
    id                TEXT PRIMARY KEY,
    guest_id          TEXT NOT NULL REFERENCES guests (id),
    facility_id       TEXT NOT NULL REFERENCES facilities (id),
    entered_at        TIMESTAMP NOT NULL,
    exited_at         TIMESTAMP,
    exit_reason       TEXT NOT NULL,
    capacity_override TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    CHECK (exited_at IS NULL OR exited_at >= entered_at)
);
-- At most one open stay per guest, enforced by the database.
CREATE UNIQUE INDEX stays_one_open ON stays (guest_id) WHERE exited_at IS NULL;
CREATE INDEX stays_guest ON stays (guest_id, entered_at);
CREATE INDEX stays_facility_open ON stays (facility_id, exited_at);

-- Facilities whose occupancy comes from the registry rather than declarations.
ALTER TABLE facilities ADD COLUMN uses_registry BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE facilities DROP COLUMN uses_registry;
DROP TABLE stays;
DROP TABLE guest_vulnerabilities;
DROP TABLE guests;
