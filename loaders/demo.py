"""The embedded demo: Southampton's 2020-21 "Measures that matter", loaded the way a council would.

The demo is built by writing a real template workbook from data/demo/ and loading it through the
same validator and publisher the data team uses, then loading the published benchmarks. What is
real and what is simulated:

- real (from the published plan, data/demo/southampton_measures_that_matter_2020.csv): every
  measure, its baseline, target, outcome, the July 2020 actual exactly as published, and the
  comparators the table quotes;
- real (DfE LAIT, OGL): the published benchmarks for every council and the SN groups;
- real (the published plan, data/demo/plan/): the improvement plan's recommendations, outcomes,
  actions, leads, partners, measures and dates; and two example plans from other councils:
  Stockton-on-Tees' 2013 action plan with its real progress update, and Wiltshire's 2012
  strategic goals and milestones (transcribed verbatim);
- simulated, clearly labelled: every other monthly actual (a seeded random walk through the
  baseline and the July 2020 figure towards the target), Southampton's action statuses and
  monthly progress updates, the Wiltshire board's milestone judgements, a few commentaries and
  illustrative target trajectories.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.domain import Indicator, Polarity, TargetOperator, Unit
from indicators.settings import PROJECT_ROOT, Settings
from indicators.sheets import (
    ACTIONS,
    JUDGEMENTS_SHEET,
    MILESTONES,
    PLANS,
    RECOMMENDATIONS,
    UPDATES,
    Sheet,
)
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


# --- the improvement plan (issue #9) ----------------------------------------------------------
#
# Three plans coexist in the demo, told apart by the Plans sheet and each recommendation's `plan`:
# Southampton's own 2020-21 plan (the demo council's, linked to its measures) and two example
# plans from other councils, flagged `example` (read-only on /plan, never linked to Southampton's
# measures): Stockton-on-Tees' 2013 action plan with its real progress update, and Wiltshire's
# 2012 strategic goals and milestones. Each plan is judged at its own date (`as_at`).

PLAN_DIR = DEMO_DIR / "plan"
STOCKTON_CSV = PLAN_DIR / "stockton_action_plan_2013.csv"
WILTSHIRE_CSV = PLAN_DIR / "wiltshire_goals_milestones_2012.csv"

SOUTHAMPTON_PLAN = "southampton-2020"
STOCKTON_PLAN = "stockton-2013"
WILTSHIRE_PLAN = "wiltshire-2012"
#: The plan was published in September 2020; its statuses then, and monthly updates to June 2021,
#: are simulated. Progress is judged at DEMO_TODAY, the demo's "today".
PLAN_PUBLISHED = dt.date(2020, 9, 30)
UPDATE_MONTHS = [
    d - dt.timedelta(days=1) for d in _months(dt.date(2020, 11, 1), dt.date(2021, 7, 1))
]
SIMULATED = "Simulated: "
SIMULATED_AUTHOR = "Demo data (simulated)"
#: Stockton's update headings give months only ("Update August 2013", "Update September 2013",
#: transcribed as month ends), so its plan is judged at the end of September 2013.
STOCKTON_AS_AT = dt.date(2013, 9, 30)
#: Wiltshire's summary (17 May 2012) records no board judgements: the board date and the
#: judgements of the 3-month milestones are simulated, so the demo shows the feature.
WILTSHIRE_BOARD = dt.date(2012, 9, 20)
WILTSHIRE_NEXT_BOARD = dt.date(2012, 11, 15)

#: Southampton actions linked to the demo measures: explicit, reviewed rules, never fuzzy matching.
#: (column of southampton_plan_2020.csv, pattern matched case-insensitively, measure ids). A test
#: checks that every rule matches at least one action and names only demo measures.
LINK_RULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("action", r"sickness absence days", ("ls_sickness_absence_days",)),
    ("action", r"turnover of SWs", ("ls_staff_turnover_sw",)),
    ("action", r"turnover of overall staff", ("ls_staff_turnover_overall",)),
    ("action", r"% of agency workers", ("ls_agency_workers_pct",)),
    (
        "action",
        r"social worker caseloads|reducing the caseloads",
        ("ls_caseload_overall", "ls_caseload_pact", "ls_caseload_lac"),
    ),
    ("measure_text", r"% of scheduled audits", ("qa_audits_completed_pct",)),
    ("action", r"children open with assessment / plans", ("eh_open_with_assessment_plan_pct",)),
    ("action", r"locality team allocations in <10 days", ("eh_allocations_within_10_days_pct",)),
    ("action", r"completion by MASH was 24 hours", ("mash_referrals_within_1wd_pct",)),
    ("action", r"contacts that become new referrals", ("mash_contact_to_referral_conversion_pct",)),
    ("action", r"rate of new referrals of Children in Need", ("mash_cin_referral_rate_per_10k",)),
    ("action", r"Section 47 \(S47\) enquiries", ("assess_s47_rate_per_10k",)),
    (
        "action",
        r"Strategy Discussions held within 1 Working Day",
        ("mash_strategy_discussions_within_1wd_pct",),
    ),
    ("action", r"completion of Single Assessments", ("assess_single_assessments_45_days_pct",)),
    (
        "action",
        r"priority groups \(CP / CIN / YOS\) who are EHE",
        ("ehe_priority_cohort_allocated_pct",),
    ),
    ("action", r"subject to CP Plan seen in the last 15 WD", ("pc_cp_children_seen_15wd_pct",)),
    (
        "action",
        r"number of children subject to child protection planning",
        ("pc_cp_plans_number", "pc_cp_plan_rate_per_10k"),
    ),
    (
        "action",
        r"number of Looked After children|number of children becoming Looked After",
        ("lac_number", "lac_rate_per_10k"),
    ),
    ("action", r"matched and had permanence plan", ("fp_lac_matched_permanence_plan_pct",)),
    ("action", r"LAC with an authorised care plan", ("lac_authorised_care_plan_pct",)),
    (
        "action",
        r"Looked after Children Placed in emergency beds / B&B",
        ("cl_emergency_bed_bb_lac_pct",),
    ),
    (
        "action",
        r"Care Leavers in contact and in suitable accommodation",
        ("cl_suitable_accommodation_pct",),
    ),
    ("action", r"with an authorised Pathway Plan", ("cl_authorised_pathway_plan_pct",)),
    (
        "action",
        r"children who go missing being offered a RHI",
        ("met_rhi_offered_missing_episodes_pct",),
    ),
    ("action", r"missing LAC offered RHI", ("met_rhi_offered_lac_missing_episodes_pct",)),
    ("action", r"number of Edge of Care referrals", ("crs_edge_of_care_referrals_number",)),
    ("action", r"goal-based scores", ("crs_goal_based_scores_improved_pct",)),
    (
        "action",
        r"Edge of Care children that have remained with their family",
        ("crs_eoc_children_remain_with_family_pct",),
    ),
    ("action", r"number of open EoC cases", ("crs_open_eoc_cases_number",)),
    (
        "action",
        r"Improve ETE outcomes for children who offend",
        ("yj_ete_at_disposal_end_under16_pct", "yj_ete_at_disposal_end_over16_pct"),
    ),
    ("action", r"number of in-house carers", ("fp_in_house_foster_carers_number",)),
    ("action", r"Monitor level of adoptions", ("adoption_number_per_month",)),
    (
        "action",
        r"entering care and placement for adoption",
        ("adoption_days_entering_care_to_adoptive_family",),
    ),
)

#: Stockton's statuses, derived from its update texts (data/demo/plan/README.md), in the
#: template's five codes. "in_progress" says only "not complete, no new timescale", so it maps to
#: on track; whether it is also overdue is the plan rules' call, from its due date.
STOCKTON_STATUS = {
    "complete": "complete",
    "in_progress": "on_track",
    "revised_timescale": "at_risk",
}
STOCKTON_TIMESCALE = {
    "immediate": "immediately",
    "within 3 months": "3 months",
    "within 6 months": "6 months",
}
#: A new deadline named in a Stockton update: "revised timescale of January 2014", "revised
#: timescale September 2013", "now to be March 2014". "Timescale needs to be reviewed" names none.
STOCKTON_REVISED = re.compile(
    r"(?:revised timescale(?: of)?|now to be)\s+([A-Z][a-z]+)\s+(\d{4})", re.IGNORECASE
)

#: Simulated progress: how a status moves from one month to the next before the due date, and
#: what the simulated update says. Deterministic per action (seeded by its id).
_STEP: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "not_started": (("not_started", "on_track", "at_risk"), (0.35, 0.55, 0.10)),
    "on_track": (("on_track", "at_risk", "complete"), (0.82, 0.13, 0.05)),
    "at_risk": (("on_track", "at_risk", "off_track"), (0.45, 0.35, 0.20)),
    "off_track": (("at_risk", "off_track"), (0.40, 0.60)),
}
_SAYS = {
    "not_started": "not started yet; planned to begin next quarter.",
    "on_track": "progressing as planned; reviewed at the monthly performance meeting.",
    "at_risk": "slower than planned: team capacity is stretched; the lead is reviewing the plan.",
    "off_track": "not progressing: escalated to the Improvement Board.",
    "complete": "completed; evidence held by the lead.",
}


def _row(sheet: Sheet, **values: object) -> list[object]:
    """A sheet row from named values, in the sheet's column order (unknown names refused)."""
    unknown = set(values) - set(sheet.names)
    if unknown:
        raise KeyError(f"{sheet.name} has no column {sorted(unknown)}")
    return [values.get(name) for name in sheet.names]


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _southampton_recommendation(row: pd.Series) -> tuple[str, str]:
    """(source, text) of a Southampton action's recommendation, as the plan gives it."""
    source, text, area = row["recommendation_source"], row["recommendation"], row["area"]
    if text:
        return source, text
    if source.startswith("Investigation report REC"):
        number = source.rsplit(" ", 1)[1]
        return source, (
            f"Investigation report (August 2020) recommendation {number}: the plan cites it by "
            "number; its aims are the outcomes below"
        )
    if source == "Freddie SCR":
        return source, (
            "Freddie Serious Case Review: the plan cites the review by name; its aims are the "
            "outcome below"
        )
    return "Service plan", f"{area}: the service's improvement priorities (no inspection "
    "recommendation cited)"


