"""The page shown for an address that is no page of the dashboard (Dash Pages finds it by name).

`app.py` also answers such an address with HTTP status 404, so a link checker or a crawler sees
the broken link; the browser still shows this page inside the dashboard's header and navigation.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

dash.register_page(__name__, path="/404", title="Page not found", name="Page not found")


def layout(**_: Any) -> html.Div:
    return html.Div(
        [
            html.H1("Page not found", className="govuk-heading-xl"),
            html.P(
                "If you typed the web address, check it is correct. If you pasted it, check "
                "you copied the whole address.",
                className="govuk-body",
            ),
            html.P(
                [
                    "Every measure is listed on the ",
                    dcc.Link("scorecard", href="/", className="govuk-link"),
                    "; the improvement plan is on the ",
                    dcc.Link("plan", href="/plan", className="govuk-link"),
                    " page.",
                ],
                className="govuk-body",
            ),
        ]
    )
