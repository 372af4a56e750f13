"""What an export (or the board page) reads from the store: one version, its measures in board
order, and each measure's chart.

``open_board`` resolves the "as of" board date to a published version once, so a whole pack reads
one snapshot and names it; rows come from the scorecard precomputed at publish (no heavy work per
request). ``Board.chart`` builds a measure's trend figure with indicators.figures, the same dict
the measure page draws, after small-number suppression when the export is for publication, so
the figure fed to kaleido never holds a hidden count.

The plan's actions linked to a measure come through a HOOK, ``register_linked_actions``: by
default the improvement plan feature's own reading (indicators.plan: this council's plans,
exceptions first, judged at the board date); another provider can be registered in its place.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from indicators import figures, metrics
from indicators.store import Snapshot, Store, StoreUnavailable
from loaders.exports import content
from loaders.exports.suppression import (
    Suppression,
    figure_row,
    mask_text,
    suppress_pairs,
    suppress_points,
    suppress_row,
)
from loaders.exports.tables import ExportContext

#: Defaults for settings this feature reads with getattr (declared by the lead, see the README).
DEFAULT_THRESHOLD = 5
DEFAULT_ROUND_TO = 0


class ExportError(Exception):
    """Something the user can fix or must be told plainly (CLI exit 2, HTTP 4xx/503)."""

    status = 400


class NotFound(ExportError):
    status = 404


@dataclass(frozen=True)
class Options:
    """What the user asked for: the board date, areas, measures, and publication."""

    as_of: str | None = None
    areas: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    publication: bool = False
    round_to: int | None = None  # None: the setting suppression_round_to


def policy_for(settings: Any, options: Options) -> Suppression | None:
    if not options.publication:
        return None
    threshold = int(getattr(settings, "suppression_threshold", DEFAULT_THRESHOLD))
    round_to = options.round_to
    if round_to is None:
        round_to = int(getattr(settings, "suppression_round_to", DEFAULT_ROUND_TO))
    try:
        return Suppression(threshold=threshold, round_to=round_to)
    except ValueError as exc:
        raise ExportError(str(exc)) from exc


def resolve_snapshot(store: Store, as_of: str | None) -> tuple[Snapshot, dt.date]:
    """The version published by the end of the board date (``YYYY-MM-DD``) or a given load
    (``load:N``), and the date the export is "as of" (today when none is given)."""
    try:
        snap = store.snapshot()
    except StoreUnavailable as exc:
        raise ExportError(str(exc)) from exc
    text = (as_of or "").strip()
    if not text:
        return snap, dt.date.today()
    if text.lower().startswith("load:"):
        try:
            earlier = snap.at_version(int(text[5:]))
        except ValueError as exc:
            raise ExportError(f"as of {text!r}: {exc}") from exc
        published = _published_at(earlier)
        return earlier, published.date() if published else dt.date.today()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ExportError(f"as of {text!r}: use a date (YYYY-MM-DD) or load:N") from exc
    found = snap.at_date(day)
    if found is None:
        raise ExportError(f"nothing was published by {content.long_date(day)}")
    return found, day


def as_of_date(snap: Snapshot, as_of: str | None) -> dt.date:
    """The board date an ``as_of`` parameter names (already resolved to ``snap``): the date
    itself, the day load N was published, or today."""
    text = (as_of or "").strip()
    if text and not text.lower().startswith("load:"):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    published = _published_at(snap) if text else None
    return published.date() if published else dt.date.today()


def _published_at(snap: Snapshot) -> dt.datetime | None:
    loads = snap.query("loads")
    mine = loads[loads["load_id"] == snap.version]
    if mine.empty or pd.isna(mine["finished_at"].iloc[0]):
        return None
    return pd.Timestamp(mine["finished_at"].iloc[0]).to_pydatetime()


spc_points = figures.spc_points


def _none_if_nan(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


# --------------------------------------------------------------------------------------------------
# HOOK: the improvement plan's actions linked to a measure
# --------------------------------------------------------------------------------------------------

LinkedActions = Callable[[Snapshot, str], list[dict[str, Any]]]


def actions_from_plan(snap: Snapshot, indicator_id: str) -> list[dict[str, Any]]:
    """The default: the improvement plan's actions linked to the measure (indicators.plan),
    exceptions first, judged today. A board reads them once for all its measures, judged at
    its board date (``Board.actions``)."""
    from indicators import plan

    return plan.actions_for_measure(snap, indicator_id)


_LINKED_ACTIONS: dict[str, LinkedActions] = {"provider": actions_from_plan}


def register_linked_actions(provider: LinkedActions) -> None:
    """HOOK: replace where a measure's linked actions come from. ``provider(snapshot,
    indicator_id)`` returns dicts with ``action_id``, ``action``, ``status`` (not_started,
    on_track, at_risk, off_track, complete) or ``status_label``, ``due_date`` (ISO) and
    optionally ``overdue_text``; the board page and every pack show them under "Why, and what
    are we doing?". The default is the plan feature's own view of its actions."""
    _LINKED_ACTIONS["provider"] = provider


