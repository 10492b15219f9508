-- One word per idea: a plan unit's group takes the code of the facility target
-- that takes it (uomini, donne, nuclei, msna), where it had singular forms of
-- its own; so do the household types of the statistics (uomo_solo, donna_sola,
-- nucleo) in the materialised figures. Previews of nominative lists not yet
-- applied (imports) keep the old forms and are refused when applied: they
-- expire within the hour anyway.

-- +goose Up
UPDATE plan_units SET grp = 'uomini' WHERE grp = 'uomo';
UPDATE plan_units SET grp = 'donne' WHERE grp = 'donna';
UPDATE plan_units SET grp = 'nuclei' WHERE grp = 'nucleo';
UPDATE population_daily SET key = 'uomini' WHERE dim = 'household' AND key = 'uomo_solo';
UPDATE population_daily SET key = 'donne' WHERE dim = 'household' AND key = 'donna_sola';
UPDATE population_daily SET key = 'nuclei' WHERE dim = 'household' AND key = 'nucleo';

-- +goose Down
UPDATE plan_units SET grp = 'uomo' WHERE grp = 'uomini';
UPDATE plan_units SET grp = 'donna' WHERE grp = 'donne';
UPDATE plan_units SET grp = 'nucleo' WHERE grp = 'nuclei';
UPDATE population_daily SET key = 'uomo_solo' WHERE dim = 'household' AND key = 'uomini';
UPDATE population_daily SET key = 'donna_sola' WHERE dim = 'household' AND key = 'donne';
UPDATE population_daily SET key = 'nucleo' WHERE dim = 'household' AND key = 'nuclei';
