"""The embedded demo: Southampton's 2020-21 "Measures that matter", loaded the way a council would.

The demo is built by writing a real template workbook from data/demo/ and loading it through the
same validator and publisher the data team uses, then loading the published benchmarks. What is
real and what is simulated:

- real (from the published plan, data/demo/southampton_measures_that_matter_2020.csv): every
  measure, its baseline, target, outcome, the July 2020 actual exactly as published, and the
  comparators the table quotes;
- real (DfE LAIT, OGL): the published benchmarks for every council and the SN groups;
- real (the published plan, data/demo/plan/): the improvement plan actions' texts, leads and dates;
- simulated, clearly labelled: every other monthly actual (a seeded random walk through the
  baseline and the July 2020 figure towards the target), action statuses, a few commentaries and
  illustrative target trajectories.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.domain import Indicator, Polarity, TargetOperator, Unit
from indicators.settings import PROJECT_ROOT, Settings
from loaders.ingest import load_benchmarks, load_workbook

DEMO_DIR = PROJECT_ROOT / "data" / "demo"
SCORECARD_CSV = DEMO_DIR / "southampton_measures_that_matter_2020.csv"
PLAN_CSV = DEMO_DIR / "plan" / "southampton_plan_2020.csv"
DEMO_USER = "demo-loader"

REAL_MONTH = dt.date(2020, 7, 1)
FIRST_MONTH = dt.date(2018, 4, 1)
LAST_MONTH = dt.date(2021, 6, 1)
BASELINE_MONTH = dt.date(2019, 9, 1)
PLAN_END = dt.date(2021, 3, 1)
DEMO_TODAY = dt.date(2021, 7, 15)
COMPARATOR_PERIOD = ("2018-19", dt.date(2019, 3, 31))
COMPARATOR_SOURCE = (
    "Quoted in Southampton's Improvement Plan 2020-21; period assumed to be 2018-19, the latest "
    "published in July 2020"
)

#: Published (LAIT) measures used as benchmarks: same definition, or a close proxy in the same
#: unit and period basis. Annual-vs-monthly proxies (referrals, S47, adoptions) are left out
#: because a monthly figure beside an annual one would mislead the board.
BENCHMARK_FOR = {
    "lac_rate_per_10k": "LAC",
    "lac_number": "LACnum",
    "pc_cp_plan_rate_per_10k": "CPP_rate",
    "pc_cp_plans_number": "CPP_Num",
    "assess_single_assessments_45_days_pct": "Continue_Assess_Comp",
    "cl_suitable_accommodation_pct": "CareLeaverAcc",
    "ls_staff_turnover_sw": "Work_Force_TO_Rate",
    "ls_agency_workers_pct": "Work_Force_Agecy_Rate",
    "ls_caseload_overall": "Work_Force_AvgNumCase_SW",
    "send_ehc_assessment_20_weeks_pct": "SEN_EHC_All_20wks",
}

#: The custody rate is per 1,000 young people (the source's unit list had no such option).
UNIT_OVERRIDES = {"yj_custodial_sentence_rate": Unit.RATE_PER_1000}

#: Simulated breakdowns of two counts, so the demo shows the breakdown views (shares of the total,
#: each month rounded; they are illustrative, not Southampton's figures).
BREAKDOWNS_FOR = {
    "lac_number": {"Under 5": 0.2, "5 to 9": 0.2, "10 to 15": 0.38, "16 and over": 0.22},
    "pc_cp_plans_number": {
        "Neglect": 0.48,
        "Emotional abuse": 0.32,
        "Physical abuse": 0.09,
        "Sexual abuse": 0.04,
        "Multiple": 0.07,
    },
}

#: Trajectories drawn for a few measures to show the feature; illustrative, not from the plan.
TRAJECTORY_FOR = (
    "lac_rate_per_10k",
    "pc_cp_plan_rate_per_10k",
    "ls_agency_workers_pct",
    "qa_audits_completed_pct",
)

DEMO_COMMENTARY = {
    "lac_rate_per_10k": "Demo commentary (simulated): the rate continues to fall as the edge of "
    "care service diverts children safely; the permanence panel reviews every plan monthly.",
    "ls_sickness_absence_days": "Demo commentary (simulated): long-term absence cases are "
    "managed with HR monthly; occupational health referrals have been made within 5 days.",
    "pc_cp_plan_rate_per_10k": "Demo commentary (simulated): plans lasting over 18 months were "
    "audited; step-down to child in need planned for 31 children.",
    "assess_single_assessments_45_days_pct": "Demo commentary (simulated): timeliness held "
    "above target after the duty teams were restructured.",
    "ls_agency_workers_pct": "Demo commentary (simulated): 6 agency social workers converted to "
    "permanent contracts this quarter.",
}


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    return [d.date() for d in pd.date_range(first, last, freq="MS")]


def _decimals(row: pd.Series) -> int:
    if row["unit"] == Unit.COUNT.value:
        return 0
    places = [
        len(text.split(".")[1])
        for text in (row["baseline_value"], row["actual_jul_2020_value"], row["target_value"])
        if "." in text
    ]
    return max(0, min(2, max(places, default=0)))


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def demo_indicators(frame: pd.DataFrame) -> list[Indicator]:
    indicators = []
    for _, row in frame.iterrows():
        polarity = Polarity(row["polarity"])
        operator_text = {"<": "<=", ">": ">="}.get(row["target_operator"], row["target_operator"])
        name = row["measure"]
        if row["breakdown"]:
            name = f"{name} ({row['breakdown']})"
        target = _number(row["target_value"])
        indicators.append(
            Indicator(
                indicator_id=row["indicator_id"],
                name=name,
                service_area=row["service_area"],
                unit=UNIT_OVERRIDES.get(row["indicator_id"], Unit(row["unit"])),
                polarity=polarity,
                decimals=_decimals(row),
                baseline_value=_number(row["baseline_value"]),
                baseline_period=BASELINE_MONTH if row["baseline_value"] else None,
                target_value=target,
                target_operator=TargetOperator(operator_text) if operator_text else None,
                target_date=PLAN_END if target is not None else None,
                outcome=row["outcome"] or None,
                local_indicator=row["local_indicator"] == "true",
                benchmark_measure=BENCHMARK_FOR.get(row["indicator_id"]),
            )
        )
    return indicators


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def simulate(indicator: Indicator, actual_jul_2020: float | None) -> list[tuple[dt.date, float]]:
    """A plausible monthly series through the real anchors; deterministic per indicator."""
    rng = np.random.default_rng(_seed(indicator.indicator_id))
    months = _months(FIRST_MONTH, LAST_MONTH)
    july = actual_jul_2020
    target = indicator.target_value
    if july is None:
        if target is None:
            return []
        # No published figure: a series from the month the plan says collection started.
        months = _months(dt.date(2020, 9, 1), LAST_MONTH)
        july = target * (0.85 if indicator.polarity is Polarity.HIGHER_IS_BETTER else 1.15)
    baseline = indicator.baseline_value if indicator.baseline_value is not None else july
    # Where the series is heading after July 2020: part of the way to target, some overshoot,
    # a few slip back, so the demo shows every RAG and SPC state.
    progress = rng.choice([-0.4, 0.3, 0.6, 0.9, 1.2])
    end = july + progress * ((target if target is not None else july) - july)
    anchors_x = [
        0,
        months.index(BASELINE_MONTH) if BASELINE_MONTH in months else 0,
        months.index(REAL_MONTH) if REAL_MONTH in months else 0,
        len(months) - 1,
    ]
    anchors_y = [baseline, baseline, july, end]
    level = np.interp(np.arange(len(months)), anchors_x, anchors_y)
    scale = max(abs(july), abs(baseline), 1e-9)
    spread = {Unit.PERCENT: min(2.5, max(0.8, 0.03 * scale))}.get(indicator.unit, 0.05 * scale)
    noise = rng.normal(0.0, spread, len(months))
    values = level + noise
    low = 0.0
    high = 100.0 if indicator.unit is Unit.PERCENT else np.inf
    values = np.clip(values, low, high)
    if indicator.unit is Unit.COUNT:
        values = np.round(values)
    values = np.round(values, indicator.decimals)
    series = list(zip(months, values.tolist(), strict=True))
    if actual_jul_2020 is not None:
        series = [(m, actual_jul_2020 if m == REAL_MONTH else v) for m, v in series]
    return series


def _simulated_status(due: dt.date, seed: int) -> tuple[str, str]:
    rng = np.random.default_rng(seed)
    if due < DEMO_TODAY.replace(day=1):
        status = rng.choice(["complete"] * 7 + ["off_track"] * 2 + ["at_risk"])
    elif (due - DEMO_TODAY).days < 90:
        status = rng.choice(["on_track"] * 3 + ["at_risk"] * 2 + ["complete"])
    else:
        status = rng.choice(["on_track"] * 4 + ["not_started"] * 2 + ["at_risk"])
    return str(status), "Simulated status for the demo (not from the published plan)."


def demo_actions() -> list[list[object]]:
    plan = pd.read_csv(PLAN_CSV, dtype=str, keep_default_na=False)
    rows: list[list[object]] = []
    for _, row in plan.iterrows():
        if not row["target_date"]:
            continue
        due = dt.date.fromisoformat(row["target_date"])
        status, update = _simulated_status(due, _seed(row["action_id"]))
        rows.append(
            [
                row["action_id"],
                # 87 rows name only their source ("Investigation report REC 1"), no text.
                row["recommendation"] or f"{row['recommendation_source']} ({row['area']})",
                row["outcome"] or None,
                row["action"],
                row["responsible_officers"] or "Not named in the plan",
                due,
                status,
                update,
                None,
            ]
        )
    return rows


def fill_template(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write the template, then type rows into its sheets as a data officer would."""
    import openpyxl

    from loaders.template import write_template

    write_template(path)
    book = openpyxl.load_workbook(path)
    for name, rows in sheets.items():
        sheet = book[name]
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def demo_sheets() -> dict[str, list[list[object]]]:
    frame = pd.read_csv(SCORECARD_CSV, dtype=str, keep_default_na=False)
    indicators = demo_indicators(frame)
    julys = {
        row["indicator_id"]: _number(row["actual_jul_2020_value"]) for _, row in frame.iterrows()
    }
    sheets: dict[str, list[list[object]]] = {
        "Indicators": [],
        "Actuals": [],
        "Targets": [],
        "Comparators": [],
        "Commentary": [],
        "Actions": demo_actions(),
    }
    for ind in indicators:
        sheets["Indicators"].append(
            [
                ind.indicator_id,
                ind.name,
                ind.service_area,
                ind.unit.value,
                ind.polarity.value,
                ind.decimals,
                ind.frequency.value,
                ind.baseline_value,
                ind.baseline_period,
                ind.target_value,
                ind.target_operator.value if ind.target_operator else None,
                ind.target_date,
                ind.tolerance,
                ind.outcome,
                ind.lead,
                "true" if ind.local_indicator else "false",
                ind.benchmark_measure,
            ]
        )
        series = simulate(ind, julys[ind.indicator_id])
        shares = BREAKDOWNS_FOR.get(ind.indicator_id, {})
        rng = np.random.default_rng(_seed(ind.indicator_id + "/breakdowns"))
        for month, value in series:
            status = "validated" if month < dt.date(2021, 4, 1) else "provisional"
            sheets["Actuals"].append([ind.indicator_id, month, value, None, None, "All", status])
            for name, share in shares.items():
                part = max(0.0, round(value * share * rng.normal(1.0, 0.06)))
                sheets["Actuals"].append([ind.indicator_id, month, part, None, None, name, status])
        if ind.indicator_id in TRAJECTORY_FOR and ind.target_value is not None and series:
            start = julys[ind.indicator_id] or series[0][1]
            steps = _months(dt.date(2020, 8, 1), PLAN_END)
            for i, month in enumerate(steps, start=1):
                value = start + (ind.target_value - start) * i / len(steps)
                sheets["Targets"].append([ind.indicator_id, month, round(value, 2)])
        if ind.indicator_id in DEMO_COMMENTARY and series:
            sheets["Commentary"].append(
                [ind.indicator_id, series[-1][0], DEMO_COMMENTARY[ind.indicator_id]]
            )
    for _, row in frame.iterrows():
        for column, kind in (
            ("sn_value", "statistical_neighbours"),
            ("region_value", "region"),
            ("england_value", "england"),
        ):
            if row[column]:
                sheets["Comparators"].append(
                    [
                        row["indicator_id"],
                        kind,
                        COMPARATOR_PERIOD[0],
                        COMPARATOR_PERIOD[1],
                        float(row[column]),
                        COMPARATOR_SOURCE,
                    ]
                )
    return sheets


def build_demo_store(settings: Settings, *, force: bool = False) -> str:
    """Build the demo store unless it exists; returns what was done, in words."""
    if settings.db_path.exists() and not force:
        return "already built"
    if force and settings.db_path.exists():
        from loaders.publish import StorePaths

        paths = StorePaths(settings.db_path)
        settings.db_path.unlink()
        for old in paths.versions.glob("*.duckdb*"):
            old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        book = fill_template(Path(tmp) / "southampton_demo_2021-06.xlsx", demo_sheets())
        bench = load_benchmarks(
            settings,
            DEMO_DIR / "published_benchmarks.csv",
            DEMO_DIR / "sn_groups.csv",
            DEMO_DIR / "london_sub_regions.csv",
            DEMO_USER,
        )
        result = load_workbook(settings, book, book.name, DEMO_USER, today=DEMO_TODAY)
    if not result.ok or result.summary is None:
        problems = "; ".join(f"{p.location} {p.message}" for p in result.problems[:5])
        raise RuntimeError(f"the demo workbook did not validate: {problems}")
    return (
        f"load {bench.load_id}: {bench.message}; load {result.summary.load_id}: "
        f"{result.summary.message}"
    )
