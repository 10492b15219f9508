-- Complex cases: operators' reports, case files (tasks, art. 23 measures,
-- notes, timeline), referrals to services under consent, the access log of
-- every read and break-glass grants. Free texts are sealed (AES-256-GCM):
-- the sealed_* columns never hold clear text.

-- +goose Up
CREATE TABLE cases (
    id            TEXT PRIMARY KEY,
    guest_id      TEXT NOT NULL REFERENCES guests (id),
    -- The province of the guest's facility when the case was opened: its scope.
    province_code TEXT NOT NULL REFERENCES provinces (code),
    category      TEXT NOT NULL,
    urgency       TEXT NOT NULL,
    restricted    BOOLEAN NOT NULL,
    status        TEXT NOT NULL,
    worker_id     TEXT REFERENCES users (id),
    version       INTEGER NOT NULL,
    opened_by     TEXT NOT NULL,
    opened_at     TIMESTAMP NOT NULL,
    closed_at     TIMESTAMP,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX cases_province ON cases (province_code, status);
-- At most one open case per guest.
CREATE UNIQUE INDEX cases_one_open ON cases (guest_id) WHERE closed_at IS NULL;

CREATE TABLE case_reports (
    id                 TEXT PRIMARY KEY,
    guest_id           TEXT NOT NULL REFERENCES guests (id),
    facility_id        TEXT NOT NULL REFERENCES facilities (id),
    province_code      TEXT NOT NULL REFERENCES provinces (code),
    gestore_id         TEXT NOT NULL REFERENCES gestori (id),
    category           TEXT NOT NULL,
    urgency            TEXT NOT NULL,
    sealed_description TEXT NOT NULL,
    status             TEXT NOT NULL,
    case_id            TEXT REFERENCES cases (id),
    sealed_triage      TEXT NOT NULL, -- the reason of a closing, sealed; '' otherwise
    filed_by           TEXT NOT NULL,
    filed_at           TIMESTAMP NOT NULL,
    triaged_by         TEXT NOT NULL,
    triaged_at         TIMESTAMP
);
CREATE INDEX case_reports_province ON case_reports (province_code, status, filed_at);
CREATE INDEX case_reports_filer ON case_reports (filed_by, filed_at);
CREATE INDEX case_reports_case ON case_reports (case_id);

-- Art. 17 vulnerabilities of the case: references to the registry's sealed rows.
CREATE TABLE case_vulnerabilities (
    case_id          TEXT NOT NULL REFERENCES cases (id),
    vulnerability_id TEXT NOT NULL REFERENCES guest_vulnerabilities (id),
    added_by         TEXT NOT NULL,
    added_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, vulnerability_id)
);

CREATE TABLE case_tasks (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    sealed_title TEXT NOT NULL,
    due          TIMESTAMP NOT NULL,
    done_at      TIMESTAMP,
    reminded_at  TIMESTAMP,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX case_tasks_case ON case_tasks (case_id, due);
CREATE INDEX case_tasks_open ON case_tasks (done_at, due);

CREATE TABLE case_measures (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (id),
    kind          TEXT NOT NULL,
    ground        TEXT NOT NULL,
    decided_on    TIMESTAMP NOT NULL,
    duration_days INTEGER NOT NULL,
    deadline      TIMESTAMP,
    sealed_reason TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX case_measures_case ON case_measures (case_id, decided_on);
CREATE INDEX case_measures_deadline ON case_measures (deadline);

CREATE TABLE case_notes (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    sealed_text TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, created_at);

-- The timeline: a kind and JSON parameters (ids, codes, counts), no prose.
CREATE TABLE case_events (
    id      TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    at      TIMESTAMP NOT NULL,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    params  TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, at);

CREATE TABLE referrals (
    id                  TEXT PRIMARY KEY,
    case_id             TEXT NOT NULL REFERENCES cases (id),
    service_id          TEXT NOT NULL REFERENCES services (id),
    sealed_reason       TEXT NOT NULL,
    status              TEXT NOT NULL,
    consent_given       BOOLEAN NOT NULL,
    consent_date        TIMESTAMP,
    consent_recorded_by TEXT NOT NULL,
    consent_purpose     TEXT NOT NULL,
    sections            TEXT NOT NULL, -- comma-separated section codes the service may read
    sealed_override     TEXT NOT NULL, -- the override's reason, sealed; '' when consent was given
    override_by         TEXT NOT NULL,
    sent_by             TEXT NOT NULL,
    sent_at             TIMESTAMP NOT NULL,
    answered_by         TEXT NOT NULL,
    answered_at         TIMESTAMP,
    sealed_answer       TEXT NOT NULL,
    sealed_outcome      TEXT NOT NULL,
    taken_in_charge     TIMESTAMP
);
CREATE INDEX referrals_service ON referrals (service_id, sent_at);
CREATE INDEX referrals_case ON referrals (case_id);

-- The access log (registro accessi): one row per read of a case, written in
-- the read's transaction. Append-only, as the audit log.
CREATE TABLE case_accesses (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    at          TIMESTAMP NOT NULL,
    user_id     TEXT NOT NULL,
    role        TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    sections    TEXT NOT NULL,
    break_glass BOOLEAN NOT NULL,
    request_id  TEXT NOT NULL
);
CREATE INDEX case_accesses_case ON case_accesses (case_id, at);
CREATE INDEX case_accesses_at ON case_accesses (at);

-- Break-glass grants: a case worker's hour on a case outside their scope.
CREATE TABLE case_grants (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (id),
    user_id       TEXT NOT NULL REFERENCES users (id),
    sealed_reason TEXT NOT NULL,
    granted_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL
);
CREATE INDEX case_grants_user ON case_grants (user_id, case_id, expires_at);

-- The services' directory: comuni covered (ISTAT codes, comma-separated),
-- contacts, languages, opening hours.
ALTER TABLE services ADD COLUMN comuni TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN languages TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN hours TEXT NOT NULL DEFAULT '';

-- Notifications about a case name it by id only.
ALTER TABLE notifications ADD COLUMN case_id TEXT REFERENCES cases (id);

-- +goose StatementBegin
CREATE TRIGGER case_accesses_no_update BEFORE UPDATE ON case_accesses
BEGIN
    SELECT RAISE(ABORT, 'case_accesses is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER case_accesses_no_update;
ALTER TABLE notifications DROP COLUMN case_id;
ALTER TABLE services DROP COLUMN hours;
ALTER TABLE services DROP COLUMN languages;
ALTER TABLE services DROP COLUMN phone;
ALTER TABLE services DROP COLUMN comuni;
DROP TABLE case_grants;
DROP TABLE case_accesses;
DROP TABLE referrals;
DROP TABLE case_events;
DROP TABLE case_notes;
DROP TABLE case_measures;
DROP TABLE case_tasks;
DROP TABLE case_vulnerabilities;
DROP TABLE case_reports;
DROP TABLE cases;