def link_measures(row: pd.Series) -> tuple[str, ...]:
    """The demo measures an action names, by LINK_RULES (in rule order, each id once)."""
    found: list[str] = []
    for column, pattern, ids in LINK_RULES:
        if re.search(pattern, row[column], re.IGNORECASE):
            found.extend(i for i in ids if i not in found)
    return tuple(found)


def _simulated_history(
    action_id: str, due: dt.date
) -> tuple[str, list[tuple[dt.date, str, str, dt.date | None]]]:
    """The status at publication and the monthly (as_of, status, text, revised due) updates."""
    rng = np.random.default_rng(_seed(action_id + "/progress"))
    if due < PLAN_PUBLISHED:
        # Dated before this iteration of the plan (January 2020's first version).
        start = str(
            rng.choice(["complete", "on_track", "at_risk", "off_track"], p=[0.6, 0.2, 0.1, 0.1])
        )
    else:
        start = str(rng.choice(["not_started", "on_track"], p=[0.3, 0.7]))
    status, deadline, revised = start, due, False
    updates: list[tuple[dt.date, str, str, dt.date | None]] = []
    for month in UPDATE_MONTHS:
        if status == "complete":
            break
        if rng.random() < 0.08:
            continue  # no update this month: the page flags actions not updated for 2 cycles
        new_due: dt.date | None = None
        if month >= deadline:
            if rng.random() < 0.35:
                status = "complete"
            elif not revised and rng.random() < 0.5:
                revised = True
                later = pd.Timestamp(deadline) + pd.offsets.MonthEnd(3)
                deadline = new_due = later.date()
                status = "at_risk"
            else:
                status = str(rng.choice(["at_risk", "off_track"], p=[0.4, 0.6]))
        else:
            choices, weights = _STEP[status]
            status = str(rng.choice(choices, p=weights))
        text = SIMULATED + f"{month:%B %Y}: " + _SAYS[status]
        if new_due is not None:
            text = SIMULATED + f"{month:%B %Y}: revised timescale of {new_due:%B %Y}."
        updates.append((month, status, text, new_due))
    return start, updates


