-- Published benchmarks in version $v for the measures its indicators quote (benchmark_measure).
-- A benchmark file holds every published measure; a scorecard needs only these.
SELECT * EXCLUDE (valid_from_load, valid_to_load)
FROM benchmarks
WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
  AND trim(measure_code) IN (
    SELECT benchmark_measure
    FROM indicators
    WHERE valid_from_load <= $v AND (valid_to_load IS NULL OR valid_to_load > $v)
      AND benchmark_measure IS NOT NULL
  )
