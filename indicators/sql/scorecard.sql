-- The scorecard precomputed when version $v was published.
SELECT indicator_id, breakdown, service_area, sort_order, rag, variation_type, assurance_type,
       quartile, exception_score, payload
FROM scorecard
WHERE load_id = $v
ORDER BY sort_order, breakdown
