-- Recommendations as published in version $v, in the order of the sheet they came from.
SELECT * EXCLUDE (valid_to_load)
FROM recommendations
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
ORDER BY valid_from_load, source_row, recommendation_id
