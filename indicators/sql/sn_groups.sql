-- Statistical-neighbour groups as published in version $v.
SELECT * EXCLUDE (valid_from_load, valid_to_load)
FROM sn_groups
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
ORDER BY la_code_old, sn_rank
