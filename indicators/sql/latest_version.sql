-- The version this file holds.
SELECT coalesce(max(load_id), 0) AS version FROM loads
