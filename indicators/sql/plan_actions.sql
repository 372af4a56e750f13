-- Actions as published in version $v, in plan order, each with the due date it was first loaded
-- with (original_due_date), so a later change of due date shows as a revision.
SELECT a.* EXCLUDE (valid_to_load), f.original_due_date
FROM actions a
JOIN (
    SELECT action_id, arg_min(due_date, valid_from_load) AS original_due_date
    FROM actions
    WHERE valid_from_load <= $v
    GROUP BY action_id
) f USING (action_id)
WHERE a.valid_from_load <= $v AND (a.valid_to_load IS NULL OR a.valid_to_load > $v)
ORDER BY a.source_row, a.action_id
