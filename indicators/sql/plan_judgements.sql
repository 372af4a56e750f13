-- The board's judgements of milestones as published in version $v, oldest first.
SELECT * EXCLUDE (valid_to_load)
FROM milestone_judgements
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
ORDER BY milestone_id, judged_on
