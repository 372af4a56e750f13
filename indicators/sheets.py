"""The template workbook's contract, declared once as data.

The template writer, the reader, the validators and the Instructions sheet all read these
declarations, so a column added here is written, documented, read and validated everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from indicators.domain import (
    ActionStatus,
    ActualStatus,
    ComparatorKind,
    Frequency,
    Polarity,
    TargetOperator,
    Unit,
)


class Kind(StrEnum):
    """How a column's cells are read."""

    ID = "id"  # ASCII identifier: letters, digits, _ - . /
    TEXT = "text"  # free text, no control characters
    CODE = "code"  # one of `allowed`
    NUMBER = "number"  # a real number
    INTEGER = "integer"  # a whole number
    MONTH = "month"  # a month: a date cell or YYYY-MM text; stored as the 1st
    DATE = "date"  # a calendar date: a date cell or YYYY-MM-DD text
    BOOL = "bool"  # true/false, yes/no
    COMPARATOR_VALUE = "comparator_value"  # a number or a suppression symbol
    ID_LIST = "id_list"  # ids separated by ';'


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    description: str = ""
    allowed: tuple[str, ...] = ()
    max_length: int = 200
    default: str | None = None

    @property
    def header(self) -> str:
        """The header as written in the template: required columns carry a `*`."""
        return f"{self.name}*" if self.required else self.name


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = False

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.columns)


