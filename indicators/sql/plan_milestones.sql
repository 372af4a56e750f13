-- Strategic goals' milestones as published in version $v, in the order of their sheet.
SELECT * EXCLUDE (valid_to_load)
FROM milestones
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
ORDER BY valid_from_load, source_row, milestone_id
