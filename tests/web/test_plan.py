"""Web layer for the improvement plan: /plan for every plan, its URL filters and exception order,
the linked-actions panel of the measure and area pages, the board's helper, and the update form
through Dash's callback route, authorised on the server by ``can_update_action`` for each role.
The module's app serves a private copy of the demo store (tests/web/conftest.py), so the form's
tests may write; they run last."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from indicators import plan as rules
from indicators.pages import _auth, _context
from indicators.pages import _plan_components as parts
from loaders.ops import Account
from tests.integration.test_publish import store_files
from tests.web.callbacks import call, text_of
from tests.web.tree import ids_in, text_in, walk


def _by_id(component: Any, ident: str) -> Any:
    return next(c for c in walk(component) if getattr(c, "id", None) == ident)


def _action_ids(component: Any) -> list[str]:
    """Action ids in table order."""
    return [c.children for c in walk(component) if getattr(c, "className", "") == "mtm-action-id"]


def _southampton(app: Any) -> tuple[rules.PlanData, list[rules.ActionView]]:
    data = parts.load(_context.snapshot())
    return data, data.views(dt.date.today(), "southampton-2020")


def test_plan_page_shows_the_councils_own_plan_by_default(app: Any) -> None:
    from indicators.pages import plan

    page = plan.layout()
    text = text_in(page)
    assert "Southampton Children and Learning Service Improvement Plan 2020-21" in text_in(
        _by_id(page, "plan-name")
    )
    assert "Progress as at 15 Jul 2021" in text
    assert "Every status and progress update is simulated" in text
    summary = text_in(_by_id(page, "plan-summary"))
    assert summary.startswith("202 actions: ")
    assert "Showing 202 of 202 actions." in text
    figure = _by_id(page, "plan-trend").figure
    assert [t["name"] for t in figure["data"]][-1] == "Overdue"
    assert "Action status at 11 reporting dates from Sep 2020 to 15 Jul 2021" in text
    assert "Record a progress update" not in text  # no one is signed in here
    assert len(ids_in(page)) == len(set(ids_in(page)))
    # Per action: lead, due, status in words, latest update, linked measure with its RAG.
    assert "Reduce the % of agency workers" in text
    links = [c.href for c in walk(page) if getattr(c, "href", "").startswith("/measure/")]
    assert "/measure/ls_agency_workers_pct" in links


@pytest.mark.parametrize(
    ("plan_id", "words", "form"),
    [
        ("stockton-2013", "Revised timescale of January 2014", False),
        ("wiltshire-2012", "Due before the next meeting (15 Nov 2012)", False),
    ],
)
def test_example_plans_are_labelled_and_read_only(
    app: Any, plan_id: str, words: str, form: bool
) -> None:
    from indicators.pages import plan

    page = plan.layout(plan=plan_id)
    text = text_in(page)
    assert "Example plan from another council" in text
    assert words in text
    assert ("plan-update-submit" in ids_in(page)) is form
    assert len(ids_in(page)) == len(set(ids_in(page)))


def test_wiltshire_milestones_show_judgements_and_what_falls_due(app: Any) -> None:
    from indicators.pages import plan

    text = text_in(plan.layout(plan="wiltshire-2012"))
    assert "Strategic goals and milestones" in text
    assert "Children and young people are safe" in text
    assert any(label in text for label in ("✔ Met", "◐ Partly met", "✘ Not met"))
    assert "WLT-G1.1-6m: There is evidence safeguarding is improving" in text
    assert "Simulated: judgement made up for the demo" in text


@pytest.mark.parametrize(
    "params",
    [
        {"area": "looked-after-children"},
        {"lead": "Head of Service, Children's Social Care"},
        {"status": "overdue"},
        {"status": "at_risk"},
        {"status": "complete", "area": "early-help"},
    ],
)
def test_filters_come_from_the_url(app: Any, params: dict[str, str]) -> None:
    from indicators.pages import plan

    data, views = _southampton(app)
    expected = [
        v
        for v in views
        if (not params.get("area") or rules.slug(v.action.area or "") == params["area"])
        and (not params.get("lead") or params["lead"] in rules.split_leads(v.action.lead))
        and (
            not params.get("status")
            or (v.overdue if params["status"] == "overdue" else v.status == params["status"])
        )
    ]
    assert expected, params
    assert plan.filter_views(views, data, **params) == expected
    page = plan.layout(**params)
    assert f"Showing {len(expected)} of {len(views)} actions" in text_in(
        _by_id(page, "plan-showing")
    )
    assert set(_action_ids(page)) == {v.action.action_id for v in expected}
    form = next(c for c in walk(page) if getattr(c, "method", None) == "GET")
    selected = {
        c.id: o.value
        for c in walk(form)
        if c.__class__.__name__ == "Select"
        for o in c.children
        if getattr(o, "selected", False)
    }
    for key, value in params.items():
        assert selected[f"plan-filter-{key}"] == value


def test_timescale_filter_on_the_stockton_example(app: Any) -> None:
    from indicators.pages import plan

    page = plan.layout(plan="stockton-2013", timescale="3 months")
    shown = _action_ids(page)
    # Recommendations 4 to 7 were "within 3 months" (STK-<recommendation><part>-<action>).
    assert shown and {re.match(r"STK-(\d+)", i).group(1) for i in shown} == {"4", "5", "6", "7"}


def test_overdue_and_at_risk_first_on_request(app: Any) -> None:
    from indicators.pages import plan

    _, views = _southampton(app)
    page = plan.layout(exceptions="1")
    order = _action_ids(page)
    assert order == [v.action.action_id for v in sorted(views, key=rules.exception_key)]
    first = next(v for v in views if v.action.action_id == order[0])
    assert first.overdue
    assert "Overdue and at risk first" in text_in(page)


def test_the_board_helper_lists_a_measures_actions_exceptions_first(app: Any) -> None:
    found = rules.actions_for_measure(_context.snapshot(), "lac_number")
    assert [a["action_id"] for a in found] and set(a["action_id"] for a in found) == {
        "CIN-06",
        "LAC-01",
    }
    keys = [(rules.EXCEPTION_RANK[a["exception"]], -a["days_overdue"]) for a in found]
    assert keys == sorted(keys)
    assert json.dumps(found)  # plain values, ready for the board page and exports


def test_linked_actions_panel_on_a_measure(app: Any) -> None:
    panel = parts.linked_actions_panel(_context.snapshot(), indicator_id="ls_agency_workers_pct")
    text = text_in(panel)
    assert "Improvement plan actions" in text and "LS-07" in text
    assert "Reduce the % of agency workers" in text
    none = parts.linked_actions_panel(
        _context.snapshot(), indicator_id="cwd_visits_in_timescale_pct"
    )
    assert "No improvement-plan actions are linked to this measure." in text_in(none)


def test_linked_actions_panel_on_an_area(app: Any) -> None:
    panel = parts.linked_actions_panel(_context.snapshot(), area="looked-after-children")
    shown = set(_action_ids(panel))
    assert {"LAC-01", "LAC-22"} <= shown  # the area's own actions
    assert "CIN-06" in shown  # linked to lac_number, a Looked after Children measure
    assert not any(i.startswith("STK-") for i in shown)  # never another council's plan
    assert len(ids_in(panel)) == len(set(ids_in(panel)))


@pytest.mark.parametrize(
    "path",
    [
        "/plan",
        "/plan?plan=stockton-2013",
        "/plan?plan=wiltshire-2012",
        "/plan?status=overdue&exceptions=1",
    ],
)
def test_plan_routes_answer(client_as: Any, path: str) -> None:
    response = client_as("demo-viewer").get(path)
    assert response.status_code == 200
    assert b'<html lang="en-GB">' in response.data


def test_unknown_version_is_a_message(app: Any) -> None:
    from indicators.pages import plan

    assert "There is no such version" in text_in(plan.layout(as_of="load:999"))


def _account(role: str, areas: tuple[str, ...] = ()) -> Account:
    return Account(1, f"test-{role}", f"Test {role}", role, areas, False, True, "local", 0)


@pytest.mark.parametrize(
    ("account", "offered"),
    [
        (_account("data_team"), 202),
        (_account("service_manager", ("Early Help", "Looked after Children")), 43),
        (_account("viewer"), 0),
        (None, 0),
    ],
)
def test_the_form_offers_the_actions_the_hook_allows(
    app: Any, monkeypatch: pytest.MonkeyPatch, account: Account | None, offered: int
) -> None:
    from indicators.pages import plan

    monkeypatch.setattr(_auth, "current_account", lambda: account)
    page = plan.layout()
    if not offered:
        assert "plan-update-submit" not in ids_in(page)
        return
    options = _by_id(page, "plan-update-action").options
    assert len(options) == offered
    _, views = _southampton(app)
    areas = {v.action.action_id: v.action.area for v in views}
    if account is not None and account.role == "service_manager":
        assert {areas[o["value"]] for o in options} == {"Early Help", "Looked after Children"}
    assert "plan-update-submit" not in ids_in(plan.layout(plan="stockton-2013"))


def _submit(client: Any, **values: Any) -> Any:
    return call(
        client,
        "plan-update-result",
        {
            "plan-update-submit.n_clicks": 1,
            **{f"plan-update-{k.replace('_', '-')}.value": v for k, v in values.items()},
        },
    )


def test_the_form_records_an_update(app: Any, client_as: Any) -> None:
    from indicators.pages import plan

    response = _submit(
        client_as("demo-data-team"),
        action="LS-07",
        as_of="2021-07-12",
        status="off_track",
        text="Agency use rose again.",
        revised="2021-11-30",
    )
    assert response.status_code == 200
    assert "Update recorded on LS-07" in text_of(response)
    text = text_in(plan.layout(status="off_track"))
    assert "Agency use rose again." in text and "12 Jul 2021, demo-data-team" in text
    assert "Due Jan 2021, revised to Nov 2021" in text
    assert any(
        r["action"] == "plan_update" and r["outcome"] == "success" for r in _auth.ops().audit_log()
    )


def test_the_form_reports_problems_and_changes_nothing(app: Any, client_as: Any) -> None:
    before = store_files(_context.settings())
    response = _submit(
        client_as("demo-data-team"), action="LS-07", as_of="31/06/2021", status="done"
    )
    answer = text_of(response)
    assert "The update was not recorded" in answer
    assert "ambiguous" in answer and "allowed values" in answer
    assert store_files(_context.settings()) == before


@pytest.mark.parametrize(
    ("username", "action_id", "allowed"),
    [
        ("demo-manager", "EH-02", True),  # Early Help: in the manager's areas
        ("demo-manager", "LS-07", False),  # Leadership and Stability: not theirs
        ("demo-viewer", "EH-02", False),
        ("demo-admin", "EH-02", False),
        ("demo-data-team", "NO-SUCH", False),
    ],
)
def test_the_form_is_authorised_on_the_server(
    app: Any, client_as: Any, username: str, action_id: str, allowed: bool
) -> None:
    before = store_files(_context.settings())
    response = _submit(
        client_as(username), action=action_id, as_of="2021-07-01", status="on_track", text="x"
    )
    if allowed:
        assert "Update recorded" in text_of(response)
        return
    assert response.status_code == 204  # a forged post gets nothing back
    assert store_files(_context.settings()) == before
    denied = [r for r in _auth.ops().audit_log() if r["target"] == "plan.update"]
    assert denied and denied[0]["outcome"] == "denied"
