-- Distribution plans (piani di riparto): the key tables, the plans with their
-- units, people, provinces' shares, placements, transports, timeline and
-- messages, and the users' in-app notifications.

-- +goose Up
CREATE TABLE key_tables (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    valid_to   TIMESTAMP,
    source     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE key_shares (
    key_table_id  TEXT NOT NULL REFERENCES key_tables (id),
    province_code TEXT NOT NULL REFERENCES provinces (code),
    share         REAL NOT NULL CHECK (share >= 0),
    PRIMARY KEY (key_table_id, province_code)
);

CREATE TABLE plans (
    id           TEXT PRIMARY KEY,
    reference    TEXT NOT NULL,
    received_at  TIMESTAMP NOT NULL,
    expected_at  TIMESTAMP NOT NULL,
    window_hours INTEGER NOT NULL,
    origin       TEXT NOT NULL,
    transport    TEXT NOT NULL,
    status       TEXT NOT NULL,
    total        INTEGER NOT NULL,
    key_table_id TEXT REFERENCES key_tables (id),
    ack_hours    INTEGER NOT NULL,
    ack_deadline TIMESTAMP,
    published_at TIMESTAMP,
    closed_at    TIMESTAMP,
    note         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX plans_received ON plans (received_at);
CREATE INDEX plans_status ON plans (status, ack_deadline);

-- A unit goes whole to one province and one facility: a single person or a household.
CREATE TABLE plan_units (
    plan_id       TEXT NOT NULL REFERENCES plans (id),
    id            TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    size          INTEGER NOT NULL CHECK (size > 0),
    grp           TEXT NOT NULL,
    needs         TEXT NOT NULL, -- comma-separated feature codes
    province_code TEXT REFERENCES provinces (code),
    facility_id   TEXT REFERENCES facilities (id),
    hold_id       TEXT REFERENCES holds (id),
    outcome       TEXT NOT NULL, -- '' until the arrival is confirmed
    PRIMARY KEY (plan_id, id)
);
CREATE INDEX plan_units_province ON plan_units (plan_id, province_code);

-- The nominative list, when known: personal data, read only in scope.
CREATE TABLE plan_persons (
    id              TEXT PRIMARY KEY,
    plan_id         TEXT NOT NULL REFERENCES plans (id),
    unit_id         TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    cui             TEXT NOT NULL,
    surname         TEXT NOT NULL,
    given_name      TEXT NOT NULL,
    sex             TEXT NOT NULL,
    birth_date      TIMESTAMP NOT NULL,
    birth_estimated BOOLEAN NOT NULL,
    nationality     TEXT NOT NULL,
    msna            BOOLEAN NOT NULL,
    household_role  TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    guest_id        TEXT REFERENCES guests (id)
);
CREATE INDEX plan_persons_plan ON plan_persons (plan_id, unit_id);

CREATE TABLE plan_provinces (
    plan_id         TEXT NOT NULL REFERENCES plans (id),
    province_code   TEXT NOT NULL REFERENCES provinces (code),
    share           REAL NOT NULL,
    quota           REAL NOT NULL, -- share × batch total
    balance_before  REAL NOT NULL, -- the period's saldo before this plan
    proposed        INTEGER NOT NULL,
    persons         INTEGER NOT NULL,
    explain         TEXT NOT NULL,
    adjust_reason   TEXT NOT NULL,
    acknowledged_at TIMESTAMP,
    acknowledged_by TEXT NOT NULL,
    reminded_at     TIMESTAMP,
    escalated_at    TIMESTAMP,
    placed_at       TIMESTAMP,
    departed_at     TIMESTAMP,
    arrived_at      TIMESTAMP,
    arrived         INTEGER NOT NULL,
    PRIMARY KEY (plan_id, province_code)
);

CREATE TABLE plan_transports (
    id            TEXT PRIMARY KEY,
    plan_id       TEXT NOT NULL REFERENCES plans (id),
    province_code TEXT NOT NULL REFERENCES provinces (code),
    vehicle       TEXT NOT NULL,
    headcount     INTEGER NOT NULL CHECK (headcount >= 0),
    departed_at   TIMESTAMP NOT NULL,
    created_by    TEXT NOT NULL
);
CREATE INDEX plan_transports_plan ON plan_transports (plan_id);

CREATE TABLE plan_events (
    id            TEXT PRIMARY KEY,
    plan_id       TEXT NOT NULL REFERENCES plans (id),
    at            TIMESTAMP NOT NULL,
    actor         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    province_code TEXT NOT NULL,
    summary       TEXT NOT NULL
);
CREATE INDEX plan_events_plan ON plan_events (plan_id, at);

CREATE TABLE plan_messages (
    id         TEXT PRIMARY KEY,
    plan_id    TEXT NOT NULL REFERENCES plans (id),
    at         TIMESTAMP NOT NULL,
    actor      TEXT NOT NULL,
    office     TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX plan_messages_plan ON plan_messages (plan_id, at);

-- In-app notifications, one per user: they carry no personal data.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    plan_id    TEXT REFERENCES plans (id),
    title      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

-- +goose Down
DROP TABLE notifications;
DROP TABLE plan_messages;
DROP TABLE plan_events;
DROP TABLE plan_transports;
DROP TABLE plan_provinces;
DROP TABLE plan_persons;
DROP TABLE plan_units;
DROP TABLE plans;
DROP TABLE key_shares;
DROP TABLE key_tables;