def _southampton() -> dict[str, list[list[object]]]:
    plan = pd.read_csv(PLAN_CSV, dtype=str, keep_default_na=False)
    recommendations: dict[tuple[str, str, str], str] = {}
    sheets: dict[str, list[list[object]]] = {"Recommendations": [], "Actions": [], "Updates": []}
    for _, row in plan.iterrows():
        source, text = _southampton_recommendation(row)
        key = (row["area"], source, text)
        if key not in recommendations:
            rec_id = f"SOT-R{len(recommendations) + 1:02d}"
            recommendations[key] = rec_id
            sheets["Recommendations"].append(
                _row(
                    RECOMMENDATIONS,
                    recommendation_id=rec_id,
                    recommendation=text,
                    plan=SOUTHAMPTON_PLAN,
                    source=source,
                    theme=row["area"],
                )
            )
        if not row["target_date"]:
            continue  # LS-14, "21/22 Business cycle": the template needs a due date
        due = dt.date.fromisoformat(row["target_date"])
        start, updates = _simulated_history(row["action_id"], due)
        links = link_measures(row)
        sheets["Actions"].append(
            _row(
                ACTIONS,
                action_id=row["action_id"],
                recommendation=text,
                outcome=row["outcome"] or None,
                action=row["action"],
                lead=row["responsible_officers"] or "Not named in the plan",
                due_date=due,
                status=start,
                update=SIMULATED + "status when the plan was published (September 2020).",
                linked_indicators="; ".join(links) or None,
                recommendation_id=recommendations[key],
                area=row["area"],
                partners=row["key_partners"] or None,
                how_measured=row["measure_text"] or None,
                due_text=row["target_date_text"] or None,
                status_as_of=PLAN_PUBLISHED,
            )
        )
        for as_of, status, text_, new_due in updates:
            sheets["Updates"].append(
                _row(
                    UPDATES,
                    action_id=row["action_id"],
                    as_of=as_of,
                    status=status,
                    update=text_,
                    revised_due_date=new_due,
                    author=SIMULATED_AUTHOR,
                )
            )
    return sheets


