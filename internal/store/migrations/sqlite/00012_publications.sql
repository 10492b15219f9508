-- Publications of the public site (issue 15). A publication is the open data
-- of one reference date, protected by disclosure control when its draft is
-- made and frozen from then on: public_json holds the tables the public sees
-- (protected values only), preview_json the same tables with each cell's raw
-- value and rule codes, for the coordinator's preview only. Public handlers
-- read public_json of published (or superseded) publications and nothing else
-- (rule R0). A correction is a new version of the same reference date; the
-- older one stays, marked superseded.

-- +goose Up
CREATE TABLE publications (
    id             TEXT PRIMARY KEY,
    reference_date TEXT NOT NULL, -- YYYY-MM-DD, end of that day, Italian time
    version        INTEGER NOT NULL CHECK (version > 0),
    status         TEXT NOT NULL CHECK (status IN ('draft', 'published', 'superseded')),
    note           TEXT NOT NULL,
    public_json    TEXT NOT NULL,
    preview_json   TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    published_by   TEXT NOT NULL DEFAULT '',
    published_at   TIMESTAMP,
    superseded_by  TEXT REFERENCES publications (id),
    UNIQUE (reference_date, version)
);
-- At most one draft per reference date, enforced by the database.
CREATE UNIQUE INDEX publications_one_draft ON publications (reference_date) WHERE status = 'draft';
CREATE INDEX publications_status_date ON publications (status, reference_date);

-- +goose Down
DROP TABLE publications;
