-- Facilities, their free-places ledger (declarations, blocks, holds) and daily snapshots.

-- +goose Up
CREATE TABLE facilities (
    id                  TEXT PRIMARY KEY,
    code                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    type                TEXT NOT NULL,
    target              TEXT NOT NULL,
    gestore_id          TEXT NOT NULL REFERENCES gestori (id),
    office_id           TEXT NOT NULL REFERENCES offices (id),
    province_code       TEXT NOT NULL REFERENCES provinces (code),
    comune_code         TEXT NOT NULL REFERENCES comuni (code),
    address             TEXT NOT NULL,
    lat                 DOUBLE PRECISION NOT NULL,
    lon                 DOUBLE PRECISION NOT NULL,
    cig                 TEXT NOT NULL,
    contract_start      TIMESTAMPTZ,
    contract_end        TIMESTAMPTZ,
    price_cents         INTEGER NOT NULL CHECK (price_cents >= 0),
    capacity_contracted INTEGER NOT NULL CHECK (capacity_contracted >= 0),
    capacity_active     INTEGER NOT NULL CHECK (capacity_active >= 0 AND capacity_active <= capacity_contracted),
    features            TEXT NOT NULL, -- comma-separated codes
    status              TEXT NOT NULL,
    contact_name        TEXT NOT NULL,
    contact_phone       TEXT NOT NULL,
    contact_email       TEXT NOT NULL,
    occupied            INTEGER NOT NULL CHECK (occupied >= 0), -- the last declaration
    confirmed_at        TIMESTAMPTZ,
    confirmed_by        TEXT NOT NULL,
    version             INTEGER NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX facilities_province ON facilities (province_code, target);
CREATE INDEX facilities_gestore ON facilities (gestore_id);

-- Every declaration of occupancy, with who and when: the ledger's history.
CREATE TABLE availability_declarations (
    id          TEXT PRIMARY KEY,
    facility_id TEXT NOT NULL REFERENCES facilities (id),
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    occupied    INTEGER NOT NULL,
    unchanged   BOOLEAN NOT NULL,
    note        TEXT NOT NULL
);
CREATE INDEX availability_declarations_facility ON availability_declarations (facility_id, at);

CREATE TABLE facility_blocks (
    id          TEXT PRIMARY KEY,
    facility_id TEXT NOT NULL REFERENCES facilities (id),
    places      INTEGER NOT NULL CHECK (places > 0),
    reason      TEXT NOT NULL,
    starts_at   TIMESTAMPTZ NOT NULL,
    ends_at     TIMESTAMPTZ,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX facility_blocks_facility ON facility_blocks (facility_id);

-- Holds count while status = 'active' and expires_at is in the future: they
-- expire by themselves, with no job needed for the arithmetic.
CREATE TABLE holds (
    id          TEXT PRIMARY KEY,
    facility_id TEXT NOT NULL REFERENCES facilities (id),
    office_id   TEXT REFERENCES offices (id),
    places      INTEGER NOT NULL CHECK (places > 0),
    reason      TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    status      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    closed_at   TIMESTAMPTZ
);
CREATE INDEX holds_facility_active ON holds (facility_id, status, expires_at);

CREATE TABLE facility_snapshots (
    day             TEXT NOT NULL, -- YYYY-MM-DD, Italian calendar day
    facility_id     TEXT NOT NULL REFERENCES facilities (id),
    province_code   TEXT NOT NULL,
    target          TEXT NOT NULL,
    capacity_active INTEGER NOT NULL,
    blocked         INTEGER NOT NULL,
    occupied        INTEGER NOT NULL,
    held            INTEGER NOT NULL,
    free            INTEGER NOT NULL,
    confirmed_at    TIMESTAMPTZ,
    PRIMARY KEY (day, facility_id)
);
CREATE INDEX facility_snapshots_province ON facility_snapshots (province_code, day);

-- +goose Down
DROP TABLE facility_snapshots;
DROP TABLE holds;
DROP TABLE facility_blocks;
DROP TABLE availability_declarations;
DROP TABLE facilities;
