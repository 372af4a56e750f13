"""Reading a Dash component tree as the tests do: every node, its text, its ids."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dash.development.base_component import Component


def walk(component: Any) -> Iterator[Any]:
    """The component and everything under it, depth first (strings and numbers included)."""
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, list | tuple):
        for child in children:
            yield from walk(child)
    elif children is not None:
        yield from walk(children)


def text_in(component: Any) -> str:
    """Every string in the tree, joined by spaces."""
    return " ".join(c for c in walk(component) if isinstance(c, str))


def ids_in(component: Any) -> list[str]:
    """Every component id in the tree, in order (so duplicates show)."""
    return [c.id for c in walk(component) if isinstance(c, Component) and getattr(c, "id", None)]
