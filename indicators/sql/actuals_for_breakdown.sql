-- One indicator's actuals for one breakdown as published in version $v.
SELECT * EXCLUDE (valid_to_load)
FROM actuals
WHERE indicator_id = $indicator_id AND breakdown = $breakdown
  AND valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
ORDER BY period
