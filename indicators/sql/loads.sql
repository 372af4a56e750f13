-- Load history, newest first.
SELECT load_id, kind, file_name, sha256, user_name, started_at, finished_at, outcome, counts,
       message, rolls_back
FROM loads
ORDER BY load_id DESC
