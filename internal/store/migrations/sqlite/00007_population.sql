-- The population statistics read stays by province and date: the province is
-- copied onto each stay (a facility never changes province) so that a
-- territory's history is an index range, not a join over every stay.

-- +goose Up
ALTER TABLE stays ADD COLUMN province_code TEXT NOT NULL DEFAULT '';
UPDATE stays SET province_code = (SELECT f.province_code FROM facilities f WHERE f.id = stays.facility_id);
CREATE INDEX stays_province_exit ON stays (province_code, exited_at, entered_at);
CREATE INDEX stays_province_entry ON stays (province_code, entered_at);
CREATE INDEX guests_cui_dob ON guests (nationality, birth_date);

-- +goose Down
DROP INDEX guests_cui_dob;
DROP INDEX stays_province_entry;
DROP INDEX stays_province_exit;
ALTER TABLE stays DROP COLUMN province_code;
