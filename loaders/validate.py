"""Validate a template workbook: every problem at once, each located by sheet, cell and column.

Three passes, all run to the end so the data team sees everything in one report:
1. the safe reader's file- and sheet-level checks (loaders/excel.py);
2. cell by cell, each column parsed by its kind (indicators/cells.py): text in numbers, bad and
   ambiguous dates, look-alike and control characters, over-long text, unknown codes;
3. row and cross-sheet rules: the pandera schemas (indicators/schemas.py), periods in the future or
   before 2000, unknown indicator ids (neither in the store nor on the Indicators sheet).

Nothing here touches the store: the caller passes what the store already knows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from indicators import schemas
from indicators.cells import EARLIEST_PERIOD, escape, parse_default, parse_encoded
from indicators.domain import DEFAULT_BREAKDOWN, Problem, TargetOperator
from indicators.sheets import (
    ACTIONS,
    ACTUALS,
    DATA_SHEETS,
    INDICATORS,
    PLAN_SHEETS,
    Kind,
    Sheet,
)
from loaders.excel import RawSheet, ReadLimits, WorkbookRejected, read_workbook


@dataclass(frozen=True, slots=True)
class KnownIndicator:
    unit: str
    decimals: int
    polarity: str


@dataclass(frozen=True, slots=True)
class KnownPlan:
    """Ids of the improvement plan already in the store, which a workbook may refer to."""

    plans: frozenset[str] = frozenset()
    recommendations: frozenset[str] = frozenset()
    actions: frozenset[str] = frozenset()
    milestones: frozenset[str] = frozenset()


@dataclass
class Validated:
    """The outcome of validation: problems, or typed frames ready to publish."""

    display_name: str
    sha256: str = ""
    size: int = 0
    problems: list[Problem] = field(default_factory=list)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    not_supplied: list[tuple[str, dt.date | None, str]] = field(default_factory=list)
    #: The published version whose indicators and plan ids the file was checked against
    #: (0: none); a load publishes it only on top of that version.
    checked_against: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        return {name.lower(): len(frame) for name, frame in self.frames.items()}


def _cell(raw: RawSheet, column: str, row: int) -> str:
    return f"{raw.letters.get(column, '?')}{row}"


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: tuple[RawSheet, str, int], value: object, message: str, rule: str) -> None:
        raw, column, row = where
        self.problems.append(
            Problem(
                message=message,
                sheet=raw.title,
                cell=_cell(raw, column, row),
                column=column,
                value=escape(value),
                row=row,
                rule=rule,
            )
        )


def _parse_sheet(raw: RawSheet, out: _Collector) -> pd.DataFrame:
    """Typed frame of one sheet, defaults filled, with cell problems collected."""
    spec: Sheet = raw.spec
    rows = pd.Index(raw.rows, dtype="int64", name="row")
    columns: dict[str, np.ndarray] = {}
    for column in spec.columns:
        default = parse_default(column)
        if column.name not in raw.encoded:
            if column.kind is Kind.NUMBER:
                columns[column.name] = np.full(len(rows), np.nan if default is None else default)
            else:
                columns[column.name] = np.full(len(rows), default, dtype=object)
            continue
        distinct, codes = raw.encoded[column.name]
        parsed = parse_encoded(distinct, codes, column)
        for position, reason in parsed.reasons.items():
            out.add(
                (raw, column.name, int(rows[position])),
                distinct[codes[position]],
                f"{column.name} {reason}",
                f"cell.{column.kind.value}",
            )
        if column.required and not (spec is ACTUALS and column.name == "value"):
            for position in np.flatnonzero(parsed.blank):
                out.add(
                    (raw, column.name, int(rows[position])),
                    "",
                    f"{column.name} is required but empty",
                    "cell.required",
                )
        values = parsed.values
        if default is not None and parsed.blank.any():
            values[parsed.blank] = default
        columns[column.name] = values
    # dtype given per column: pandas would otherwise infer its string dtype for text and turn
    # None into NaN (which is truthy).
    return pd.DataFrame(
        {name: pd.Series(v, index=rows, dtype=v.dtype, copy=False) for name, v in columns.items()}
    )


def _check_periods(raw: RawSheet, typed: pd.DataFrame, today: dt.date, out: _Collector) -> None:
    this_month = today.replace(day=1)
    for column in raw.spec.columns:
        if column.kind not in (Kind.MONTH, Kind.DATE) or column.name not in raw.encoded:
            continue
        values = typed[column.name]
        if column.name == "period":
            latest = this_month
        elif column.name == "period_end":
            latest = today
        else:
            latest = dt.date.max
        # Extracts repeat a few dozen months thousands of times: judge each distinct one once.
        verdicts = {}
        for when in pd.unique(values.dropna()):
            if when < EARLIEST_PERIOD:
                verdicts[when] = ("before 2000", "cell.period_too_early")
            elif when > latest:
                verdicts[when] = ("in the future", "cell.period_future")
        if not verdicts:
            continue
        shown = "%Y-%m" if column.kind is Kind.MONTH else "%Y-%m-%d"
        for row in values.index[values.isin(list(verdicts))]:
            when = values[row]
            words, rule = verdicts[when]
            out.add(
                (raw, column.name, int(row)),
                raw.frame.at[row, column.name],
                f"{column.name} {when:{shown}} is {words}",
                rule,
            )


def _known_ids(
    typed: dict[str, pd.DataFrame], known: dict[str, KnownIndicator]
) -> dict[str, KnownIndicator]:
    """Definitions that apply to this file: the store's, overridden by the Indicators sheet."""
    result = dict(known)
    frame = typed.get(INDICATORS.name)
    if frame is not None:
        for _, row in frame.iterrows():
            if row["indicator_id"] and row["unit"]:
                decimals = row["decimals"] if row["decimals"] is not None else 1
                result[row["indicator_id"]] = KnownIndicator(
                    row["unit"], int(decimals), row["polarity"] or "neutral"
                )
    return result


