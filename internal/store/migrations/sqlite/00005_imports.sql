-- Imports waiting for confirmation: the plan shown in the preview, applied
-- as it was shown (re-checked) when the user confirms.

-- +goose Up
CREATE TABLE imports (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    plan       TEXT NOT NULL, -- JSON of the rows
    created_at TIMESTAMP NOT NULL,
    applied_at TIMESTAMP
);

-- +goose Down
DROP TABLE imports;
