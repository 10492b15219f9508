-- Materialised population figures. population_daily holds, for each past day
-- and province, the counts of every breakdown of the people present at the
-- end of that day, computed from the stays (the nightly job adds yesterday; a
-- stay recorded or changed with an earlier date drops the days it affects,
-- which are recomputed on the next read). stay_flows counts entries and exits
-- per day and province, kept up to date in the transaction of each entry and
-- exit.

-- +goose Up
CREATE TABLE population_daily (
    day           TEXT NOT NULL, -- YYYY-MM-DD, Italian time
    province_code TEXT NOT NULL,
    dim           TEXT NOT NULL,
    key           TEXT NOT NULL,
    count         INTEGER NOT NULL,
    PRIMARY KEY (day, province_code, dim, key)
);
CREATE TABLE stay_flows (
    day           TEXT NOT NULL,
    province_code TEXT NOT NULL,
    entries       INTEGER NOT NULL DEFAULT 0,
    exits         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, province_code)
);

-- +goose Down
DROP TABLE stay_flows;
DROP TABLE population_daily;
