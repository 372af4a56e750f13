-- The service areas of version $v's scorecard.
SELECT DISTINCT service_area
FROM scorecard
WHERE load_id = $v
