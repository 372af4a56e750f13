-- The scorecard page's rows in version $v: each row's grid record (listing), and its full
-- payload only where a version published before listings existed has none.
SELECT listing, CASE WHEN listing IS NULL THEN payload END AS payload
FROM scorecard
WHERE load_id = $v
ORDER BY sort_order, breakdown
