-- The headline series of every indicator in version $v: its 'All' breakdown, else its first.
-- Only the columns the scorecard and the data page read: provenance and fractions stay in the
-- store (a 60k-row first load spends a third less time here without them).
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
SELECT v.indicator_id, v.breakdown, v.period, v.value, v.status
FROM visible v JOIN headline h USING (indicator_id, breakdown)
ORDER BY v.indicator_id, v.period