def linked_actions(snap: Snapshot, indicator_id: str) -> list[dict[str, Any]]:
    return _LINKED_ACTIONS["provider"](snap, indicator_id)


# --------------------------------------------------------------------------------------------------
# The board: one version, its measures in order, each measure's chart
# --------------------------------------------------------------------------------------------------


@dataclass
class Chart:
    """A measure's chart: the figure dict (as fed to the browser or kaleido), its text
    alternative, the points behind it, and whether publication hid any of them."""

    figure: dict[str, Any]
    alt: str
    points: list[dict[str, Any]]
    hidden: bool = False


@dataclass
class Board:
    """The measures a board meets, from one published version, in board order."""

    settings: Any
    snap: Snapshot
    options: Options
    context: ExportContext
    rows: list[dict[str, Any]]
    policy: Suppression | None = None
    #: The rows before suppression, by "indicator_id|breakdown": SPC runs on the real values.
    raw: dict[str, dict[str, Any]] = field(default_factory=dict)
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    _plan_actions: dict[str, list[dict[str, Any]]] | None = None

    def frame(self, name: str) -> pd.DataFrame:
        """A whole-version query, read once per board (targets, commentary, actions)."""
        if name not in self._frames:
            self._frames[name] = self.snap.query(name)
        return self._frames[name]

    def actions(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        """The plan's actions linked to ``row``'s measure (see ``register_linked_actions``)."""
        if _LINKED_ACTIONS["provider"] is not actions_from_plan:
            return linked_actions(self.snap, row["indicator_id"])
        if self._plan_actions is None:
            self._plan_actions = _plan_actions_by_measure(self)
        return self._plan_actions.get(row["indicator_id"], [])

    def actuals(self, row: dict[str, Any]) -> pd.DataFrame:
        return self.snap.query(
            "actuals_for_breakdown", indicator_id=row["indicator_id"], breakdown=row["breakdown"]
        )

    def chart(self, row: dict[str, Any], *, font_size: int = 16, height: int | None = 460) -> Chart:
        """The trend figure for ``row`` (a row of ``self.rows``: already suppressed when the
        board is for publication), with hover text and alt text that agree with it."""
        ident = row["indicator_id"]
        actuals = self.actuals(row)
        points = spc_points(actuals, self.raw.get(f"{ident}|{row['breakdown']}", row))
        targets = self.frame("targets")
        mine = targets[targets["indicator_id"] == ident]
        trajectory = (
            [
                (pd.Timestamp(p).date().isoformat(), float(v))
                for p, v in zip(mine["period"], mine["target_value"], strict=True)
                if not pd.isna(v)
            ]
            if row.get("final_target") is not None
            else []
        )
        notes = self.frame("commentary")
        notes = notes[notes["indicator_id"] == ident]
        marks = [
            {"period": pd.Timestamp(n.period).date().isoformat(), "text": str(n.commentary)}
            for n in notes.itertuples()
        ]
        hidden = False
        if self.policy is not None:
            points, hidden = suppress_points(points, row["unit"], self.policy)
            trajectory = suppress_pairs(trajectory, row["unit"], self.policy)  # type: ignore[assignment]
            if row["unit"] == "count":
                marks = [{**m, "text": mask_text(m["text"], self.policy) or ""} for m in marks]
        fig = figures.trend_figure(
            figure_row(row), points, trajectory, marks, height=height or 460, font_size=font_size
        )
        if height is None:
            fig["layout"].pop("height", None)
            fig["layout"]["autosize"] = True
        if hidden:
            _mark_hidden(fig, row, points)
        return Chart(fig, content.alt_text(row), points, hidden)


def _plan_actions_by_measure(board: Board) -> dict[str, list[dict[str, Any]]]:
    """Every measure's linked actions from one reading of the plan, judged at the board date
    (this council's plans only; exceptions first), as indicators.plan words them."""
    from indicators import plan

    data = plan.load(
        board.snap, str(getattr(board.settings, "plan_name", "") or "Improvement plan")
    )
    by_measure: dict[str, list[dict[str, Any]]] = {}
    for view in sorted(data.views(board.context.as_of), key=plan.exception_key):
        owner = data.plan(view.action.plan)
        if owner.example:
            continue
        record = plan.view_record(view, owner)
        for indicator_id in view.action.linked:
            by_measure.setdefault(indicator_id, []).append(record)
    return by_measure


def _mark_hidden(fig: dict[str, Any], row: dict[str, Any], points: list[dict[str, Any]]) -> None:
    """Hover text says ``c`` at a hidden month (figures would say "–", i.e. no data), and the
    chart says why its line has gaps; with every month hidden it says so in the middle and
    drops the meaningless axis numbers."""
    for trace in fig["data"]:
        if trace.get("name") == "Actual":
            trace["hovertext"] = [
                f"{content.month(p['date'])}: "
                + ("c" if p.get("suppressed") else content.show(row, p["value"]))
                for p in points
            ]
    layout = fig["layout"]
    # No digits in these notes: the method (with the threshold) is on the first page.
    if all(p.get("value") is None for p in points):
        layout["yaxis"] = {**layout.get("yaxis", {}), "showticklabels": False}
        note = {
            "x": 0.5,
            "y": 0.5,
            "xanchor": "center",
            "yanchor": "middle",
            "text": "Every month is a small count: shown as c, not drawn",
            "font": {"size": 20, "color": figures.BLACK},
        }
    else:
        note = {
            "x": 0,
            "y": 1.0,
            "xanchor": "left",
            "yanchor": "bottom",
            "text": "Gaps: small counts shown as c, not drawn; SPC limits not shown",
            "font": {"size": 15, "color": figures.DARK_GREY},
        }
    layout.setdefault("annotations", []).append(
        {"xref": "paper", "yref": "paper", "showarrow": False, **note}
    )


def open_board(
    settings: Any, options: Options, *, snapshot: tuple[Snapshot, dt.date] | None = None
) -> Board:
    """The board for ``options``: the snapshot (resolved from ``options.as_of`` unless given),
    its scorecard rows filtered to the areas and measures asked for, in board order, suppressed
    for publication when asked."""
    snap, as_of = snapshot or resolve_snapshot(Store.from_settings(settings), options.as_of)
    rows = [json.loads(p) for p in snap.query("scorecard")["payload"]]
    unknown = content.unknown_areas(rows, options.areas)
    if unknown:
        names = "; ".join(sorted({r["service_area"] for r in rows}))
        raise ExportError(f"no service area called {', '.join(unknown)}; the areas are: {names}")
    name_of = {content.slug(r["service_area"]): r["service_area"] for r in rows}
    area_names = tuple(dict.fromkeys(name_of[content.slug(a)] for a in options.areas if a.strip()))
    rows = content.filter_areas(rows, options.areas)
    if options.measures:
        wanted = set(options.measures)
        missing = sorted(wanted - {r["indicator_id"] for r in rows})
        if missing:
            raise NotFound(f"no measure {', '.join(missing)} in this version")
        rows = [r for r in rows if r["indicator_id"] in wanted]
    rows = content.board_order(rows)
    raw = {f"{r['indicator_id']}|{r['breakdown']}": r for r in rows}
    policy = policy_for(settings, options)
    if policy is not None:
        rows = [suppress_row(r, policy) for r in rows]
    context = ExportContext(
        council=str(getattr(settings, "council_name", "")),
        plan=str(getattr(settings, "plan_name", "")),
        version=snap.version,
        latest=snap.latest,
        as_of=as_of,
        published_at=_published_at(snap),
        areas=area_names,
        publication_note=policy.note() if policy else None,
    )
    return Board(settings, snap, options, context, rows, policy, raw)


# --------------------------------------------------------------------------------------------------
# One measure's data, for the measure export
# --------------------------------------------------------------------------------------------------


def measure_records(
    board: Board, indicator_id: str, breakdown: str | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The headline row and the monthly records of one measure (every breakdown, or one)."""
    rows = [r for r in board.rows if r["indicator_id"] == indicator_id]
    if not rows:
        raise NotFound(f"there is no measure {indicator_id!r} in this version")
    row = rows[0]
    raw = board.raw.get(f"{indicator_id}|{row['breakdown']}", row)  # SPC needs real values
    actuals = board.snap.query("actuals_for_indicator", indicator_id=indicator_id)
    if breakdown:
        if breakdown not in set(actuals["breakdown"]):
            raise NotFound(f"measure {indicator_id!r} has no breakdown {breakdown!r}")
        actuals = actuals[actuals["breakdown"] == breakdown]
    targets = board.frame("targets")
    mine = targets[targets["indicator_id"] == indicator_id]
    trajectory = [
        (pd.Timestamp(p).date(), None if pd.isna(v) else float(v))
        for p, v in zip(mine["period"], mine["target_value"], strict=True)
    ]
    # The unsuppressed final target: the row's may already read "c".
    indicators = board.frame("indicators")
    final = _none_if_nan(
        indicators.loc[indicators["indicator_id"] == indicator_id, "target_value"].iloc[0]
    )
    records: list[dict[str, Any]] = []
    for part, unsorted in actuals.groupby("breakdown", sort=False):
        frame = unsorted.sort_values("period")
        whole = part == row["breakdown"]
        # A count's target is for the whole council, never for one team (as the scorecard).
        with_target = whole or row["unit"] != "count"
        points = spc_points(frame, raw if with_target else {**raw, "target": None})
        by_month = {p["date"][:7]: p for p in points}
        hidden_any = False
        part_records = []
        for a in frame.itertuples():
            day = pd.Timestamp(a.period).date()
            point = by_month.get(day.isoformat()[:7], {})
            target = metrics.target_for_period(day, trajectory, final) if with_target else None
            record = {
                "decimals": row["decimals"],
                "data_version": board.context.version,
                "as_of": board.context.as_of,
                "indicator_id": indicator_id,
                "measure": row["name"],
                "breakdown": part,
                "month": day,
                "value": _none_if_nan(a.value),
                "unit": row["unit_label"],
                "numerator": _none_if_nan(a.numerator),
                "denominator": _none_if_nan(a.denominator),
                "status": a.status,
                "target": target,
                "spc_mean": point.get("mean"),
                "spc_lower": point.get("lpl"),
                "spc_upper": point.get("upl"),
                "spc_point": (point.get("point_type") or "").replace("_", " "),
                "came_from": f"{a.source_sheet or ''} row {a.source_row}, load {a.valid_from_load}",
            }
            if board.policy is not None and row["unit"] == "count":
                for key in ("value", "numerator", "target"):
                    record[key] = board.policy.value(record[key])
                hidden_any = hidden_any or record["value"] == "c"
            part_records.append(record)
        if hidden_any:
            for record in part_records:
                record["spc_mean"] = record["spc_lower"] = record["spc_upper"] = None
        elif board.policy is not None and row["unit"] == "count":
            for record in part_records:
                for key in ("spc_mean", "spc_lower", "spc_upper"):
                    shown = board.policy.value(record[key])
                    record[key] = None if shown == "c" else shown
        records.extend(part_records)
    return row, records


def measure_commentary(board: Board, indicator_id: str) -> list[dict[str, Any]]:
    notes = board.frame("commentary")
    notes = notes[notes["indicator_id"] == indicator_id]
    row = next(r for r in board.rows if r["indicator_id"] == indicator_id)
    out = []
    for n in notes.sort_values(["period", "written_at"], ascending=False).itertuples():
        text = str(n.commentary)
        if board.policy is not None and row["unit"] == "count":
            text = mask_text(text, board.policy) or ""
        out.append(
            {
                "decimals": 0,
                "data_version": board.context.version,
                "as_of": board.context.as_of,
                "indicator_id": indicator_id,
                "breakdown": n.breakdown,
                "month": pd.Timestamp(n.period).date(),
                "commentary": text,
                "author": n.author,
                "written": pd.Timestamp(n.written_at).date(),
            }
        )
    return out


def rows_for(board: Board, ids: Sequence[str]) -> list[dict[str, Any]]:
    wanted = set(ids)
    return [r for r in board.rows if r["indicator_id"] in wanted]
