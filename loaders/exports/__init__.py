"""Exports: the board pack (PowerPoint, PDF) and the scorecard and measure tables (Excel, CSV).

Layers, top to bottom: ``routes`` (Flask downloads) and ``cli`` (``mtm export``) call ``pack``,
which reads the store through ``data`` and writes with ``powerpoint``, ``pdf`` and ``tables``;
``charts`` turns figure dicts into PNGs (kaleido, one browser per pack, cached on disk).
``suppression``, ``content`` and ``tables`` are pure: they import neither dash nor duckdb, so the
board page (indicators/pages/board.py) and every export word things the same way.
"""
