"""Download routes for the exports (Flask). Authorisation is added centrally by app.py.

    /export/board-pack.pptx   /export/board-pack.pdf
    /export/scorecard.xlsx    /export/scorecard.csv    /export/scorecard.pdf
    /export/measure/<indicator_id>.xlsx   /export/measure/<indicator_id>.csv

Query parameters: ``as_of`` (YYYY-MM-DD or load:N), ``areas`` (comma-separated names or slugs;
``area`` is accepted too, as the board page's URL has it), ``measures``, ``breakdown`` (measure
only), ``publication=1``, ``round=5``. The file name (Content-Disposition) names the data version
and the "as of" date; ``X-MTM-Data-Version`` says the version too. A problem is a short plain-text
answer (400, 404, or 503 when there is no browser for the charts), never a traceback.
"""

from __future__ import annotations

from typing import Any

import flask

from loaders.exports.data import ExportError, Options

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def _list(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def options_from(args: Any) -> Options:
    """Options from a request's query string."""
    round_text = (args.get("round") or "").strip()
    if round_text and not round_text.isdigit():
        raise ExportError("round must be a whole number, e.g. round=5")
    return Options(
        as_of=(args.get("as_of") or "").strip() or None,
        areas=_list(args.get("areas")) or _list(args.get("area")),
        measures=_list(args.get("measures")),
        publication=(args.get("publication") or "").strip().lower() in TRUE_WORDS,
        round_to=int(round_text) if round_text else None,
    )


def _send(export: Any) -> flask.Response:
    response = flask.Response(export.data, mimetype=export.media_type)
    response.headers.set("Content-Disposition", "attachment", filename=export.filename)
    response.headers["Cache-Control"] = "private, no-store"
    flask.g.data_version = export.version  # app.py's after_request stamps X-MTM-Data-Version
    response.headers["X-MTM-Data-Version"] = str(export.version)
    return response


def _problem(exc: ExportError) -> flask.Response:
    response = flask.Response(str(exc) + "\n", status=exc.status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def register_routes(server: flask.Flask, settings: Any = None) -> None:
    """Add the export routes to ``server``. ``settings`` default to the app's loaded settings.
    Calling it twice on one server is harmless (the second call adds nothing)."""
    from loaders.exports import pack

    if "export_board_pack" in server.view_functions:
        return

    def current() -> Any:
        if settings is not None:
            return settings
        from indicators.settings import load_settings

        return load_settings()

    def answer(make: Any) -> flask.Response:
        try:
            export = make(current(), options_from(flask.request.args))
        except ExportError as exc:
            return _problem(exc)
        return _send(export)

    @server.get("/export/board-pack.<fmt>")
    def export_board_pack(fmt: str) -> flask.Response:
        if fmt not in pack.PACK_FORMATS:
            return _problem(ExportError(f"no board pack as .{fmt}: use .pptx or .pdf"))
        return answer(lambda s, o: pack.board_pack(s, o, (fmt,))[0])

    @server.get("/export/scorecard.<fmt>")
    def export_scorecard(fmt: str) -> flask.Response:
        if fmt not in pack.SCORECARD_FORMATS:
            return _problem(ExportError(f"no scorecard as .{fmt}: use .xlsx, .csv or .pdf"))
        return answer(lambda s, o: pack.scorecard(s, o, fmt))

    @server.get("/export/measure/<indicator_id>.<fmt>")
    def export_measure(indicator_id: str, fmt: str) -> flask.Response:
        if fmt not in pack.TABLE_FORMATS:
            return _problem(ExportError(f"no measure data as .{fmt}: use .xlsx or .csv"))
        breakdown = (flask.request.args.get("breakdown") or "").strip() or None
        return answer(lambda s, o: pack.measure(s, o, indicator_id, fmt, breakdown))
