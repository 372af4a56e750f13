-- Plans (issue #9) as published in version $v: the council's own and example plans.
SELECT * EXCLUDE (valid_to_load)
FROM plans
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
ORDER BY example, source_row, plan_id
