-- Issue 17 R13: per-subject keys (crypto-shredding, docs/adr/0011-per-subject-keys.md).
--
-- subject_keys: one random data key per subject (a guest), sealed by
-- GESTA_SECRET_KEY; the special-category fields about the guest (registry
-- vulnerabilities, reports, case texts, documents) are sealed with it.
-- Erasure deletes the row in the anonymisation's transaction.
-- subject_erasures: the subjects whose key was destroyed (ids and dates
-- only), copied after each erasure to the erasure ledger outside the
-- database, which `gesta restore` replays on an older copy.

-- +goose Up
CREATE TABLE subject_keys (
    subject_id TEXT PRIMARY KEY,
    wrapped    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE subject_erasures (
    subject_id TEXT PRIMARY KEY,
    erased_at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE subject_erasures;
DROP TABLE subject_keys;
