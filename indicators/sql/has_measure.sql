-- Whether version $v's scorecard has the indicator (a row for it, whatever the breakdown).
SELECT 1 AS found
FROM scorecard
WHERE load_id = $v AND indicator_id = $indicator_id
LIMIT 1