def _codes(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


MAX_TEXT = 2000
MAX_ID = 64

INDICATORS = Sheet(
    name="Indicators",
    description="Adds or changes indicator definitions. A change is versioned like any data.",
    key=("indicator_id",),
    columns=(
        Column(
            "indicator_id",
            Kind.ID,
            True,
            "Short stable id, e.g. lac_rate_per_10k. Letters, "
            "digits, underscore, hyphen or dot; no spaces.",
            max_length=MAX_ID,
        ),
        Column("name", Kind.TEXT, True, "The measure as the board reads it.", max_length=300),
        Column(
            "service_area",
            Kind.TEXT,
            True,
            "Service area heading, e.g. Early Help.",
            max_length=100,
        ),
        Column("unit", Kind.CODE, True, "How the value is measured.", _codes(Unit)),
        Column("polarity", Kind.CODE, True, "Which way is better.", _codes(Polarity)),
        Column(
            "decimals", Kind.INTEGER, False, "Decimal places to show (0-4). Default 1.", default="1"
        ),
        Column(
            "frequency",
            Kind.CODE,
            False,
            "How often a value is expected. Default monthly.",
            _codes(Frequency),
            default="monthly",
        ),
        Column("baseline_value", Kind.NUMBER, False, "The value when the plan started."),
        Column("baseline_period", Kind.MONTH, False, "The month of the baseline value."),
        Column("target_value", Kind.NUMBER, False, "The final target."),
        Column(
            "target_operator",
            Kind.CODE,
            False,
            "How the target is met. Default from "
            "polarity: >= higher is better, <= lower is better, = neutral.",
            _codes(TargetOperator),
        ),
        Column("target_date", Kind.MONTH, False, "The month by which the target should be met."),
        Column(
            "tolerance",
            Kind.NUMBER,
            False,
            "Amber band around the target, in the "
            "measure's unit. Default: 5 points for percentages, 10% of the target otherwise.",
        ),
        Column(
            "outcome", Kind.TEXT, False, "The outcome this measure evidences.", max_length=MAX_TEXT
        ),
        Column("lead", Kind.TEXT, False, "Who leads on this measure.", max_length=200),
        Column(
            "local_indicator",
            Kind.BOOL,
            False,
            "true when the measure is local (no published equivalent). Default true.",
            default="true",
        ),
        Column(
            "benchmark_measure",
            Kind.TEXT,
            False,
            "The published (LAIT) measure code this measure is compared with, e.g. LAC.",
            max_length=100,
        ),
    ),
)

ACTUALS = Sheet(
    name="Actuals",
    description="One row per indicator, month and breakdown. A blank value is skipped and "
    "listed as not supplied, never stored as zero.",
    key=("indicator_id", "period", "breakdown"),
    required=True,
    columns=(
        Column(
            "indicator_id",
            Kind.ID,
            True,
            "An id from the Indicators sheet or the store.",
            max_length=MAX_ID,
        ),
        Column("period", Kind.MONTH, True, "The month: a date cell (any day) or YYYY-MM text."),
        Column("value", Kind.NUMBER, True, "The figure for the month, in the indicator's unit."),
        Column(
            "numerator", Kind.NUMBER, False, "For percentages and rates: the count above the line."
        ),
        Column(
            "denominator",
            Kind.NUMBER,
            False,
            "For percentages and rates: the count below the line.",
        ),
        Column(
            "breakdown",
            Kind.TEXT,
            False,
            "A breakdown such as a team or age band. Default All.",
            max_length=100,
            default="All",
        ),
        Column(
            "status",
            Kind.CODE,
            False,
            "provisional (default) or validated.",
            _codes(ActualStatus),
            default="provisional",
        ),
    ),
)

TARGETS = Sheet(
    name="Targets",
    description="Optional trajectory: the target that applies from that month on.",
    key=("indicator_id", "period"),
    columns=(
        Column("indicator_id", Kind.ID, True, "An indicator id.", max_length=MAX_ID),
        Column("period", Kind.MONTH, True, "The month from which this target applies."),
        Column("target_value", Kind.NUMBER, True, "The target for that month."),
    ),
)

COMPARATORS = Sheet(
    name="Comparators",
    description="Published comparators quoted for a measure, with their own period.",
    key=("indicator_id", "comparator", "period_label"),
    columns=(
        Column("indicator_id", Kind.ID, True, "An indicator id.", max_length=MAX_ID),
        Column("comparator", Kind.CODE, True, "Who the figure describes.", _codes(ComparatorKind)),
        Column(
            "period_label", Kind.TEXT, True, "The published period, e.g. 2019-20.", max_length=40
        ),
        Column("period_end", Kind.DATE, True, "The date that period ends, e.g. 2020-03-31."),
        Column(
            "value",
            Kind.COMPARATOR_VALUE,
            True,
            "The published value, or a suppression "
            "symbol (c, x, z, k, u, low, -) meaning no value.",
        ),
        Column("source", Kind.TEXT, False, "Where the figure was published.", max_length=300),
    ),
)

COMMENTARY = Sheet(
    name="Commentary",
    description="What happened and what we are doing about it. The uploader is the author.",
    key=("indicator_id", "period"),
    columns=(
        Column("indicator_id", Kind.ID, True, "An indicator id.", max_length=MAX_ID),
        Column("period", Kind.MONTH, True, "The month the commentary explains."),
        Column("commentary", Kind.TEXT, True, "The commentary.", max_length=MAX_TEXT),
    ),
)

ACTIONS = Sheet(
    name="Actions",
    description="The improvement plan: one row per action. Its status and update are a progress "
    "report dated status_as_of (default: the day of the load); the Updates sheet adds more.",
    key=("action_id",),
    columns=(
        Column("action_id", Kind.ID, True, "Short stable id, e.g. LS-01.", max_length=MAX_ID),
        Column(
            "recommendation",
            Kind.TEXT,
            True,
            "The recommendation the action answers.",
            max_length=MAX_TEXT,
        ),
        Column(
            "outcome",
            Kind.TEXT,
            False,
            "What difference this will make, and how we will know.",
            max_length=MAX_TEXT,
        ),
        Column("action", Kind.TEXT, True, "What will be done.", max_length=MAX_TEXT),
        Column("lead", Kind.TEXT, True, "Who leads the action.", max_length=200),
        Column("due_date", Kind.DATE, True, "When it is due: a date cell or YYYY-MM-DD."),
        Column("status", Kind.CODE, True, "Progress.", _codes(ActionStatus)),
        Column("update", Kind.TEXT, False, "The latest progress update.", max_length=MAX_TEXT),
        Column(
            "linked_indicators",
            Kind.ID_LIST,
            False,
            "Indicator ids separated by ;",
            max_length=MAX_TEXT,
        ),
        # Optional columns added for the plan pages (issue #9); the nine above are DESIGN's.
        Column(
            "recommendation_id",
            Kind.ID,
            False,
            "The recommendation's id on the Recommendations sheet, linking the action to its "
            "plan, timescale, theme and outcome.",
            max_length=MAX_ID,
        ),
        Column(
            "area",
            Kind.TEXT,
            False,
            "The service area the action belongs to, e.g. Early Help (area pages and filters).",
            max_length=100,
        ),
        Column(
            "lead_agency",
            Kind.TEXT,
            False,
            "The agency that leads, when it is not the council's children's services.",
            max_length=200,
        ),
        Column("partners", Kind.TEXT, False, "Key partners.", max_length=MAX_TEXT),
        Column("resources", Kind.TEXT, False, "Cost or resources.", max_length=MAX_TEXT),
        Column(
            "how_measured",
            Kind.TEXT,
            False,
            "How progress is measured: the plan's performance measure or evidence.",
            max_length=MAX_TEXT,
        ),
        Column(
            "due_text",
            Kind.TEXT,
            False,
            "The deadline as the plan words it, e.g. Report to CMT in April 2013.",
            max_length=300,
        ),
        Column(
            "status_as_of",
            Kind.DATE,
            False,
            "The date the status and update describe. Default: the day the workbook is loaded.",
        ),
        Column(
            "revised_due_date",
            Kind.DATE,
            False,
            "A revised deadline. The original due_date stays shown beside it.",
        ),
    ),
)

#: Coded values of the plan sheets.
TIMESCALES: tuple[str, ...] = ("immediately", "3 months", "6 months")
JUDGEMENTS: tuple[str, ...] = ("met", "partly_met", "not_met")

UPDATES = Sheet(
    name="Updates",
    description="Progress updates, appended each reporting cycle: one row per action and date. "
    "A later row never replaces an earlier one; the newest is the action's status.",
    key=("action_id", "as_of"),
    columns=(
        Column(
            "action_id",
            Kind.ID,
            True,
            "An action id from the Actions sheet or the store.",
            max_length=MAX_ID,
        ),
        Column("as_of", Kind.DATE, True, "The date the update describes (not in the future)."),
        Column("status", Kind.CODE, True, "Progress at that date.", _codes(ActionStatus)),
        Column("update", Kind.TEXT, False, "What has happened.", max_length=MAX_TEXT),
        Column(
            "revised_due_date",
            Kind.DATE,
            False,
            "A revised deadline, if the timescale has changed. The original stays shown.",
        ),
        Column("author", Kind.TEXT, False, "Who wrote it. Default: the uploader.", max_length=200),
    ),
)

RECOMMENDATIONS = Sheet(
    name="Recommendations",
    description="The recommendations the plan answers (an inspection, an investigation report, "
    "a practice review), with their timescale, theme and the outcome sought.",
    key=("recommendation_id",),
    columns=(
        Column("recommendation_id", Kind.ID, True, "Short stable id, e.g. R1.", max_length=MAX_ID),
        Column("recommendation", Kind.TEXT, True, "The recommendation.", max_length=MAX_TEXT),
        Column(
            "plan",
            Kind.ID,
            False,
            "A plan_id from the Plans sheet. Blank: the council's own plan.",
            max_length=MAX_ID,
        ),
        Column(
            "source",
            Kind.TEXT,
            False,
            "Where it comes from, e.g. Ofsted ILACS 2019, Investigation report REC 2.",
            max_length=200,
        ),
        Column(
            "timescale",
            Kind.CODE,
            False,
            "The timescale the recommendation set, if any.",
            TIMESCALES,
        ),
        Column("due_date", Kind.DATE, False, "A due date, when one is set instead of a timescale."),
        Column(
            "theme",
            Kind.TEXT,
            False,
            "Theme or improvement priority, e.g. IP1 Improving the quality of front line practice.",
            max_length=200,
        ),
        Column(
            "outcome",
            Kind.TEXT,
            False,
            "What difference will this make?",
            max_length=MAX_TEXT,
        ),
        Column(
            "evidence",
            Kind.TEXT,
            False,
            "... and how will we know? The evidence sources.",
            max_length=MAX_TEXT,
        ),
    ),
)

MILESTONES = Sheet(
    name="Milestones",
    description="Strategic goals and dated milestones: where the plan aims to be by each date.",
    key=("milestone_id",),
    columns=(
        Column("milestone_id", Kind.ID, True, "Short stable id, e.g. G1-3m.", max_length=MAX_ID),
        Column("goal", Kind.TEXT, True, "The strategic goal.", max_length=MAX_TEXT),
        Column("statement", Kind.TEXT, True, "Where we aim to be by then.", max_length=MAX_TEXT),
        Column("due_date", Kind.DATE, True, "The date the milestone falls due."),
        Column(
            "plan",
            Kind.ID,
            False,
            "A plan_id from the Plans sheet. Blank: the council's own plan.",
            max_length=MAX_ID,
        ),
        Column(
            "horizon",
            Kind.TEXT,
            False,
            "The plan's label, e.g. 3 months by end July 2012.",
            max_length=100,
        ),
    ),
)

JUDGEMENTS_SHEET = Sheet(
    name="Judgements",
    description="The board's judgement of each milestone at a meeting, with its evidence.",
    key=("milestone_id", "judged_on"),
    columns=(
        Column(
            "milestone_id",
            Kind.ID,
            True,
            "A milestone id from the Milestones sheet or the store.",
            max_length=MAX_ID,
        ),
        Column("judged_on", Kind.DATE, True, "The date of the board meeting."),
        Column("judgement", Kind.CODE, True, "Was the milestone met?", JUDGEMENTS),
        Column(
            "evidence", Kind.TEXT, False, "The evidence for the judgement.", max_length=MAX_TEXT
        ),
        Column(
            "judged_by", Kind.TEXT, False, "Who judged, e.g. Improvement Board.", max_length=200
        ),
    ),
)

PLANS = Sheet(
    name="Plans",
    description="Only needed for more than one plan (e.g. an example plan from another council): "
    "names each plan that Recommendations and Milestones refer to.",
    key=("plan_id",),
    columns=(
        Column("plan_id", Kind.ID, True, "Short stable id, e.g. plan-2020.", max_length=MAX_ID),
        Column("name", Kind.TEXT, True, "The plan's title.", max_length=300),
        Column("council", Kind.TEXT, False, "Whose plan it is.", max_length=100),
        Column(
            "example",
            Kind.BOOL,
            False,
            "true for another council's plan shown as an example: read-only, never linked to "
            "this council's measures. Default false.",
            default="false",
        ),
        Column(
            "as_at",
            Kind.DATE,
            False,
            "The date progress is judged at (days overdue count to it). Blank: today.",
        ),
        Column(
            "next_board_date",
            Kind.DATE,
            False,
            "The next board meeting: what falls due before it is listed. Blank: in 6 weeks.",
        ),
        Column(
            "source",
            Kind.TEXT,
            False,
            "Where the plan comes from, and what in it is real or simulated.",
            max_length=MAX_TEXT,
        ),
    ),
)

#: Data sheets in template order. The Instructions sheet comes first and holds text only.
DATA_SHEETS: tuple[Sheet, ...] = (
    INDICATORS,
    ACTUALS,
    TARGETS,
    COMPARATORS,
    COMMENTARY,
    ACTIONS,
    UPDATES,
    RECOMMENDATIONS,
    MILESTONES,
    JUDGEMENTS_SHEET,
    PLANS,
)
#: The improvement-plan sheets other than Actions: optional, no indicator ids, no units.
PLAN_SHEETS: tuple[Sheet, ...] = (UPDATES, RECOMMENDATIONS, MILESTONES, JUDGEMENTS_SHEET, PLANS)
SHEETS_BY_NAME = {sheet.name.casefold(): sheet for sheet in DATA_SHEETS}
INSTRUCTIONS_SHEET = "Instructions"


def normalise_name(text: object) -> str:
    """Sheet and header names match trimmed and case-insensitively; a `*` marks required."""
    return str(text).strip().rstrip("*").strip().casefold()
