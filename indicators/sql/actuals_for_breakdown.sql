-- One indicator's actuals for one breakdown as published in version $v, in no set order: a page
-- sorts its few dozen months itself, since DuckDB's sort costs 0.3 ms on 40 rows (a third of
-- this query).
SELECT * EXCLUDE (valid_to_load)
FROM actuals
WHERE indicator_id = $indicator_id AND breakdown = $breakdown
  AND valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
