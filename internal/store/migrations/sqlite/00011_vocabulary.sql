-- One word per idea: a plan unit's group takes the code of the facility target
-- that takes it (uomini, donne, nuclei, msna), where it had singular forms of
-- its own. Previews of nominative lists not yet applied (imports) keep the old
-- forms and are refused when applied: they expire within the hour anyway.

-- +goose Up
UPDATE plan_units SET grp = 'uomini' WHERE grp = 'uomo';
UPDATE plan_units SET grp = 'donne' WHERE grp = 'donna';
UPDATE plan_units SET grp = 'nuclei' WHERE grp = 'nucleo';

-- +goose Down
UPDATE plan_units SET grp = 'uomo' WHERE grp = 'uomini';
UPDATE plan_units SET grp = 'donna' WHERE grp = 'donne';
UPDATE plan_units SET grp = 'nucleo' WHERE grp = 'nuclei';
