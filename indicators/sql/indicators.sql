-- Indicator definitions as published in version $v.
SELECT * EXCLUDE (valid_to_load)
FROM indicators
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
ORDER BY service_area, indicator_id
