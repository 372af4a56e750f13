"""Turning the text of workbook cells into typed values, with a plain-English reason when not.

The reader hands every cell over as text (see loaders/excel.py for the exact forms: a date cell
arrives as ``2020-07-01 00:00:00``, a boolean as ``true``). Each ``parse_*`` function takes one
trimmed, non-empty text and returns ``(value, None)`` or ``(None, reason)``; ``parse_encoded``
applies one to a whole dictionary-encoded column, once per distinct text, because monthly
extracts repeat the same ids, months and codes thousands of times.
Pure: pandas and the standard library only.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from indicators.domain import SUPPRESSION_SYMBOLS
from indicators.sheets import Column, Kind

Parsed = tuple[Any, str | None]

EARLIEST_PERIOD = dt.date(2000, 1, 1)
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-/]*")
_DATE_CELL = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00:00(?:\.0+)?)?")
_DATETIME_CELL = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?")
_MONTH_TEXT = re.compile(r"(\d{4})-(\d{1,2})")
_AMBIGUOUS = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}")
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]"
)
_EXCEL_ERRORS = frozenset(
    {
        "#div/0!",
        "#n/a",
        "#name?",
        "#null!",
        "#num!",
        "#ref!",
        "#value!",
        "#getting_data",
        "#spill!",
        "#calc!",
    }
)
_MISSING_WORDS = frozenset(
    {
        "n/a",
        "na",
        "n.a.",
        "none",
        "null",
        "nil",
        "tbc",
        "tbd",
        "?",
        "-",
        "--",
        "nan",
        "missing",
        "not available",
        "unknown",
    }
)
_BOOL_TEXT = {
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "1": True,
    "0": False,
}


def escape(value: object, limit: int = 80) -> str:
    """Show a cell value safely on a terminal or page: control characters escaped, trimmed."""
    text = "" if value is None else str(value)
    shown = "".join(
        ch if ch.isprintable() and not _CONTROL.match(ch) else ch.encode("unicode_escape").decode()
        for ch in text
    )
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def control_character(text: str) -> str | None:
    found = _CONTROL.search(text)
    if found is None:
        return None
    return (
        f"contains a hidden control character ({found.group().encode('unicode_escape').decode()})"
    )


def _describe_non_number(text: str) -> str:
    low = text.casefold()
    if low in _EXCEL_ERRORS:
        return f"is the Excel error {text}: fix the formula or type the value"
    if low in {"true", "false"}:
        return "is a TRUE/FALSE value, not a number"
    if _DATE_CELL.fullmatch(text) or _DATETIME_CELL.fullmatch(text):
        return "is a date, not a number"
    if low in _MISSING_WORDS:
        return f"says {text!r} instead of a number: leave the cell blank if there is no figure"
    if text.endswith("%"):
        return "has a % sign: type the number only (45.2, not 45.2%)"
    if text[:1] in "<>≤≥" or text.startswith(("less than", "more than")):
        return "is a range, not a number: type the figure itself"
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", text):
        return "has thousands separators: type 1234, not 1,234"
    if re.fullmatch(r"[+-]?\d+,\d+", text):
        return "uses a decimal comma: type 12.5, not 12,5"
    if re.search(r"\d", text):
        return "has text mixed with the number: type the number only"
    return "is text, not a number"


def parse_number(text: str) -> Parsed:
    low = text.casefold()
    if low in {"true", "false"} or _DATE_CELL.fullmatch(text) or _DATETIME_CELL.fullmatch(text):
        return None, _describe_non_number(text)
    if "_" in text:
        return None, "has text mixed with the number: type the number only"
    try:
        number = float(text)
    except ValueError:
        return None, _describe_non_number(text)
    if not math.isfinite(number) or low in {"nan", "inf", "-inf", "infinity"}:
        return None, "is not a finite number"
    return number, None


def parse_integer(text: str) -> Parsed:
    number, reason = parse_number(text)
    if reason:
        return None, reason
    if number != int(number):
        return None, "must be a whole number"
    return int(number), None


def parse_month(text: str) -> Parsed:
    match = _DATE_CELL.fullmatch(text) or _DATETIME_CELL.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        try:
            dt.date(year, month, day)
        except ValueError:
            return None, "is not a real date"
        return dt.date(year, month, 1), None
    match = _MONTH_TEXT.fullmatch(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            return dt.date(year, month, 1), None
        return None, "is not a real month: use YYYY-MM, e.g. 2020-07"
    return None, _describe_bad_date(text, "month", "2020-07")


def parse_date(text: str) -> Parsed:
    match = _DATE_CELL.fullmatch(text) or _DATETIME_CELL.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day), None
        except ValueError:
            return None, "is not a real date"
    return None, _describe_bad_date(text, "date", "2020-03-31")


def _describe_bad_date(text: str, what: str, example: str) -> str:
    if _AMBIGUOUS.fullmatch(text):
        return (
            f"is an ambiguous date written as text (day/month or month/day?): "
            f"use a date cell or type it as {example}"
        )
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return f"is a number, not a {what}: use a date cell or type it as {example}"
    return f"is not a {what}: use a date cell or type it as {example}"


def parse_bool(text: str) -> Parsed:
    value = _BOOL_TEXT.get(text.casefold())
    if value is None:
        return None, "must be true or false"
    return value, None


def parse_id(text: str) -> Parsed:
    folded = unicodedata.normalize("NFKC", text)
    for ch in folded:
        if ord(ch) > 127:
            name = unicodedata.name(ch, "unknown")
            return None, (
                f"contains the non-ASCII character {ch!r} ({name.title()}), which looks like an "
                "ordinary letter but is not: retype the id"
            )
    if _ID.fullmatch(folded) is None:
        if " " in folded:
            return None, "contains a space: ids are letters, digits, _ - . only"
        return None, "is not a valid id: use letters, digits, _ - . only"
    return folded, None


def parse_id_list(text: str) -> Parsed:
    ids: list[str] = []
    for piece in text.split(";"):
        part = piece.strip()
        if not part:
            continue
        value, reason = parse_id(part)
        if reason:
            return None, f"has an id that {reason}"
        ids.append(value)
    return tuple(ids), None


def parse_comparator_value(text: str) -> Parsed:
    """A number, or a suppression symbol kept for display: ``(value, symbol)``."""
    if text.casefold() in SUPPRESSION_SYMBOLS:
        return (None, text.casefold()), None
    number, reason = parse_number(text)
    if reason:
        symbols = ", ".join(SUPPRESSION_SYMBOLS)
        return None, f"{reason} (or use a suppression symbol: {symbols})"
    return (number, None), None


def code_parser(allowed: tuple[str, ...]) -> Callable[[str], Parsed]:
    by_fold = {code.casefold(): code for code in allowed}

    def parse(text: str) -> Parsed:
        code = by_fold.get(text.casefold())
        if code is None:
            return None, f"is not one of the allowed values: {', '.join(allowed)}"
        return code, None

    return parse


def text_parser(max_length: int) -> Callable[[str], Parsed]:
    def parse(text: str) -> Parsed:
        reason = control_character(text.replace("\n", "").replace("\t", ""))
        if reason:
            return None, reason
        if len(text) > max_length:
            return None, f"is too long ({len(text):,} characters; at most {max_length:,})"
        return text, None

    return parse


def parser_for(column: Column) -> Callable[[str], Parsed]:
    kind = column.kind
    if kind is Kind.CODE:
        return code_parser(column.allowed)
    if kind is Kind.TEXT:
        return text_parser(column.max_length)
    if kind is Kind.ID:
        inner = parse_id

        def parse_bounded_id(text: str) -> Parsed:
            reason = control_character(text)
            if reason:
                return None, reason
            if len(text) > column.max_length:
                return None, f"is too long ({len(text)} characters; at most {column.max_length})"
            return inner(text)

        return parse_bounded_id
    return {
        Kind.NUMBER: parse_number,
        Kind.INTEGER: parse_integer,
        Kind.MONTH: parse_month,
        Kind.DATE: parse_date,
        Kind.BOOL: parse_bool,
        Kind.COMPARATOR_VALUE: parse_comparator_value,
        Kind.ID_LIST: parse_id_list,
    }[kind]


@dataclass(frozen=True, slots=True)
class ParsedColumn:
    """One column parsed: a typed value per row, which rows are blank, why cells failed.

    ``values`` is an object array (the typed value, or None where blank or unparseable), except
    for a number column, which is float64 with NaN there (so checks on it stay vectorised);
    ``blank`` marks cells empty once trimmed; ``reasons`` maps a row's position to the reason
    its non-blank text could not be parsed.
    """

    values: np.ndarray
    blank: np.ndarray
    reasons: dict[int, str]


def parse_encoded(distinct: np.ndarray, codes: np.ndarray, column: Column) -> ParsedColumn:
    """Parse a dictionary-encoded text column: each distinct text once, then a lookup per row.

    ``distinct`` holds the column's distinct texts (None for empty), ``codes`` each row's
    position in it. Surrounding spaces are trimmed; a text that trims to nothing is blank.
    Numbers are converted for all distinct texts at once (a month of actuals can have
    thousands of distinct values); every other kind is parsed one distinct text at a time.
    """
    texts = [None if t is None else (t.strip() or None) for t in distinct]
    size = len(texts)
    table = np.empty(size, dtype=object)
    failed: dict[int, str] = {}
    numbers = (
        pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
        if column.kind in (Kind.NUMBER, Kind.INTEGER)
        else None
    )
    parse = parser_for(column)
    for i, text in enumerate(texts):
        if text is None:
            continue
        if numbers is not None:
            number = float(numbers[i])
            # float() accepts forms ("nan", "1_000", "inf") a data officer did not mean as a
            # number, and a count may not be fractional: those go through the full parser.
            plain = math.isfinite(number) and "_" not in text and text.casefold() != "nan"
            if plain and column.kind is Kind.NUMBER:
                table[i] = number
                continue
            if plain and number.is_integer():
                table[i] = int(number)
                continue
        value, reason = parse(text)
        table[i] = value
        if reason:
            failed[i] = reason
    empty = np.fromiter((t is None for t in texts), dtype=bool, count=size)
    reasons: dict[int, str] = {}
    if failed:
        bad_codes = np.fromiter(failed, dtype=codes.dtype, count=len(failed))
        for position in np.flatnonzero(np.isin(codes, bad_codes)):
            reasons[int(position)] = failed[int(codes[position])]
    if column.kind is Kind.NUMBER:
        table = np.array([np.nan if v is None else v for v in table], dtype="float64")
    return ParsedColumn(values=table.take(codes), blank=empty.take(codes), reasons=reasons)


def parse_default(column: Column) -> Any:
    """The typed value of a column's declared default (None when it has none)."""
    if column.default is None:
        return None
    value, reason = parser_for(column)(str(column.default))
    if reason:
        raise ValueError(f"default {column.default!r} of column {column.name} {reason}")
    return value