def stockton_revised_due(update_text: str) -> dt.date | None:
    """The new deadline a Stockton update names, as the last day of that month."""
    found = STOCKTON_REVISED.search(update_text)
    if found is None:
        return None
    month = dt.datetime.strptime(found.group(1)[:3], "%b").month
    return _month_end(int(found.group(2)), month)


def _stockton() -> dict[str, list[list[object]]]:
    plan = pd.read_csv(STOCKTON_CSV, dtype=str, keep_default_na=False)
    sheets: dict[str, list[list[object]]] = {"Recommendations": [], "Actions": []}
    seen: set[str] = set()
    for _, row in plan.iterrows():
        rec_id = f"STK-R{int(row['recommendation_no']):02d}"
        if rec_id not in seen:
            seen.add(rec_id)
            sheets["Recommendations"].append(
                _row(
                    RECOMMENDATIONS,
                    recommendation_id=rec_id,
                    recommendation=row["recommendation"],
                    plan=STOCKTON_PLAN,
                    source=f"Ofsted inspection of child protection, January 2013: recommendation "
                    f"{row['recommendation_no']}",
                    timescale=STOCKTON_TIMESCALE[row["timescale"]],
                    outcome=row["outcome"] or None,
                    evidence=row["how_we_will_know"] or None,
                )
            )
        if not row["by_when"]:
            continue  # "Completed.", "To be confirmed", "... onwards": no single due month
        sheets["Actions"].append(
            _row(
                ACTIONS,
                action_id=f"STK-{row['recommendation_no']}{row['recommendation_part']}-"
                f"{row['action_no']}",
                recommendation=row["recommendation"],
                action=row["action"],
                lead=row["lead"],
                due_date=dt.date.fromisoformat(row["by_when"]),
                status=STOCKTON_STATUS[row["status"]],
                update=row["update_text"] or None,
                recommendation_id=rec_id,
                due_text=row["by_when_text"] or None,
                status_as_of=dt.date.fromisoformat(row["update_as_of"]),
                revised_due_date=stockton_revised_due(row["update_text"]),
            )
        )
    return sheets


