-- The version that was published at the end of a given day (UTC), or NULL before the first.
SELECT max(load_id) AS version FROM loads WHERE finished_at < CAST($day AS DATE) + INTERVAL 1 DAY
