-- One indicator's definition as published in version $v.
SELECT * EXCLUDE (valid_to_load)
FROM indicators
WHERE indicator_id = $indicator_id
  AND valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
