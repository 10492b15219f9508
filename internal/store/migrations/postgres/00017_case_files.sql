-- Complex cases, continued: documents attached to reports and cases (sealed
-- with their names: the content column holds AES-256-GCM text, never the
-- file), network tables with their follow-ups, and the retention mark.

-- +goose Up
CREATE TABLE case_documents (
    id             TEXT PRIMARY KEY,
    case_id        TEXT REFERENCES cases (id),
    report_id      TEXT REFERENCES case_reports (id),
    content_type   TEXT NOT NULL,
    size           INTEGER NOT NULL,
    sealed_name    TEXT NOT NULL,
    sealed_content TEXT NOT NULL,
    uploaded_by    TEXT NOT NULL,
    uploaded_at    TIMESTAMPTZ NOT NULL,
    CHECK ((case_id IS NULL) <> (report_id IS NULL))
);
CREATE INDEX case_documents_case ON case_documents (case_id, uploaded_at);
CREATE INDEX case_documents_report ON case_documents (report_id, uploaded_at);

-- Set when the retention job has anonymised a closed case past its period.
ALTER TABLE cases ADD COLUMN anonymised_at TIMESTAMPTZ;
CREATE INDEX cases_closed ON cases (closed_at);

-- Network tables (tavoli di rete): cases by pseudonym, sealed decisions and
-- follow-ups.
CREATE TABLE case_tables (
    id               TEXT PRIMARY KEY,
    province_code    TEXT NOT NULL REFERENCES provinces (code),
    title            TEXT NOT NULL,
    held_on          TIMESTAMPTZ NOT NULL,
    place            TEXT NOT NULL,
    participants     TEXT NOT NULL, -- one per line: services and offices
    sealed_decisions TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_tables_province ON case_tables (province_code, held_on);

CREATE TABLE case_table_cases (
    table_id TEXT NOT NULL REFERENCES case_tables (id),
    case_id  TEXT NOT NULL REFERENCES cases (id),
    added_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (table_id, case_id)
);
CREATE INDEX case_table_cases_case ON case_table_cases (case_id);

CREATE TABLE case_table_followups (
    id          TEXT PRIMARY KEY,
    table_id    TEXT NOT NULL REFERENCES case_tables (id),
    case_id     TEXT REFERENCES cases (id),
    sealed_text TEXT NOT NULL,
    owner       TEXT NOT NULL,
    due         TIMESTAMPTZ NOT NULL,
    done_at     TIMESTAMPTZ,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_table_followups_table ON case_table_followups (table_id, due);
CREATE INDEX case_table_followups_open ON case_table_followups (done_at, due);

-- +goose Down
DROP TABLE case_table_followups;
DROP TABLE case_table_cases;
DROP TABLE case_tables;
DROP INDEX cases_closed;
ALTER TABLE cases DROP COLUMN anonymised_at;
DROP TABLE case_documents;
