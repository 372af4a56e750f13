-- One indicator's target trajectory as published in version $v.
SELECT * EXCLUDE (valid_to_load)
FROM targets
WHERE indicator_id = $indicator_id
  AND valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
ORDER BY period
