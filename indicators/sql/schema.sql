-- The published store. Every table that holds data carries valid_from_load / valid_to_load:
-- a row is visible in version N when valid_from_load <= N and (valid_to_load IS NULL or
-- valid_to_load > N). Values are never overwritten; a later load closes the old row and adds a
-- new one, so any past version can be read again and each figure names the load it came from.

CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS loads (
    load_id INTEGER PRIMARY KEY,
    kind VARCHAR NOT NULL,            -- workbook | benchmarks | rollback | demo
    file_name VARCHAR,
    sha256 VARCHAR,
    user_name VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    outcome VARCHAR NOT NULL,         -- published
    counts VARCHAR NOT NULL,          -- JSON object of row counts by table
    message VARCHAR NOT NULL,
    rolls_back INTEGER                -- the load this one undoes, for rollbacks
);

CREATE TABLE IF NOT EXISTS indicators (
    indicator_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    service_area VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    polarity VARCHAR NOT NULL,
    decimals INTEGER NOT NULL,
    frequency VARCHAR NOT NULL,
    baseline_value DOUBLE,
    baseline_period DATE,
    target_value DOUBLE,
    target_operator VARCHAR,
    target_date DATE,
    tolerance DOUBLE,
    outcome VARCHAR,
    lead VARCHAR,
    local_indicator BOOLEAN NOT NULL,
    benchmark_measure VARCHAR,
    source_sheet VARCHAR,
    source_row INTEGER,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

CREATE TABLE IF NOT EXISTS actuals (
    indicator_id VARCHAR NOT NULL,
    period DATE NOT NULL,
    breakdown VARCHAR NOT NULL,
    value DOUBLE NOT NULL,
    numerator DOUBLE,
    denominator DOUBLE,
    status VARCHAR NOT NULL,
    source_sheet VARCHAR,
    source_row INTEGER,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

CREATE TABLE IF NOT EXISTS targets (
    indicator_id VARCHAR NOT NULL,
    period DATE NOT NULL,
    target_value DOUBLE NOT NULL,
    source_sheet VARCHAR,
    source_row INTEGER,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

CREATE TABLE IF NOT EXISTS comparators (
    indicator_id VARCHAR NOT NULL,
    comparator VARCHAR NOT NULL,
    period_label VARCHAR NOT NULL,
    period_end DATE NOT NULL,
    value DOUBLE,
    symbol VARCHAR,
    source VARCHAR,
    source_sheet VARCHAR,
    source_row INTEGER,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

CREATE TABLE IF NOT EXISTS commentary (
    indicator_id VARCHAR NOT NULL,
    period DATE NOT NULL,
    breakdown VARCHAR NOT NULL,
    commentary VARCHAR NOT NULL,
    author VARCHAR NOT NULL,
    written_at TIMESTAMP NOT NULL,
    source_sheet VARCHAR,
    source_row INTEGER,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

CREATE TABLE IF NOT EXISTS actions (
    action_id VARCHAR NOT NULL,
    recommendation VARCHAR NOT NULL,
    outcome VARCHAR,
    action VARCHAR NOT NULL,
    lead VARCHAR NOT NULL,
    due_date DATE NOT NULL,
    status VARCHAR NOT NULL,
    "update" VARCHAR,
    linked_indicators VARCHAR,
    recommendation_id VARCHAR,       -- the optional columns of issue #9 from here on
    area VARCHAR,
    lead_agency VARCHAR,
    partners VARCHAR,
    resources VARCHAR,
    how_measured VARCHAR,
    due_text VARCHAR,
    status_as_of DATE,               -- NULL: the day of the load that published the row
    revised_due_date DATE,
    source_sheet VARCHAR,
    source_row INTEGER,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

-- The improvement plan around the actions (issue #9). Progress updates are appended: one row
-- per action and date, from the Updates sheet or the form on /plan; a second update for the
-- same action and day supersedes the first the versioned way, so the first stays readable.
CREATE TABLE IF NOT EXISTS action_updates (
    action_id VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    status VARCHAR NOT NULL,
    "update" VARCHAR,
    revised_due_date DATE,
    author VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    source_sheet VARCHAR,            -- Updates, or 'form' for the page's form
    source_row INTEGER,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

CREATE TABLE IF NOT EXISTS recommendations (
    recommendation_id VARCHAR NOT NULL,
    recommendation VARCHAR NOT NULL,
    plan VARCHAR,                    -- NULL: the council's own plan
    source VARCHAR,
    timescale VARCHAR,               -- immediately | 3 months | 6 months
    due_date DATE,
    theme VARCHAR,
    outcome VARCHAR,
    evidence VARCHAR,
    source_sheet VARCHAR,
    source_row INTEGER,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

CREATE TABLE IF NOT EXISTS milestones (
    milestone_id VARCHAR NOT NULL,
    goal VARCHAR NOT NULL,
    statement VARCHAR NOT NULL,
    due_date DATE NOT NULL,
    plan VARCHAR,
    horizon VARCHAR,
    source_sheet VARCHAR,
    source_row INTEGER,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

CREATE TABLE IF NOT EXISTS milestone_judgements (
    milestone_id VARCHAR NOT NULL,
    judged_on DATE NOT NULL,
    judgement VARCHAR NOT NULL,      -- met | partly_met | not_met
    evidence VARCHAR,
    judged_by VARCHAR,
    source_sheet VARCHAR,
    source_row INTEGER,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

CREATE TABLE IF NOT EXISTS plans (
    plan_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    council VARCHAR,
    example BOOLEAN NOT NULL,        -- another council's plan, shown as an example
    as_at DATE,                      -- NULL: progress is judged today
    next_board_date DATE,
    source VARCHAR,
    source_sheet VARCHAR,
    source_row INTEGER,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

-- Published benchmarks (DfE LAIT long format) and statistical-neighbour groups, replaced whole
-- by `mtm load-benchmarks` and versioned the same way.
CREATE TABLE IF NOT EXISTS benchmarks (
    measure_code VARCHAR NOT NULL,
    measure_name VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    polarity VARCHAR NOT NULL,
    decimals INTEGER NOT NULL,
    period_label VARCHAR NOT NULL,
    period_end DATE NOT NULL,
    geography_level VARCHAR NOT NULL,
    geography_code VARCHAR NOT NULL,
    geography_name VARCHAR NOT NULL,
    value DOUBLE,
    value_symbol VARCHAR,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

CREATE TABLE IF NOT EXISTS sn_groups (
    la_code_old VARCHAR NOT NULL,
    la_name VARCHAR NOT NULL,
    region_name VARCHAR NOT NULL,
    sn_rank INTEGER NOT NULL,
    sn_la_code_old VARCHAR NOT NULL,
    sn_la_name VARCHAR NOT NULL,
    closeness VARCHAR,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

CREATE TABLE IF NOT EXISTS london_sub_regions (
    la_code_old VARCHAR NOT NULL,
    la_name VARCHAR NOT NULL,
    sub_region_code VARCHAR NOT NULL,
    sub_region_name VARCHAR NOT NULL,
    valid_from_load INTEGER NOT NULL,
    valid_to_load INTEGER
);

-- Precomputed at publish: one row per indicator and breakdown for each published version, so
-- a page request reads, never computes, and "as the board saw it" is an exact lookup.
CREATE TABLE IF NOT EXISTS scorecard (
    load_id INTEGER NOT NULL,
    indicator_id VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL,
    service_area VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL,
    rag VARCHAR NOT NULL,
    variation_type VARCHAR,
    assurance_type VARCHAR,
    quartile VARCHAR,
    exception_score INTEGER NOT NULL, -- higher = shown earlier when exceptions come first
    payload VARCHAR NOT NULL,         -- JSON: every figure the scorecard and board show
    listing VARCHAR,                  -- JSON: the row as the scorecard grid shows it
    measure_page VARCHAR              -- JSON: what the measure page draws beyond the payload
);
-- Stores made before a column existed gain it at their next load; their earlier versions'
-- rows keep NULL and the pages build those parts from the payload and the stored rows.
ALTER TABLE scorecard ADD COLUMN IF NOT EXISTS listing VARCHAR;
ALTER TABLE scorecard ADD COLUMN IF NOT EXISTS measure_page VARCHAR;
