-- Complex cases, continued: documents attached to reports and cases (sealed
-- with their names: the content column holds AES-256-GCM text, never the
-- file), and the retention job's mark on anonymised cases.

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

-- +goose Down
DROP INDEX cases_closed;
ALTER TABLE cases DROP COLUMN anonymised_at;
DROP TABLE case_documents;