def _wiltshire() -> dict[str, list[list[object]]]:
    table = pd.read_csv(WILTSHIRE_CSV, dtype=str, keep_default_na=False)
    sheets: dict[str, list[list[object]]] = {"Milestones": [], "Judgements": []}
    for _, row in table.iterrows():
        due = dt.date.fromisoformat(row["due_date"])
        sheets["Milestones"].append(
            _row(
                MILESTONES,
                milestone_id=row["milestone_id"],
                goal=row["goal"],
                statement=row["milestone"],
                due_date=due,
                plan=WILTSHIRE_PLAN,
                horizon=row["horizon"],
            )
        )
        if due < WILTSHIRE_BOARD:
            rng = np.random.default_rng(_seed(row["milestone_id"]))
            sheets["Judgements"].append(
                _row(
                    JUDGEMENTS_SHEET,
                    milestone_id=row["milestone_id"],
                    judged_on=WILTSHIRE_BOARD,
                    judgement=str(rng.choice(["met", "partly_met", "not_met"], p=[0.5, 0.3, 0.2])),
                    evidence=SIMULATED + "judgement made up for the demo; Wiltshire's published "
                    "summary records no judgements.",
                    judged_by="Safeguarding Improvement Board (simulated)",
                )
            )
    return sheets


def demo_plans() -> list[list[object]]:
    return [
        _row(
            PLANS,
            plan_id=SOUTHAMPTON_PLAN,
            name="Southampton Children and Learning Service Improvement Plan 2020-21",
            council="Southampton",
            example=False,
            as_at=DEMO_TODAY,
            source="Southampton's published Improvement Plan 2020-21 (September 2020): the "
            "recommendations, outcomes, actions, leads, partners, measures and target dates are "
            "real. Every status and progress update is simulated for the demo.",
        ),
        _row(
            PLANS,
            plan_id=STOCKTON_PLAN,
            name="Stockton-on-Tees: action plan after the January 2013 Ofsted inspection of "
            "child protection (update for the CYP Select Committee, 18 September 2013)",
            council="Stockton-on-Tees",
            example=True,
            as_at=STOCKTON_AS_AT,
            source="An example plan from another council, as published: recommendations, "
            "timescales, outcomes, actions, leads, deadlines and the August and September 2013 "
            "progress updates are real. The five-value status is read from each update's words "
            "(Completed; a revised timescale: at risk; otherwise on track). 17 of its 58 actions "
            "are not shown: their 'by when' names no single month (Completed, To be confirmed, "
            "... onwards).",
        ),
        _row(
            PLANS,
            plan_id=WILTSHIRE_PLAN,
            name="Wiltshire Safeguarding Improvement Plan 2012 (summary of 17 May 2012): "
            "strategic goals and milestones",
            council="Wiltshire",
            example=True,
            as_at=WILTSHIRE_BOARD,
            next_board_date=WILTSHIRE_NEXT_BOARD,
            source="An example plan from another council: the goals and their 3-month, 6-month "
            "and 1-year milestones are real, transcribed verbatim. The board dates and the "
            "judgements of the 3-month milestones are simulated for the demo.",
        ),
    ]


def demo_plan_sheets() -> dict[str, list[list[object]]]:
    """The plan sheets of the demo workbook: Southampton's plan and the two example plans."""
    parts = (_southampton(), _stockton(), _wiltshire())
    sheets: dict[str, list[list[object]]] = {"Plans": demo_plans()}
    for part in parts:
        for name, rows in part.items():
            sheets.setdefault(name, []).extend(rows)
    return sheets


def demo_actions() -> list[list[object]]:
    """The Actions sheet of the demo workbook (Southampton's and Stockton's actions)."""
    return demo_plan_sheets()["Actions"]


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
        **demo_plan_sheets(),
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