def _check_ids(
    raw: RawSheet, typed: pd.DataFrame, ids: dict[str, KnownIndicator], out: _Collector
) -> None:
    if raw.spec is INDICATORS:
        return
    if raw.spec is ACTIONS:
        links = typed["linked_indicators"]
        for row in links.index[links.notna()]:
            unknown = [i for i in links[row] if i not in ids]
            if unknown:
                out.add(
                    (raw, "linked_indicators", int(row)),
                    raw.frame.at[row, "linked_indicators"],
                    f"linked_indicators names {', '.join(repr(u) for u in unknown)}, not in the "
                    "store nor on the Indicators sheet",
                    "cross.unknown_indicator",
                )
        return
    column = typed["indicator_id"]
    unknown_rows = column.notna() & ~column.isin(list(ids))
    for row in column.index[unknown_rows]:
        out.add(
            (raw, "indicator_id", int(row)),
            column[row],
            f"indicator_id {column[row]!r} is not in the store nor on the Indicators sheet",
            "cross.unknown_indicator",
        )


def _with_definitions(typed: pd.DataFrame, ids: dict[str, KnownIndicator]) -> pd.DataFrame:
    """The rows with their indicator's unit and decimals (missing for an unknown indicator)."""
    known = list(ids.values())
    # One lookup of each row's indicator, then two takes: mapping 60k ids once per column costs
    # several times more.
    at = pd.Index(list(ids), dtype=object).get_indexer(typed["indicator_id"].astype(object))
    found = at >= 0
    # The unit as a category: the schema's checks compare it with a unit name several times,
    # and comparing a handful of categories costs a fraction of comparing 60k strings.
    unit_names = sorted({k.unit for k in known})
    unit_codes = np.array([unit_names.index(k.unit) for k in known] + [-1], dtype="int64")
    decimals = np.array([float(k.decimals) for k in known] + [np.nan])
    return typed.assign(
        unit=pd.Categorical.from_codes(
            unit_codes[np.where(found, at, len(known))], categories=unit_names
        ),
        decimals=decimals[np.where(found, at, len(known))],
    )


