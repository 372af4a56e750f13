-- Published benchmarks (all councils, regions, England) as published in version $v.
SELECT * EXCLUDE (valid_from_load, valid_to_load)
FROM benchmarks
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
