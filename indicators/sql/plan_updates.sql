-- Every progress report visible in version $v, oldest first:
-- * the Updates sheet and the form (action_updates), as current in version $v;
-- * every version of an Actions row up to $v (its status and update as entered on the plan),
--   dated status_as_of, else the day its load was published. Earlier versions are kept on
--   purpose: each was the plan's status report when it was loaded.
SELECT u.action_id, u.as_of, u.status, u."update" AS text, u.revised_due_date, u.author,
       'update' AS channel, u.valid_from_load AS load_id
FROM action_updates u
WHERE u.valid_from_load <= $v AND (u.valid_to_load IS NULL OR u.valid_to_load > $v)
UNION ALL
SELECT a.action_id, coalesce(a.status_as_of, CAST(l.finished_at AS DATE)) AS as_of, a.status,
       a."update" AS text, a.revised_due_date, l.user_name AS author,
       'plan' AS channel, a.valid_from_load AS load_id
FROM actions a
JOIN loads l ON l.load_id = a.valid_from_load
WHERE a.valid_from_load <= $v
ORDER BY action_id, as_of, load_id
