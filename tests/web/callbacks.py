"""Calling Dash callbacks over HTTP exactly as the browser does (or as an attacker would)."""

from __future__ import annotations

import json
from typing import Any

from tests.web.conftest import ORIGIN, csrf_of


def call(
    client: Any, output_contains: str, values: dict[str, Any], triggered: str | None = None
) -> Any:
    """POST /_dash-update-component for the callback whose output names ``output_contains``.

    ``values`` maps "component.property" to the value sent for each input and state.
    """
    deps = json.loads(client.get("/_dash-dependencies").data)
    dep = next(d for d in deps if output_contains in d["output"])
    output = dep["output"]
    if output.startswith(".."):
        outputs: Any = [
            {"id": part.split(".")[0], "property": part.split(".")[1]}
            for part in output.strip(".").split("...")
        ]
    else:
        outputs = {"id": output.split(".")[0], "property": output.split(".")[1]}

    def item(spec: dict[str, Any]) -> dict[str, Any]:
        key = f"{spec['id']}.{spec['property']}"
        return {"id": spec["id"], "property": spec["property"], "value": values.get(key)}

    first = dep["inputs"][0]
    body = {
        "output": output,
        "outputs": outputs,
        "inputs": [item(i) for i in dep["inputs"]],
        "state": [item(s) for s in dep["state"]],
        "changedPropIds": [triggered or f"{first['id']}.{first['property']}"],
    }
    return client.post(
        "/_dash-update-component",
        json=body,
        headers={"Origin": ORIGIN, "X-CSRFToken": csrf_of(client)},
    )


def text_of(response: Any) -> str:
    return response.get_data(as_text=True)
