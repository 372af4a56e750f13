"""`/accessibility`: the accessibility statement the public sector regulations require."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

dash.register_page(
    __name__, path="/accessibility", title="Accessibility statement", name="Accessibility"
)


def layout(**_: Any) -> html.Div:
    return html.Div(
        [
            html.H1("Accessibility statement", className="govuk-heading-xl"),
            html.P(
                "This dashboard is run by the council's children's services performance team. "
                "We want as many people as possible to be able to use it. You should be able to:",
                className="govuk-body",
            ),
            html.Ul(
                className="govuk-list govuk-list--bullet",
                children=[
                    html.Li("zoom in up to 400% without the text spilling off the screen"),
                    html.Li("navigate every page using just a keyboard"),
                    html.Li(
                        "read every chart as text: each has a written description and a data table"
                    ),
                    html.Li(
                        "tell every status (on target, special cause) by a word or symbol, "
                        "not only "
                        "by colour"
                    ),
                ],
            ),
            html.H2("How accessible this dashboard is", className="govuk-heading-m"),
            html.P(
                "We test each release with an automated accessibility scan (axe-core) and "
                "keyboard-only journeys in a real browser. Known issues:",
                className="govuk-body",
            ),
            html.Ul(
                className="govuk-list govuk-list--bullet",
                children=[
                    html.Li(
                        "Interactive chart tooltips are not announced by screen readers; the same "
                        "information is in the chart's description and data table."
                    ),
                    html.Li(
                        "The sortable tables of measures, and of each measure's monthly figures, "
                        "are built with AG Grid, which screen readers announce as a grid. The "
                        "same figures are in each chart's written description, in the board's "
                        "table view (a plain table) and in the Excel and CSV downloads."
                    ),
                    html.Li(
                        "On a narrow screen a wide table scrolls sideways inside its own area, "
                        "which you can move to with the Tab key and scroll with the arrow keys."
                    ),
                ],
            ),
            html.H2("Reporting problems", className="govuk-heading-m"),
            html.P(
                "If you find a problem not listed here, tell the performance team. The Equality "
                "and Human Rights Commission enforces the Public Sector Bodies (Websites and "
                "Mobile Applications) (No. 2) Accessibility Regulations 2018.",
                className="govuk-body",
            ),
            html.H2("Technical information", className="govuk-heading-m"),
            html.P(
                "This dashboard aims to meet the Web Content Accessibility Guidelines version 2.2 "
                "AA standard.",
                className="govuk-body",
            ),
        ]
    )