def _schema_problems(raw: RawSheet, frame: pd.DataFrame, out: _Collector) -> None:
    first_rows: dict[str, dict[tuple[str, ...], int]] = {}
    for failure in schemas.failures(raw.spec.name, frame):
        rule = schemas.RULES[failure.check]
        row = failure.row
        details: dict[str, object] = {}
        if "unit" in frame.columns:
            details["range"] = schemas.unit_range_text(str(frame.at[row, "unit"]))
        if failure.check == "numerator_within_denominator":
            details["denominator"] = frame.at[row, "denominator"]
        if failure.check == "value_matches_fraction":
            expected = schemas.expected_from_fraction(frame.loc[[row]]).iloc[0]
            details["expected"] = f"{expected:.4g}"
        message = f"{rule.column} " + rule.message.format(**details)
        if failure.check.startswith("unique_"):
            if failure.check not in first_rows:
                first_rows[failure.check] = _first_rows(frame, failure.check)
            mine = tuple(str(frame.at[row, k]) for k in schemas.UNIQUE_KEYS[failure.check])
            first = first_rows[failure.check].get(mine, row)
            if first < row:
                message += f" (first given in row {first})"
        out.add(
            (raw, rule.column, row),
            raw.frame.at[row, rule.column]
            if rule.column in raw.encoded
            else frame.at[row, rule.column],
            message,
            f"row.{failure.check}",
        )


def _first_rows(frame: pd.DataFrame, check: str) -> dict[tuple[str, ...], int]:
    """For a uniqueness check, each key (as text) -> the first Excel row that gives it."""
    key = schemas.UNIQUE_KEYS[check]
    texts = zip(*(frame[k].map(str) for k in key), strict=True)
    first: dict[tuple[str, ...], int] = {}
    for row, values in zip(frame.index, texts, strict=True):
        first.setdefault(tuple(values), int(row))
    return first


def validate_workbook(
    source: bytes | Path,
    display_name: str,
    *,
    known: dict[str, KnownIndicator] | None = None,
    today: dt.date | None = None,
    limits: ReadLimits | None = None,
    known_plan: KnownPlan | None = None,
) -> Validated:
    """Read and validate a workbook; never raises for anything wrong with the file."""
    today = today or dt.date.today()
    result = Validated(display_name=display_name)
    try:
        raw_book = read_workbook(source, display_name, limits=limits or ReadLimits())
    except WorkbookRejected as rejected:
        result.problems = list(rejected.problems)
        return result
    result.sha256, result.size = raw_book.sha256, raw_book.size
    out = _Collector()
    out.problems.extend(raw_book.problems)

    typed: dict[str, pd.DataFrame] = {}
    for spec in DATA_SHEETS:
        raw = raw_book.sheets.get(spec.name)
        if raw is None:
            continue
        typed[spec.name] = _parse_sheet(raw, out)
        _check_periods(raw, typed[spec.name], today, out)

    ids = _known_ids(typed, known or {})
    for spec in DATA_SHEETS:
        raw = raw_book.sheets.get(spec.name)
        if raw is None:
            continue
        frame = typed[spec.name]
        if spec is INDICATORS:
            ops = frame["target_operator"].where(
                frame["target_operator"].notna(), frame["polarity"].map(_default_operator)
            )
            frame["target_operator"] = ops.where(frame["target_value"].notna(), None)
            _schema_problems(raw, frame, out)
            continue
        if spec in PLAN_SHEETS:  # no indicator ids, no units: their own checks below
            _schema_problems(raw, frame, out)
            continue
        _check_ids(raw, frame, ids, out)
        if spec is ACTIONS:
            _schema_problems(raw, frame, out)
            continue
        with_defs = _with_definitions(frame, ids)
        if spec is ACTUALS:
            blank = with_defs["value"].isna() & ~_rows_with_cell_problems(out, raw, "value")
            result.not_supplied = [
                (str(r.indicator_id), r.period, str(r.breakdown or DEFAULT_BREAKDOWN))
                for r in with_defs[blank].itertuples()
            ]
            if blank.any():  # most files leave nothing blank: no copies then
                with_defs = with_defs[~blank]
                typed[spec.name] = frame[~blank]
        _schema_problems(raw, with_defs, out)
    _check_plan(raw_book.sheets, typed, known_plan or KnownPlan(), today, out)

    result.problems = sorted(out.problems, key=_problem_order)
    if not result.problems:
        result.frames = typed
        if not any(len(frame) for frame in typed.values()):
            message = "The workbook has no data to load: every sheet is empty"
            if result.not_supplied:
                message += f" and all {len(result.not_supplied):,} Actuals values are blank"
            result.problems = [Problem(message=message, rule="file.no_data")]
            result.frames = {}
    return result


