-- One indicator's precomputed scorecard row in version $v (one: the headline) with what its page
-- draws (the SPC points, target trajectory and where the definition came from), NULL for a
-- version published before pages were kept.
SELECT breakdown, payload, measure_page
FROM scorecard
WHERE load_id = $v AND indicator_id = $indicator_id
