-- Whether this store file's schema has a column (files written by an earlier release may not).
SELECT count(*) > 0
FROM information_schema.columns
WHERE table_name = $table AND column_name = $column
