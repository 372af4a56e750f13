"""The board's words and order (loaders/exports/content.py), and the export layers' imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loaders.exports import content
from loaders.exports.suppression import Suppression, suppress_row

ROOT = Path(__file__).resolve().parents[2]


def row(ident: str, area: str, **changes: Any) -> dict[str, Any]:
    base = {
        "indicator_id": ident,
        "name": ident.replace("_", " ").title(),
        "service_area": area,
        "breakdown": "All",
        "unit": "percent",
        "unit_label": "%",
        "decimals": 1,
        "polarity": "higher_is_better",
        "rag": "green",
        "rag_label": "On target",
        "variation_type": "common_cause",
        "variation_label": "Common cause variation",
        "variation_symbol": "~ common cause",
        "assurance_type": "inconsistent",
        "assurance_label": "Hit and miss target",
        "assurance_symbol": "? hit and miss",
        "exception_score": 0,
        "latest_value": 80.0,
        "latest_period": "2021-06-01",
        "latest_status": "provisional",
        "first_period": "2019-07-01",
        "previous_value": 79.0,
        "baseline_value": 70.0,
        "baseline_period": "2019-09-01",
        "target": 75.0,
        "final_target": 75.0,
        "target_operator": ">=",
        "target_date": "2021-03-01",
        "gap": 5.0,
        "direction_last": {"arrow": "▲", "word": "improving", "judgement": "good"},
        "direction_baseline": {"arrow": "▲", "word": "improving", "judgement": "good"},
        "local_indicator": True,
        "benchmark_measure": None,
        "published": None,
        "quoted_comparators": [],
        "quartile": None,
        "trial_limits": False,
        "forecast": None,
        "commentary": None,
        "sparkline": [],
    }
    base.update(changes)
    return base


def test_exceptions_come_first_worst_first_then_by_service_area_in_plan_order() -> None:
    rows = [
        row("a1", "Adoption"),
        row("b1", "Early Help", rag="red", rag_label="Off target", exception_score=40),
        row("a2", "Adoption", variation_type="special_cause_concern", exception_score=10),
        row("c1", "Youth Justice"),
        row("b2", "Early Help"),
        row("c2", "Youth Justice", rag="red", assurance_type="consistent_fail", exception_score=45),
        row("a3", "Adoption", rag="amber", exception_score=20),  # amber alone: no exception
    ]
    order = [r["indicator_id"] for r in content.board_order(rows)]
    assert order == ["c2", "b1", "a2", "a1", "a3", "b2", "c1"]


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        ({}, []),
        ({"rag": "red"}, ["off target"]),
        ({"variation_type": "special_cause_concern"}, ["special cause concern"]),
        ({"assurance_type": "consistent_fail"}, ["consistently failing its target"]),
    ],
)
def test_exception_reasons(changes: dict[str, Any], reasons: list[str]) -> None:
    assert content.exception_reasons(row("x", "A", **changes)) == reasons


def test_areas_filter_by_name_or_slug_and_unknown_ones_are_named() -> None:
    rows = [row("a", "Fostering/ Placements"), row("b", "Early Help")]
    assert content.filter_areas(rows, ["fostering-placements"]) == [rows[0]]
    assert content.filter_areas(rows, ["Early Help"]) == [rows[1]]
    assert content.filter_areas(rows, []) == rows
    assert content.unknown_areas(rows, ["early-help", "nowhere"]) == ["nowhere"]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"gap": 5.0}, "better than the target by 5.0 percentage points"),
        ({"gap": -1.0, "decimals": 0}, "short of the target by 1 percentage point"),
        ({"gap": 0.0}, "meets the target exactly"),
        ({"gap": -2.0, "target_operator": "="}, "2.0 percentage points away from the target"),
        ({"gap": -12.0, "unit": "days", "decimals": 0}, "short of the target by 12 days"),
        ({"gap": None}, ""),
    ],
)
def test_gap_in_words(changes: dict[str, Any], words: str) -> None:
    assert content.gap_text(row("x", "A", **changes)) == words


def test_four_answers_in_words() -> None:
    r = row(
        "x",
        "A",
        rag="red",
        rag_label="Off target",
        gap=-3.0,
        commentary={"period": "2021-05-01", "text": "Two posts filled.", "author": "Ann"},
    )
    actions = [
        {"action_id": "A-1", "action": "Recruit", "status": "at_risk", "due_date": "2021-09-30"},
        {"action_id": "A-2", "action": "Audit", "status": "complete", "due_date": None},
        {"action_id": "A-3", "action": "Train", "status": "on_track", "due_date": None},
    ]
    target, changing, compare, why = content.answers(r, actions, most_actions=2)
    assert target.headline == "✘ Off target: short of the target by 3.0 percentage points"
    assert "Latest Jun 2021: 80.0% (provisional)" in target.details
    assert changing.headline == "~ Common cause variation"
    assert compare.headline == "Local measure: no published comparators"
    assert why.headline == "Two posts filled."
    assert why.details == [
        "Ann, May 2021 (an earlier month)",
        "Action A-1: Recruit (At risk, due Sep 2021)",
        "Action A-2: Audit (Complete)",
        "and 1 more linked action in the plan",
    ]


def test_key_figures_and_summary_are_text_with_suppressed_counts_as_c() -> None:
    counted = row(
        "n",
        "A",
        unit="count",
        unit_label="count",
        decimals=0,
        latest_value=3.0,
        target=4.0,
        final_target=4.0,
        gap=-1.0,
        baseline_value=9.0,
        rag="red",
        rag_label="Off target",
    )
    shown = suppress_row(counted, Suppression())
    figures = dict(content.key_figures(shown))
    assert figures["Latest"] == "Jun 2021: c (provisional)"
    assert figures["Target"] == ">= c by Mar 2021"
    assert figures["Baseline"] == "9 (Sep 2019)"
    assert figures["Against target"] == "✘ Off target: short of the target by c"
    assert content.summary_record(shown)["latest"] == "c (Jun 2021, provisional)"
    assert "c" in content.alt_text(shown) and " 3" not in content.alt_text(shown)


PURE = ["loaders.exports.suppression", "loaders.exports.content", "loaders.exports.tables"]


@pytest.mark.parametrize("module", PURE)
def test_pure_export_modules_import_neither_dash_nor_duckdb(module: str) -> None:
    code = (
        f"import sys, {module}; bad = [m for m in ('dash', 'duckdb', 'flask') "
        "if m in sys.modules]; print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"{module} pulls in {proc.stdout.strip()} {proc.stderr[-300:]}"


def test_exports_never_import_pages_dash_or_the_app() -> None:
    for path in (ROOT / "loaders" / "exports").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path.name} has no docstring"
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            bad = [n for n in names if n.startswith(("indicators.pages", "app", "dash"))]
            assert not bad, f"{path.name} imports {bad}"


def test_the_cli_module_is_light_to_import() -> None:
    code = (
        "import sys, loaders.exports.cli; heavy = [m for m in ('pptx', 'weasyprint', 'kaleido', "
        "'duckdb', 'pandas') if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-300:]
