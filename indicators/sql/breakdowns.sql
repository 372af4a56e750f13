-- Every indicator's breakdowns in version $v.
SELECT indicator_id, list(DISTINCT breakdown ORDER BY breakdown) AS breakdowns
FROM actuals
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
GROUP BY indicator_id
