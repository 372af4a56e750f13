-- Monthly actuals as published in version $v (all indicators).
SELECT * EXCLUDE (valid_to_load)
FROM actuals
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
ORDER BY indicator_id, breakdown, period
