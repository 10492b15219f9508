-- Territory, offices, organisations, users and sessions.
-- Column types live here and in ../sqlite/00001_platform.sql; query text is shared.
-- Times are timestamptz.

-- +goose Up
CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE provinces (
    code        TEXT PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions (code),
    uts_code    TEXT NOT NULL,
    sigla       TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    nuts3       TEXT NOT NULL,
    residents   INTEGER NOT NULL CHECK (residents >= 0),
    comuni      INTEGER NOT NULL
);

CREATE TABLE comuni (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    cadastral_code TEXT NOT NULL,
    province_code  TEXT NOT NULL REFERENCES provinces (code),
    residents      INTEGER NOT NULL CHECK (residents >= 0),
    capital        BOOLEAN NOT NULL
);
CREATE INDEX comuni_province_name ON comuni (province_code, name);

-- Key/value facts about this database: population source, demo data loaded.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE offices (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    province_code TEXT NOT NULL UNIQUE REFERENCES provinces (code),
    sigla         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    coordinator   BOOLEAN NOT NULL,
    email         TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE gestori (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    tax_code      TEXT NOT NULL UNIQUE,
    province_code TEXT NOT NULL REFERENCES provinces (code),
    email         TEXT NOT NULL,
    phone         TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX gestori_province ON gestori (province_code, name);

CREATE TABLE services (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    province_code TEXT NOT NULL REFERENCES provinces (code),
    email         TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX services_province ON services (province_code, name);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    office_id     TEXT REFERENCES offices (id),
    gestore_id    TEXT REFERENCES gestori (id),
    service_id    TEXT REFERENCES services (id),
    disabled      BOOLEAN NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- Server-side web sessions (scs). user_id lets a disabled user's sessions be
-- deleted at once.
CREATE TABLE sessions (
    token   TEXT PRIMARY KEY,
    data    BYTEA NOT NULL,
    expiry  TIMESTAMPTZ NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX sessions_expiry ON sessions (expiry);
CREATE INDEX sessions_user ON sessions (user_id);

-- +goose Down
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE services;
DROP TABLE gestori;
DROP TABLE offices;
DROP TABLE meta;
DROP TABLE comuni;
DROP TABLE provinces;
DROP TABLE regions;
