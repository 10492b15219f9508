-- Population statistics read the stays by province and date. Each stay
-- carries the facts the statistics group by — copied from its guest and its
-- facility, kept in step by the store when either changes — so that a
-- territory's population at any date is one range of a covering index,
-- aggregated by the database, with no join over a million rows.

-- +goose Up
ALTER TABLE stays ADD COLUMN province_code TEXT NOT NULL DEFAULT '';
ALTER TABLE stays ADD COLUMN comune_code TEXT NOT NULL DEFAULT '';
ALTER TABLE stays ADD COLUMN facility_type TEXT NOT NULL DEFAULT '';
ALTER TABLE stays ADD COLUMN sex TEXT NOT NULL DEFAULT '';
ALTER TABLE stays ADD COLUMN birth_date TIMESTAMP;
ALTER TABLE stays ADD COLUMN nationality TEXT NOT NULL DEFAULT '';
ALTER TABLE stays ADD COLUMN in_household BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE stays ADD COLUMN msna BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE stays ADD COLUMN stage TEXT NOT NULL DEFAULT '';
ALTER TABLE stays ADD COLUMN stage_date TIMESTAMP;
UPDATE stays SET
    province_code = (SELECT f.province_code FROM facilities f WHERE f.id = stays.facility_id),
    comune_code = (SELECT f.comune_code FROM facilities f WHERE f.id = stays.facility_id),
    facility_type = (SELECT f.type FROM facilities f WHERE f.id = stays.facility_id),
    sex = (SELECT g.sex FROM guests g WHERE g.id = stays.guest_id),
    birth_date = (SELECT g.birth_date FROM guests g WHERE g.id = stays.guest_id),
    nationality = (SELECT g.nationality FROM guests g WHERE g.id = stays.guest_id),
    in_household = (SELECT g.household_id IS NOT NULL FROM guests g WHERE g.id = stays.guest_id),
    msna = (SELECT g.msna FROM guests g WHERE g.id = stays.guest_id),
    stage = (SELECT g.stage FROM guests g WHERE g.id = stays.guest_id),
    stage_date = (SELECT g.stage_date FROM guests g WHERE g.id = stays.guest_id);
CREATE INDEX stays_stats_province ON stays (province_code, exited_at, entered_at, sex, birth_date, nationality,
    in_household, msna, stage, stage_date, comune_code, facility_type);
CREATE INDEX stays_stats_region ON stays (exited_at, entered_at, sex, birth_date, nationality,
    in_household, msna, stage, stage_date, comune_code, facility_type);
CREATE INDEX stays_province_entry ON stays (province_code, entered_at);
CREATE INDEX stays_entered ON stays (entered_at);
CREATE INDEX guests_identity ON guests (nationality, birth_date);

-- +goose Down
DROP INDEX guests_identity;
DROP INDEX stays_entered;
DROP INDEX stays_province_entry;
DROP INDEX stays_stats_region;
DROP INDEX stays_stats_province;
ALTER TABLE stays DROP COLUMN stage_date;
ALTER TABLE stays DROP COLUMN stage;
ALTER TABLE stays DROP COLUMN msna;
ALTER TABLE stays DROP COLUMN in_household;
ALTER TABLE stays DROP COLUMN nationality;
ALTER TABLE stays DROP COLUMN birth_date;
ALTER TABLE stays DROP COLUMN sex;
ALTER TABLE stays DROP COLUMN facility_type;
ALTER TABLE stays DROP COLUMN comune_code;
ALTER TABLE stays DROP COLUMN province_code;