#: References between the plan's sheets: (sheet, column, the sheet whose ids it names, the
#: id column there, the KnownPlan field with the store's ids, what the ids are called).
_PLAN_REFERENCES = (
    ("Recommendations", "plan", "Plans", "plan_id", "plans", "plan"),
    ("Milestones", "plan", "Plans", "plan_id", "plans", "plan"),
    (
        "Actions",
        "recommendation_id",
        "Recommendations",
        "recommendation_id",
        "recommendations",
        "recommendation",
    ),
    ("Updates", "action_id", "Actions", "action_id", "actions", "action"),
    ("Judgements", "milestone_id", "Milestones", "milestone_id", "milestones", "milestone"),
)
#: Dates that report what has happened, so cannot be later than the day of the load.
_PLAN_PAST_DATES = (("Updates", "as_of"), ("Actions", "status_as_of"), ("Judgements", "judged_on"))


def _check_plan(
    sheets: dict[str, RawSheet],
    typed: dict[str, pd.DataFrame],
    known: KnownPlan,
    today: dt.date,
    out: _Collector,
) -> None:
    """The improvement plan's cross-sheet rules: every id a plan sheet names exists (on its own
    sheet in this file, or in the store), and progress is never reported in the future."""
    for sheet, column, target, target_column, field_name, noun in _PLAN_REFERENCES:
        raw, frame = sheets.get(sheet), typed.get(sheet)
        if raw is None or frame is None:
            continue
        in_file = typed.get(target)
        ids = set(getattr(known, field_name))
        if in_file is not None:
            ids.update(v for v in in_file[target_column] if v is not None)
        values = frame[column]
        for row in values.index[values.notna() & ~values.isin(list(ids))]:
            out.add(
                (raw, column, int(row)),
                raw.frame.at[row, column],
                f"{column} {values[row]!r} names no {noun} on the {target} sheet nor in the store",
                f"cross.unknown_{noun}",
            )
    for sheet, column in _PLAN_PAST_DATES:
        raw, frame = sheets.get(sheet), typed.get(sheet)
        if raw is None or frame is None:
            continue
        values = frame[column]
        late = [row for row in values.index if values[row] is not None and values[row] > today]
        for row in late:
            out.add(
                (raw, column, int(row)),
                raw.frame.at[row, column],
                f"{column} {values[row]:%Y-%m-%d} is in the future: progress can only be "
                "reported for today or earlier",
                "cell.period_future",
            )


def _default_operator(polarity: object) -> str | None:
    from indicators.domain import Polarity

    if polarity is None:
        return None
    return TargetOperator.default_for(Polarity(str(polarity))).value


def _rows_with_cell_problems(out: _Collector, raw: RawSheet, column: str) -> pd.Series:
    rows = {p.row for p in out.problems if p.sheet == raw.title and p.column == column}
    return pd.Series(np.isin(raw.rows, list(rows)), index=pd.Index(raw.rows, name="row"))


_SHEET_ORDER = {spec.name.casefold(): i for i, spec in enumerate(DATA_SHEETS)}


def _problem_order(problem: Problem) -> tuple[int, int, int, str]:
    return (
        0 if not problem.cell else 1,
        _SHEET_ORDER.get(problem.sheet.casefold(), 99),
        problem.row or 0,
        problem.cell,
    )
