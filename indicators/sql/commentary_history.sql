-- Every version of one measure's commentary published up to version $v, newest first.
SELECT c.indicator_id, c.period, c.breakdown, c.commentary, c.author, c.written_at,
       c.valid_from_load,
       c.valid_to_load IS NOT NULL AND c.valid_to_load <= $v AS superseded
FROM commentary c
WHERE c.indicator_id = $indicator_id AND c.valid_from_load <= $v
ORDER BY c.period DESC, c.valid_from_load DESC
