-- London LAs and their LAIT sub-region, as published in version $v.
SELECT * EXCLUDE (valid_from_load, valid_to_load)
FROM london_sub_regions
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
