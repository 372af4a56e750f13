-- Improvement plan actions as published in version $v.
SELECT * EXCLUDE (valid_to_load)
FROM actions
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
ORDER BY due_date, action_id
