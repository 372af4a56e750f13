-- One indicator's precomputed scorecard rows in version $v.
SELECT indicator_id, breakdown, payload
FROM scorecard
WHERE load_id = $v AND indicator_id = $indicator_id
ORDER BY breakdown
