-- Measures whose published actuals were revised by a load finished on or after $since
-- (the last board meeting), as seen in version $v: a figure the board saw has changed.
SELECT a.indicator_id, count(*) AS revisions, max(l.finished_at) AS last_revised
FROM actuals a JOIN loads l ON l.load_id = a.valid_to_load
WHERE a.valid_to_load <= $v
  AND l.finished_at >= CAST($since AS TIMESTAMP)
  AND l.kind IN ('workbook', 'rollback')
GROUP BY a.indicator_id
