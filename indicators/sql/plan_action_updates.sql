-- Progress updates (the Updates sheet and the form) as stored in version $v: the rows of
-- action_updates only, for comparing an upload with what is published.
SELECT * EXCLUDE (valid_to_load)
FROM action_updates
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
ORDER BY action_id, as_of
