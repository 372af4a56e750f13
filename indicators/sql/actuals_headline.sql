-- The headline series of every indicator in version $v: its 'All' breakdown, else its first.
WITH visible AS (
    SELECT * FROM actuals
    WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
),
headline AS (
    SELECT indicator_id,
           CASE WHEN bool_or(breakdown = 'All') THEN 'All' ELSE min(breakdown) END AS breakdown
    FROM visible
    GROUP BY indicator_id
)
SELECT v.* EXCLUDE (valid_to_load)
FROM visible v JOIN headline h USING (indicator_id, breakdown)
ORDER BY v.indicator_id, v.period
