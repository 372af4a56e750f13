-- Every published version of one indicator's actuals, for the revision history.
SELECT a.*, l.finished_at, l.user_name, l.file_name
FROM actuals a JOIN loads l ON l.load_id = a.valid_from_load
WHERE a.indicator_id = $indicator_id AND a.valid_from_load <= $v
ORDER BY a.breakdown, a.period, a.valid_from_load
