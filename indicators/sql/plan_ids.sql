-- The plan's ids in version $v that a workbook or the form may refer to.
SELECT 'plan' AS kind, plan_id AS id FROM plans
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
UNION ALL
SELECT 'recommendation', recommendation_id FROM recommendations
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
UNION ALL
SELECT 'action', action_id FROM actions
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
UNION ALL
SELECT 'milestone', milestone_id FROM milestones
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
