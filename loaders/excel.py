"""Safe, fast reading of an uploaded monthly workbook into raw text frames.

`read_workbook` turns the bytes of an upload into one `RawSheet` per data sheet (see
`indicators.sheets`): every cell as the text the fast reader gives, located by Excel row and
column, plus the problems that only the file itself can show. Parsing values (numbers, months,
codes) is the validator's job; this module only guarantees that what it hands over is complete
and came from a file that was safe to open.

Order of work, and why:

1. File-level checks run before any parser sees the file, each ending the read with
   `WorkbookRejected` and a one-line reason a data officer can act on: empty file; magic bytes
   (a zip, an OLE compound file = legacy `.xls` or a password-protected workbook, anything else
   = not a workbook); the zip's central directory (entry count, unpacked size, compression
   ratio, duplicate or encrypted entries); macros (content types, relationships, part names,
   and OLE parts that hold a VBA project, whatever they are called); XML entity declarations;
   the package's own structure (content types, workbook part, sheet list).
2. Each data sheet's XML is inflated by a worker thread (zlib and pyarrow's RE2 run without the
   GIL) which checks that it inflates to no more than its declared size, that its body holds no
   DTD, and finds what the fast reader cannot see: formulas with no saved result, merged cells
   and the row where the sheet's data starts. The worker looks with RE2 passes over each 4 MB
   chunk and runs Python regexes only on a chunk where RE2 found something, so a clean
   600k-row sheet costs no Python work per row. `ReadLimits.verify_before_parsing` (default
   on) makes the reader wait until a sheet has inflated within its declared size, and its
   range is known to be readable, before fastexcel reads it; see its comment for the cost.
   fastexcel builds every cell from a sheet's first value to its last as one block, so one
   value typed far away (XFD60000) would take the process down: a sheet whose values span
   more than `MAX_RANGE_CELLS` is refused, naming that cell (`_check_range`).
3. fastexcel reads the sheet with every column as text (`dtypes="string"`) and reports Excel
   error cells with their positions. fastexcel never trusts the declared `<dimension>`: a sheet
   claiming `A1:C2` is read to its last row (there is a fixture for this).

Cell text as fastexcel 0.21 gives it (the validator parses these forms):

- text: as typed, untrimmed (`" 12 "` stays `" 12 "`); an empty string reads as empty (None);
- whole numbers: no decimal point: `7`, `-3`, `1234567890123`, `0`; `-0` for negative zero;
- other numbers: plain decimal notation, **rounded to 9 decimal places** with trailing zeros
  dropped: `12.5`, `0.333333333` (for 1/3), `0.00000025`; `1e-10` reads as `0`; very large
  values are written out in full (`1e20` -> `100000000000000000000`); never an exponent;
- dates and date-times (any cell with a date number format): `YYYY-MM-DD HH:MM:SS`, always with
  the time: `2020-07-01 00:00:00`, `2020-07-01 13:45:00`;
- times of day (a time format, no date): `1899-12-31 12:30:00`; durations (`[h]:mm`) read
  as date-times counted from `1899-12-31 00:00:00` (26 hours -> `1900-01-01 02:00:00`);
- booleans: `true` / `false` (lower case);
- Excel errors (`#DIV/0!`, `#N/A`, ...): None in the frame, plus a `cell.excel_error` problem;
- formulas: their saved result in the forms above; with no saved result: None, plus a
  `cell.formula_no_value` problem.
"""

from __future__ import annotations

import functools
import hashlib
import io
import posixpath
import queue
import re
import struct
import sys
import zipfile
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET
import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from indicators.domain import Problem
from indicators.sheets import DATA_SHEETS, SHEETS_BY_NAME, Sheet, normalise_name

__all__ = [
    "RawSheet",
    "RawWorkbook",
    "ReadLimits",
    "WorkbookRejected",
    "column_letter",
    "display_value",
    "read_workbook",
]

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Limits applied to an upload before anything is decompressed or parsed."""

    max_entries: int = 1000  # parts in the zip; a real template has about 25
    max_unpacked: int = 200 * MB  # total declared uncompressed size
    max_ratio: float = 100.0  # declared uncompressed / compressed, per part and in total
    # Parts smaller than this are exempt from the ratio test: a few hundred kB cannot hurt the
    # server however well they compress, and tiny XML parts full of repeated markup
    # legitimately compress more than 100:1.
    ratio_min_size: int = 1 * MB
    # fastexcel ignores the sizes (and CRCs) a zip declares: a sheet that claims 1 MB but
    # inflates to 10 GB is parsed to the end. When this is on, each data sheet is inflated and
    # measured, and its range checked, before fastexcel reads it: at 60k Actuals rows a read
    # costs about 1.44x a bare fastexcel read instead of 1.28x. When off, the same checks run
    # alongside the parse and still reject the file, but only after fastexcel has spent the
    # time and memory; only the range check still comes first. For tests only.
    verify_before_parsing: bool = True


class WorkbookRejected(Exception):
    """The file cannot be read at all. `str()` is the one-line reason for the data officer."""

    def __init__(self, message: str, rule: str, *, sheet: str = "", cell: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.problems: list[Problem] = [Problem(message=message, sheet=sheet, cell=cell, rule=rule)]
        # Filled in by read_workbook when known, so an audit log can record the rejection.
        self.sha256 = ""
        self.size = 0
        self.display_name = ""

    def __str__(self) -> str:
        return self.message


@dataclass
class RawSheet:
    """One data sheet as text.

    `encoded` has one entry per known canonical column present in the header (in the sheet
    spec's order), dictionary-encoded as `(distinct, codes)`: `distinct` an object array of the
    column's distinct texts (`str`) with None (empty) last, `codes` each row's position in it;
    the validator parses each distinct text once. `rows` are the Excel row numbers of the data
    rows; rows with every known column empty are dropped. `letters` maps each column to its
    Excel column letter. `header_row` is the header's Excel row: 1 unless the sheet starts with
    blank rows. `frame` is the same text as a DataFrame indexed by Excel row, built on first use.
    """

    spec: Sheet
    title: str
    letters: dict[str, str]
    rows: np.ndarray
    header_row: int = 1
    encoded: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        values = {name: distinct.take(codes) for name, (distinct, codes) in self.encoded.items()}
        index = pd.Index(self.rows, dtype="int64", name="row")
        return pd.DataFrame(values, index=index, dtype=object, copy=False)


@dataclass
class RawWorkbook:
    sheets: dict[str, RawSheet]
    problems: list[Problem]
    sha256: str
    size: int
    display_name: str = ""
    # Sheets the file has that the contract does not know (Instructions excluded); ignored.
    ignored_sheets: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# Small helpers shared with the validator
# --------------------------------------------------------------------------------------

_MAX_DISPLAY = 80


def display_value(value: object, limit: int = _MAX_DISPLAY) -> str:
    """Text safe to show in a report: control and non-printable characters escaped
    repr-style (`\\n`, `\\x00`, `\\u200b`), cut to `limit` characters with a trailing `…`."""
    if value is None:
        return ""
    text = str(value)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --------------------------------------------------------------------------------------
# File-level checks: magic bytes and OLE compound files
# --------------------------------------------------------------------------------------

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")

MSG_EMPTY = "The file is empty: choose the saved workbook and upload it again"
MSG_LEGACY = "This is an old-style .xls workbook: open it in Excel and save as .xlsx"
MSG_PASSWORD = "The workbook is password-protected: remove the password and save again"  # noqa: S105
MSG_NOT_XLSX = "This file is not an Excel .xlsx workbook"
MSG_CORRUPT = (
    "The file is damaged or incomplete (perhaps the upload was cut short): "
    "open it in Excel, save it again and re-upload"
)
MSG_MACRO = "Macro-enabled workbooks are not accepted: save as .xlsx (Excel Workbook)"
MSG_ENTITIES = "The file contains an XML entity declaration (a known attack); it cannot be read"


def _reject_non_zip(data: bytes) -> WorkbookRejected:
    """Explain, from the first bytes, what a file that is not a zip probably is."""
    if data.startswith(OLE_MAGIC):
        names = _ole_names(data)
        if any(name.casefold() == "encryptioninfo" for name in names):
            return WorkbookRejected(MSG_PASSWORD, "file.password_protected")
        return WorkbookRejected(MSG_LEGACY, "file.legacy_xls")
    head = data[:4096]
    if head.startswith(b"MZ"):
        hint = " (it is a program, not a spreadsheet)"
    elif head.startswith(b"%PDF"):
        hint = " (it is a PDF)"
    elif re.search(rb"<(?:html|table|!doctype html)", head[:1024], re.IGNORECASE):
        hint = " (it is a web page with an Excel name): open it in Excel and save as .xlsx"
    elif _looks_like_text(head):
        hint = " (it is a text or CSV file): open it in Excel and save as .xlsx (Excel Workbook)"
    else:
        hint = ""
    return WorkbookRejected(MSG_NOT_XLSX + hint, "file.not_xlsx")


def _looks_like_text(head: bytes) -> bool:
    for encoding in ("utf-8", "utf-16"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return printable >= 0.95 * max(len(text), 1)
    return False


_ENDOFCHAIN = 0xFFFFFFFE


def _ole_names(data: bytes) -> list[str]:
    """Names of the storages and streams in an OLE compound file (MS-CFB).

    Walks the real directory chain through the FAT, so detection never relies on a file name.
    If the structure is too damaged to walk, falls back to looking for the UTF-16 names that
    matter anywhere in the file: a damaged encrypted workbook should still get the right hint.
    """
    try:
        return _ole_directory(data)
    except (struct.error, ValueError, IndexError):
        found = []
        for name in ("EncryptionInfo", "_VBA_PROJECT", "Workbook"):
            if name.encode("utf-16-le") in data:
                found.append(name)
        return found


def _ole_directory(data: bytes) -> list[str]:
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        raise ValueError("bad sector size")
    size = 1 << shift
    n_sectors = max(0, (len(data) - size) // size)
    n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
    first_difat, n_difat = struct.unpack_from("<II", data, 0x44)
    per_sector = size // 4

    difat = list(struct.unpack_from("<109I", data, 0x4C))
    sector, hops = first_difat, 0
    while sector < n_sectors and hops < min(n_difat, n_sectors):  # a cycle cannot loop forever
        entries = struct.unpack_from(f"<{per_sector}I", data, (sector + 1) * size)
        difat.extend(entries[:-1])
        sector, hops = entries[-1], hops + 1
    fat: list[int] = []
    for fat_sector in difat[:n_fat]:
        if fat_sector < n_sectors:
            fat.extend(struct.unpack_from(f"<{per_sector}I", data, (fat_sector + 1) * size))

    names: list[str] = []
    sector, seen = first_dir, set()
    while sector < n_sectors and sector not in seen:
        seen.add(sector)
        base = (sector + 1) * size
        for slot in range(size // 128):
            entry = base + slot * 128
            name_len = struct.unpack_from("<H", data, entry + 0x40)[0]
            kind = data[entry + 0x42]
            if kind in (1, 2, 5) and 2 <= name_len <= 64 and name_len % 2 == 0:
                names.append(data[entry : entry + name_len - 2].decode("utf-16-le", "replace"))
        sector = fat[sector] if sector < len(fat) else _ENDOFCHAIN
    if not names:
        raise ValueError("no directory entries")
    return names


# --------------------------------------------------------------------------------------
# The zip container
# --------------------------------------------------------------------------------------

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_INFLATE_OUT = 4 * MB  # output per zlib call: bounds memory and gives the GIL back often
_INFLATE_IN = 256 * 1024
# Worksheets up to this size are held inflated in memory between the size check and the scan
# (about 60 MB of XML is 180k rows of the Actuals sheet).
_KEEP_INFLATED = 64 * MB


class _Package:
    """The zip as parsed from its central directory, with bounded access to each part."""

    def __init__(self, data: bytes, limits: ReadLimits) -> None:
        self.data = data
        self.view = memoryview(data)
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                self.infos = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
            raise WorkbookRejected(MSG_CORRUPT, "file.corrupt") from exc
        except (struct.error, NotImplementedError, IndexError) as exc:  # malformed headers
            raise WorkbookRejected(MSG_CORRUPT, "file.corrupt") from exc
        self._check_sizes(limits)
        self.by_name: dict[str, zipfile.ZipInfo] = {}
        for info in self.infos:
            key = info.filename.casefold()
            if key in self.by_name:
                # Two parts with one name: our checks and fastexcel might read different ones.
                raise WorkbookRejected(MSG_CORRUPT, "file.corrupt")
            self.by_name[key] = info
            if info.flag_bits & 0x1:
                raise WorkbookRejected(MSG_PASSWORD, "file.password_protected")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise WorkbookRejected(MSG_CORRUPT, "file.corrupt")

    def _check_sizes(self, limits: ReadLimits) -> None:
        """Zip-bomb checks from the central directory alone, before inflating anything."""
        if len(self.infos) > limits.max_entries:
            raise WorkbookRejected(
                f"The file has {len(self.infos):,} parts (a workbook has a few dozen; the limit "
                f"is {limits.max_entries:,}): it looks like a zip bomb and was not opened",
                "file.zip_bomb",
            )
        unpacked = sum(info.file_size for info in self.infos)
        packed = sum(info.compress_size for info in self.infos)
        if unpacked > limits.max_unpacked:
            raise WorkbookRejected(
                f"The file would unpack to {unpacked / MB:,.0f} MB (the limit is "
                f"{limits.max_unpacked / MB:,.0f} MB): it looks like a zip bomb and was not "
                "opened; split the data or remove unused sheets",
                "file.zip_bomb",
            )
        for info in self.infos:
            if info.file_size >= limits.ratio_min_size and (
                info.file_size > limits.max_ratio * max(info.compress_size, 1)
            ):
                raise WorkbookRejected(
                    f"Part {display_value(info.filename)} of the file is compressed "
                    f"{info.file_size / max(info.compress_size, 1):,.0f} times (the limit is "
                    f"{limits.max_ratio:,.0f}): it looks like a zip bomb and was not opened",
                    "file.zip_bomb",
                )
        if unpacked >= limits.ratio_min_size and unpacked > limits.max_ratio * max(packed, 1):
            raise WorkbookRejected(
                f"The file is compressed {unpacked / max(packed, 1):,.0f} times (the limit is "
                f"{limits.max_ratio:,.0f}): it looks like a zip bomb and was not opened",
                "file.zip_bomb",
            )

    def get(self, name: str) -> zipfile.ZipInfo | None:
        """A part by name; OOXML part names are case-insensitive."""
        return self.by_name.get(name.lstrip("/").casefold())

    def raw(self, info: zipfile.ZipInfo) -> memoryview:
        """The compressed bytes of a part, located through its local header."""
        offset = info.header_offset
        header = self.data[offset : offset + 30]
        if len(header) < 30 or header[:4] != ZIP_MAGIC:
            raise WorkbookRejected(MSG_CORRUPT, "file.corrupt")
        (method,) = struct.unpack_from("<H", header, 8)
        name_len, extra_len = struct.unpack_from("<HH", header, 26)
        local_name = self.data[offset + 30 : offset + 30 + name_len]
        if method != info.compress_type or local_name != info.orig_filename.encode(
            "utf-8" if info.flag_bits & 0x800 else "cp437", "replace"
        ):
            # The local header disagrees with the central directory: different readers would
            # see different files.
            raise WorkbookRejected(MSG_CORRUPT, "file.corrupt")
        start = offset + 30 + name_len + extra_len
        end = start + info.compress_size
        if end > len(self.data):
            raise WorkbookRejected(MSG_CORRUPT, "file.corrupt")
        return self.view[start:end]

    def chunks(
        self,
        info: zipfile.ZipInfo,
        limit: int | None = None,
        size: int = _INFLATE_OUT,
        check_crc: bool = True,
    ) -> Iterator[bytes]:
        """Inflate a part in chunks of at most `size` bytes, refusing to produce more than the
        part declares.

        `limit` stops early (for reading just the start of a part); the CRC is then not
        checked because the part was not read to its end. `check_crc=False` leaves the CRC
        to the caller (see `_scan_inflated`).
        """
        raw = self.raw(info)
        produced, crc = 0, 0
        try:
            if info.compress_type == zipfile.ZIP_STORED:
                for start in range(0, len(raw), size):
                    piece = bytes(raw[start : start + size])
                    produced += len(piece)
                    if check_crc:
                        crc = zlib.crc32(piece, crc)
                    yield piece
                    if limit is not None and produced >= limit:
                        return
            else:
                inflater = zlib.decompressobj(-15)
                for start in range(0, len(raw), _INFLATE_IN):
                    pending: bytes | memoryview = raw[start : start + _INFLATE_IN]
                    while pending and not inflater.eof:
                        piece = inflater.decompress(pending, size)
                        pending = inflater.unconsumed_tail
                        produced += len(piece)
                        if produced > info.file_size:
                            raise WorkbookRejected(
                                f"Part {display_value(info.filename)} unpacks to more than "
                                "the file declares (a known zip-bomb trick): it was not read",
                                "file.zip_bomb",
                            )
                        if check_crc:
                            crc = zlib.crc32(piece, crc)
                        if piece:
                            yield piece
                        if limit is not None and produced >= limit:
                            return
                    if inflater.eof:
                        break
        except zlib.error as exc:
            raise WorkbookRejected(MSG_CORRUPT, "file.corrupt") from exc
        if produced != info.file_size or (check_crc and crc != info.CRC):
            raise WorkbookRejected(MSG_CORRUPT, "file.corrupt")

    def read(self, info: zipfile.ZipInfo) -> bytes:
        return b"".join(self.chunks(info))


# --------------------------------------------------------------------------------------
# XML safety and package structure
# --------------------------------------------------------------------------------------

_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_SMALL_PART = 1 * MB
_PROLOG_CHUNK = 64 * 1024
_MAX_PROLOG = 1 * MB


def _prolog_has_dtd(head: bytes) -> bool | None:
    """Whether the XML prolog declares a DTD: True, False, or None if `head` ends too soon.

    A DTD (and so any entity declaration) can only come before the root element, so reading
    the prolog is enough for any document a conforming parser would accept.
    """
    n = len(head)
    i = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while i < n and head[i] in b" \t\r\n":
            i += 1
        if i >= n:
            return None
        if head[i] != 0x3C:  # text before the root: malformed, but not a DTD
            return False
        if head.startswith(b"<?", i):
            end = head.find(b"?>", i + 2)
            if end < 0:
                return None
            i = end + 2
        elif head.startswith(b"<!--", i):
            end = head.find(b"-->", i + 4)
            if end < 0:
                return None
            i = end + 3
        else:
            # `<!` here can only start a DOCTYPE (comments were skipped); anything else is the
            # root element.
            return head.startswith(b"<!", i)


def _check_xml_prolog(package: _Package, info: zipfile.ZipInfo) -> None:
    head = b""
    # Small chunks: the prolog is usually a hundred bytes at the start of a large part.
    for piece in package.chunks(info, limit=info.file_size, size=_PROLOG_CHUNK):
        head += piece
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]:
            # Excel writes UTF-8 only; a UTF-16 part would hide markup from the byte scans.
            raise WorkbookRejected(
                "The file has parts in a text encoding Excel does not write; it cannot be read",
                "file.corrupt",
            )
        verdict = _prolog_has_dtd(head)
        if verdict is True:
            raise WorkbookRejected(MSG_ENTITIES, "file.xml_entities")
        if verdict is False:
            return
        if len(head) >= _MAX_PROLOG:
            # Megabytes of comments before the root element: no spreadsheet writes that, and
            # reading on would only serve someone hiding a DTD behind them.
            raise WorkbookRejected(MSG_CORRUPT, "file.corrupt")


_MACRO_NAME = re.compile(r"vbaproject", re.IGNORECASE)
# Parts fastexcel parses as soon as it opens a file, whatever their size: checked whole (and
# so proven no bigger than declared) before it does.
_READ_ON_OPEN = ("sharedstrings.xml", "styles.xml", "workbook.xml", ".rels", "[content_types].xml")


def _check_parts(package: _Package) -> None:
    """Macros and XML entity declarations, part by part, before any parser runs.

    Every XML part has its prolog checked; small XML parts, and the parts fastexcel parses
    when it opens the file, are checked whole. Large worksheet bodies are
    checked by the worksheet scan. Non-XML parts are opened only if they start like an OLE
    file, to find a VBA project however the part is named.
    """
    for info in package.infos:
        name = info.filename
        lower = name.casefold()
        if _MACRO_NAME.search(posixpath.basename(lower)):
            raise WorkbookRejected(MSG_MACRO, "file.macro")
        if info.is_dir() or info.file_size == 0:
            continue
        if lower.endswith(_XML_SUFFIXES):
            _check_xml_prolog(package, info)
            whole = info.file_size <= _SMALL_PART or lower.endswith(_READ_ON_OPEN)
            if whole and _DTD.search(package.read(info)):
                raise WorkbookRejected(MSG_ENTITIES, "file.xml_entities")
        else:
            head = next(package.chunks(info, limit=8, size=1024), b"")
            if head.startswith(OLE_MAGIC):
                names = {n.casefold() for n in _ole_names(package.read(info))}
                if names & {"_vba_project", "vba", "vbaproject"}:
                    raise WorkbookRejected(MSG_MACRO, "file.macro")


def _parse_xml(package: _Package, info: zipfile.ZipInfo | None) -> Any:
    if info is None:
        raise WorkbookRejected(MSG_NOT_XLSX, "file.not_xlsx")
    try:
        return SafeET.fromstring(package.read(info), forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise WorkbookRejected(MSG_ENTITIES, "file.xml_entities") from exc
    except SafeET.ParseError as exc:
        raise WorkbookRejected(MSG_CORRUPT, "file.corrupt") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element: Any, local_name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == local_name:
            return str(value)
    return None


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _relationships(package: _Package, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, resolved target part) for a part's .rels file."""
    rels_name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    info = package.get(rels_name)
    if info is None:
        return {}
    root = _parse_xml(package, info)
    out = {}
    for rel in root:
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        out[rel.get("Id", "")] = (rel.get("Type", ""), _resolve(part, rel.get("Target", "")))
    return out


@dataclass(frozen=True, slots=True)
class _SheetEntry:
    title: str
    state: str
    part: str


def _parse_package(package: _Package) -> list[_SheetEntry]:
    """Content types, the workbook part and its sheet list, each checked on the way."""
    mimetype = package.get("mimetype")
    if mimetype is not None and b"opendocument" in package.read(mimetype):
        raise WorkbookRejected(
            "This is an OpenDocument spreadsheet (.ods): open it in Excel and save as .xlsx",
            "file.not_xlsx",
        )
    content_types = _parse_xml(package, package.get("[Content_Types].xml"))
    main_type = ""
    for entry in content_types:
        ctype = entry.get("ContentType", "")
        folded = ctype.casefold()
        if "binary" in folded and "sheet" in folded:
            raise WorkbookRejected(
                "This is an Excel binary workbook (.xlsb): save it as .xlsx (Excel Workbook)",
                "file.not_xlsx",
            )
        if "macroenabled" in folded or "vbaproject" in folded:
            raise WorkbookRejected(MSG_MACRO, "file.macro")
        if folded.endswith(".main+xml") and "spreadsheetml" in folded:
            main_type = ctype

    package_rels = _relationships(package, "")
    workbook_part = next(
        (target for kind, target in package_rels.values() if kind.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    if not main_type or package.get(workbook_part) is None:
        raise WorkbookRejected(MSG_NOT_XLSX + " (it has no workbook inside)", "file.not_xlsx")
    workbook_rels = _relationships(package, workbook_part)
    if any(kind.casefold().endswith("/vbaproject") for kind, _ in workbook_rels.values()):
        raise WorkbookRejected(MSG_MACRO, "file.macro")

    workbook = _parse_xml(package, package.get(workbook_part))
    entries = []
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        rel_id = _attr(element, "id") or ""
        part = workbook_rels.get(rel_id, ("", ""))[1]
        entries.append(
            _SheetEntry(
                title=element.get("name", ""),
                state=element.get("state", "visible"),
                part=part,
            )
        )
    return entries


# --------------------------------------------------------------------------------------
# Worksheet scan (worker thread)
# --------------------------------------------------------------------------------------

# Namespace prefix some writers put on every element (`<x:c>`).
_P = r"(?:[A-Za-z_][\w.\-]*:)?"
# A cell whose only content is a formula: no <v>, or an empty one (openpyxl writes <v></v>).
_FORMULA_NO_VALUE = (
    rf"<{_P}c(\s[^>]*)?>\s*<{_P}f(?:\s[^>]*)?(?:/>|>[^<]*</{_P}f>)\s*"
    rf"(?:<{_P}v\s*/>|<{_P}v>\s*</{_P}v>)?\s*</{_P}c>"
)
_MERGE = rf"<{_P}mergeCell\s[^>]*?ref=\"([^\"]*)\""
_BODY_DTD = r"<!(?i:doctype|entity)"
# RE2 patterns (run by pyarrow without the GIL) that say whether a chunk needs Python at all.
_ANY_HINT = rf"<{_P}f[\s>/]|<{_P}mergeCell[\s/>]|{_BODY_DTD}"
_ANY_FINDING = rf"{_FORMULA_NO_VALUE}|<{_P}mergeCell[\s/>]|{_BODY_DTD}"

# Cells that could make fastexcel's range (it builds every cell from the first value to the
# last, as one block) huge: a cell in column AA or beyond or in row 1,000,000 or beyond, and a
# cell whose first attribute is not r= (its place is then counted, not written). Self-closing
# cells are left out: they hold nothing (Excel writes them for formatted empty cells). Without
# any of these the block is at most 26 columns by 999,999 rows.
_RANGE_HINT = (
    rf"<{_P}c\s+r=\"(?:[A-Z]{{2,}}[0-9]+|[A-Z]+[0-9]{{7,}})\"(?:[^>]*[^/>])?>"
    rf"|<{_P}c(?:\s+(?:[^r\s/>]|r[^=])(?:[^>]*[^/>])?)?>"
)
# A number the reader cannot survive in a date-formatted cell: below about -1.07E+11 days its
# date arithmetic panics (caught as `cell.impossible_date`, but after Rust has written to
# stderr). 12 or more digits after a minus, or a minus and an exponent of 10 or more, or -inf.
_NUMBER_HINT = rf"<{_P}v>\s*-\s*(?:[0-9]{{12,}}|[0-9.]*[eE]\+?[0-9]{{2,}}|(?i:inf))"
#: Whatever sends a sheet through the streaming pass before fastexcel reads it.
_PRE_PARSE_HINT = f"{_RANGE_HINT}|{_NUMBER_HINT}"
#: Below this a cell's number is refused before parsing (see _NUMBER_HINT).
MIN_NUMBER = -1e11
#: The largest block of cells a data sheet may span: 26 columns by 1,000,000 rows (about 1.1 GB
#: in fastexcel; a 600k-row Actuals sheet is 4.2 million).
MAX_RANGE_CELLS = 26_000_000

_FORMULA_NO_VALUE_RE = re.compile(_FORMULA_NO_VALUE.encode())
_MERGE_RE = re.compile(_MERGE.encode())
_BODY_DTD_RE = re.compile(_BODY_DTD.encode())
_CELL_REF = re.compile(rb"\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
_CELL_TYPE_STR = re.compile(rb"\bt=\"str\"")
_FIRST_VALUE = re.compile(rf"<{_P}(?:v>[^<]|is[\s>])".encode())
_CELL_START = re.compile(rf"<{_P}c[\s>]".encode())
_ROW_START = re.compile(rf"<{_P}row[\s>]".encode())
_ROW_END = re.compile(rf"</{_P}row>".encode())
_ROW_END_BEFORE = re.compile(rf"</{_P}row>$".encode())


@dataclass
class _SheetScan:
    first_row: int | None = None  # Excel row of the first cell with a value
    formula_cells: list[tuple[str, int]] = field(default_factory=list)  # (letters, row)
    merges: list[str] = field(default_factory=list)  # "A1:B2"
    rows_before: int = 0  # <row> elements seen before the first value (rows without r=)
    range_hint: bool = False  # a cell that needs the streaming pass first (_PRE_PARSE_HINT)


def _binary_array(buffer: bytes | memoryview) -> pa.Array:
    """Wrap bytes as a one-element binary array without copying, for pyarrow's RE2."""
    offsets = pa.py_buffer(struct.pack("<qq", 0, len(buffer)))
    return pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), 1, [None, offsets, pa.py_buffer(buffer)]
    )


def _scan_worksheet(
    package: _Package, info: zipfile.ZipInfo, title: str, *, range_check: bool = True
) -> _SheetScan:
    """Inflate one worksheet chunk by chunk and collect what fastexcel cannot see, including
    (with `range_check`) whether its range is too big to read (inflating it a second time
    only if it might be)."""
    scan = _scan_chunks(package.chunks(info), range_check=range_check)
    if scan.range_hint:
        _check_range(title, package.chunks(info))
    return _placed(scan, package, info)


def _range_only(package: _Package, info: zipfile.ZipInfo, title: str) -> None:
    """Just the range check, before parsing, when the other checks run alongside the parse."""
    if _needs_range_check(package.chunks(info, check_crc=False)):
        _check_range(title, package.chunks(info, check_crc=False))


def _placed(scan: _SheetScan, package: _Package, info: zipfile.ZipInfo) -> _SheetScan:
    """The scan, with every formula cell located even where the writer left out r=."""
    if any(not row for _, row in scan.formula_cells):
        scan.formula_cells = _formula_cells_by_position(package.chunks(info)) or scan.formula_cells
    return scan


def _inflate(package: _Package, info: zipfile.ZipInfo, title: str) -> tuple[deque[bytes], int]:
    """Inflate a whole worksheet, proving it is no bigger than declared and that its range can
    be read (`_check_range`), keeping the chunks.

    Only this delays fastexcel, so the CRC is left to the scan that runs alongside the parse.
    The range hint runs on a second thread, each chunk as soon as it is inflated (zlib and RE2
    both release the GIL), so it adds about one chunk's check, not a whole pass (16 ms at 60k
    rows).
    """
    if info.file_size <= _INFLATE_OUT:
        chunks = deque(package.chunks(info, check_crc=False))
        hinted = _needs_range_check(chunks)
    else:
        chunks = deque()
        feed: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx-range") as side:
            hint = side.submit(_needs_range_check, iter(feed.get, None))
            try:
                for piece in package.chunks(info, check_crc=False):
                    chunks.append(piece)
                    feed.put(piece)
            finally:
                feed.put(None)
            hinted = hint.result()
    if hinted:
        _check_range(title, list(chunks))
    return chunks, info.CRC


def _scan_inflated(
    inflated: Future[tuple[deque[bytes], int]], package: _Package, info: zipfile.ZipInfo
) -> _SheetScan:
    chunks, expected_crc = inflated.result()
    crc = 0

    def drain() -> Iterator[bytes]:
        nonlocal crc
        while chunks:  # release each chunk as soon as it is scanned
            piece = chunks.popleft()
            crc = zlib.crc32(piece, crc)
            yield piece

    scan = _scan_chunks(drain())
    if crc != expected_crc:
        raise WorkbookRejected(MSG_CORRUPT, "file.corrupt")
    return _placed(scan, package, info)


def _scan_chunks(chunks: Iterable[bytes], *, range_check: bool = False) -> _SheetScan:
    """Collect what fastexcel cannot see from a worksheet's inflated chunks (and, with
    `range_check`, whether `_PRE_PARSE_HINT` appears)."""
    scan = _SheetScan()
    for segment in _row_segments(chunks):
        _scan_segment(segment, scan)
        if range_check and not scan.range_hint:
            scan.range_hint = _matches(segment, _PRE_PARSE_HINT)
    return scan


def _row_segments(chunks: Iterable[bytes]) -> Iterator[bytes | memoryview]:
    """A worksheet's inflated chunks re-cut just after a `</row>`, so no cell straddles two.

    The few bytes of an unfinished row are carried into the next segment. Only those few bytes
    are copied: the bulk of each chunk is passed on in place through a memoryview.
    """
    carry = b""
    for piece in chunks:
        view = memoryview(piece)
        head_end = _first_row_end(piece)
        if head_end < 0:
            carry += piece
            continue
        yield carry + piece[:head_end]
        tail_start = _last_row_end(piece)
        if tail_start > head_end:
            yield view[head_end:tail_start]
        carry = piece[tail_start:]
    if carry:
        yield carry


def _matches(segment: bytes | memoryview, pattern: str) -> bool:
    """Whether an RE2 pattern occurs in the segment (pyarrow, without the GIL)."""
    return bool(pc.match_substring_regex(_binary_array(segment), pattern)[0].as_py())


def _needs_range_check(chunks: Iterable[bytes]) -> bool:
    return any(_matches(segment, _PRE_PARSE_HINT) for segment in _row_segments(chunks))


def _content_extent(
    title: str, chunks: Iterable[bytes]
) -> tuple[tuple[int, int], tuple[int, int], str] | None:
    """(first and last row, first and last column, 0-based) of the cells with any content, and
    the reference of the cell farthest out; None for a sheet with none. Raises WorkbookRejected
    for XML that is not well-formed: fastexcel reads past such damage, so the block it would
    build cannot be known. Cells are placed by `_cells_in_place`. A streaming pass in Python, so
    it runs only for a sheet `_PRE_PARSE_HINT` flags. A number below MIN_NUMBER is refused on
    the way, naming its cell."""
    # Running bounds, not lists: a flagged sheet may hold millions of cells.
    first_row = first_column = sys.maxsize
    last_row = last_column = -1
    farthest: dict[str, tuple[int, int]] = {}
    try:
        for cell, column, row in _cells_in_place(chunks):
            if not len(cell):  # no value, inline text or formula
                continue
            _refuse_impossible_number(title, cell, f"{column_letter(column)}{row}")
            first_row, first_column = min(first_row, row), min(first_column, column)
            if column > last_column:
                last_column, farthest["column"] = column, (column, row)
            if row > last_row:
                last_row, farthest["row"] = row, (column, row)
    except (SafeET.ParseError, defusedxml.DefusedXmlException) as exc:
        raise WorkbookRejected(MSG_CORRUPT, "file.corrupt") from exc
    if last_row < 0:
        return None
    wide = last_column - first_column >= 26
    far_column, far_row = farthest["column" if wide else "row"]
    return (
        (first_row, last_row),
        (first_column, last_column),
        f"{column_letter(far_column)}{far_row}",
    )


def _refuse_impossible_number(title: str, cell: Any, ref: str) -> None:
    if cell.get("t") not in (None, "n"):
        return
    value = next((child.text for child in cell if _local(child.tag) == "v"), None)
    try:
        number = float((value or "").strip())
    except ValueError:
        return
    if number < MIN_NUMBER:
        raise WorkbookRejected(
            f"Sheet '{display_value(title)}' cell {ref} holds {display_value(value)}, a number "
            "far outside any real figure or date: type the right value, save the workbook and "
            "upload it again",
            "cell.impossible_number",
            sheet=title,
            cell=ref,
        )


def _check_range(title: str, chunks: Iterable[bytes]) -> None:
    """Refuse a sheet whose cells with content span more than MAX_RANGE_CELLS: fastexcel would
    build the whole block between them (a value typed in XFD60000 alone is 983 million cells,
    and the process would run out of memory)."""
    extent = _content_extent(title, chunks)
    if extent is None:
        return
    (first_row, last_row), (first_column, last_column), far = extent
    cells = (last_row - first_row + 1) * (last_column - first_column + 1)
    if cells <= MAX_RANGE_CELLS:
        return
    block = f"{column_letter(first_column)}{first_row}:{column_letter(last_column)}{last_row}"
    raise WorkbookRejected(
        f"Sheet '{display_value(title)}' has a value in {far}, far outside its data: reading "
        f"the sheet would mean reading every cell of {block} ({cells:,} cells; the most this "
        f"app reads is {MAX_RANGE_CELLS:,}). Delete that cell and anything else beyond the "
        "data, save the workbook and upload it again",
        "sheet.range_too_large",
        sheet=title,
        cell=far,
    )


def _first_row_end(buffer: bytes) -> int:
    """Offset just after the first `</row>` (any prefix) in `buffer`, or -1."""
    match = _ROW_END.search(buffer)
    return match.end() if match else -1


def _last_row_end(buffer: bytes) -> int:
    """Offset just after the last `</row>` (any prefix) in `buffer`, or -1.

    `row>` alone is not enough: text and formulas may contain a bare `>`, but never `</`.
    """
    end = len(buffer)
    while True:
        at = buffer.rfind(b"row>", 0, end)
        if at < 0:
            return -1
        if _ROW_END_BEFORE.search(buffer, max(0, at - 64), at + 4):
            return at + 4
        end = at


def _scan_segment(segment: bytes | memoryview, scan: _SheetScan) -> None:
    if scan.first_row is None:
        _find_first_row(bytes(segment), scan)
    # Two RE2 passes without the GIL decide whether Python has to look at all: the first is
    # cheap and rules out sheets with no formulas, merges or DTD; the second rules out
    # formulas that all have saved results.
    array = _binary_array(segment)
    if not pc.match_substring_regex(array, _ANY_HINT)[0].as_py():
        return
    if not pc.match_substring_regex(array, _ANY_FINDING)[0].as_py():
        return
    if _BODY_DTD_RE.search(segment):
        raise WorkbookRejected(MSG_ENTITIES, "file.xml_entities")
    for match in _FORMULA_NO_VALUE_RE.finditer(segment):
        attrs = match.group(1) or b""
        if _CELL_TYPE_STR.search(attrs) and b"<v" in match.group(0):
            continue  # a formula whose saved result is the empty string
        ref = _CELL_REF.search(attrs)
        if ref:
            scan.formula_cells.append((ref.group(1).decode(), int(ref.group(2))))
        else:
            scan.formula_cells.append(_position_in_row(segment, match.start()))
    scan.merges.extend(m.group(1).decode("ascii", "replace") for m in _MERGE_RE.finditer(segment))


def _position_in_row(segment: bytes | memoryview, cell_start: int) -> tuple[str, int]:
    """(letters, row) of a cell written without r=, when its row has an r=; ("", 0) if not.

    The cell follows the one before it in its row (the spec's rule). A segment always starts
    at a row boundary, so the enclosing <row> is in it. Without the row's r= only counting every
    row of the sheet can tell, which `_formula_cells_by_position` does.
    """
    text = bytes(segment)
    number, tag_end = _enclosing_row(text, cell_start)
    if number is None:
        return "", 0
    column = -1
    for cell in _CELL_START.finditer(text, tag_end, cell_start):  # the cells before it
        ref = _CELL_REF.search(text, cell.start(), text.find(b">", cell.start()))
        column = _column_index(ref.group(1).decode()) if ref else column + 1
    return column_letter(column + 1), number


class _ChunkReader(io.RawIOBase):
    """A readable stream over inflated chunks, so a parser never needs the whole part at once."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")  # the unread rest of the current chunk, not a copy

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, b"")
            if not chunk:
                return 0
            self._pending = memoryview(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


_CELL_REF_PARTS = re.compile(r"([A-Z]+)([0-9]*)")


def _column_index(letters: str) -> int:
    """Excel letters -> 0-based column index (A -> 0, AA -> 26), of any length: a writer's
    "ZZZZZZ" is read as that far column, as fastexcel reads it."""
    return functools.reduce(lambda n, ch: n * 26 + ord(ch) - 64, letters, 0) - 1


def _cells_in_place(chunks: Iterable[bytes]) -> Iterator[tuple[Any, int, int]]:
    """Each cell element of a worksheet, complete, with its 0-based column and its row, placed
    as fastexcel places it: by its own r=, else after the cell before it in its row; a row
    without r= follows the row before it (the spec lets a writer leave references out). The
    element is cleared once the caller has looked at it. Raises the parser's error for XML that
    is not well-formed."""
    row_number, column = 0, -1
    for event, element in SafeET.iterparse(
        _ChunkReader(chunks), events=("start", "end"), forbid_dtd=True
    ):
        name = _local(element.tag)
        if event == "start" and name == "row":
            number = element.get("r") or ""
            row_number = int(number) if number.isdigit() else row_number + 1
            column = -1
        elif event == "start" and name == "c":
            ref = _CELL_REF_PARTS.fullmatch(element.get("r") or "")
            if ref:
                column = _column_index(ref[1])
                row_number = int(ref[2]) if ref[2] else row_number
            else:
                column += 1
        elif event == "end" and name == "c":
            yield element, column, row_number
            element.clear()
        elif event == "end" and name == "row":
            element.clear()


def _lacks_saved_result(cell: Any) -> bool:
    """A formula cell with no saved result: what `_FORMULA_NO_VALUE` finds, as elements."""
    children = {_local(child.tag): child for child in cell}
    if "f" not in children or "is" in children:
        return False
    value = children.get("v")
    # An empty <v> of a t="str" cell is a saved result: the empty string.
    return value is None or not (value.text or cell.get("t") == "str")


def _formula_cells_by_position(chunks: Iterable[bytes]) -> list[tuple[str, int]] | None:
    """Every formula cell with no saved result, located row by row and cell by cell.

    The spec lets a writer leave out references: a row without r= follows the row before it,
    a cell without r= the cell before it. The chunked scan does not count rows, so this second,
    streaming pass runs only for a sheet with such a formula in a row without r= (seconds for
    60k rows, paid only by a file that is refused). None if the sheet is not
    well-formed XML (the reader then reports it without a cell).
    """
    found: list[tuple[str, int]] = []
    try:
        for cell, column, row in _cells_in_place(chunks):
            if _lacks_saved_result(cell):
                found.append((column_letter(column), row))
    except (SafeET.ParseError, defusedxml.DefusedXmlException):
        return None
    return found


def _last_match(
    pattern: re.Pattern[bytes], text: bytes, start: int, end: int
) -> re.Match[bytes] | None:
    found = None
    for found in pattern.finditer(text, start, end):  # noqa: B007 - keep the last
        pass
    return found


def _enclosing_row(text: bytes, at: int) -> tuple[int | None, int]:
    """The number (r=) of the row element around offset `at`, and where its start tag ends;
    (None, at) when that row has no r= or no row starts before `at` in `text`."""
    row = _last_match(_ROW_START, text, 0, at)
    if row is None:
        return None, at
    tag_end = text.find(b">", row.start())
    number = re.search(rb"\br=\"([0-9]+)\"", text[row.start() : tag_end])
    return (int(number.group(1)) if number else None), tag_end


def _find_first_row(segment: bytes, scan: _SheetScan) -> None:
    """The Excel row of the first cell with a value: where fastexcel's first row comes from.

    fastexcel starts a sheet at its first non-empty cell and does not say which row that is;
    the header is normally row 1, but a sheet can start lower and the row numbers in every
    problem must still be the ones the data officer sees in Excel.
    """
    value = _FIRST_VALUE.search(segment)
    if value is None:
        scan.rows_before += len(_ROW_START.findall(segment))
        return
    # The cell holding that value starts at the last `<c` before it (a formula can sit between).
    cell = _last_match(_CELL_START, segment, max(0, value.start() - 32768), value.start())
    if cell is not None:
        tag_end = segment.find(b">", cell.start())
        ref = _CELL_REF.search(segment, cell.start(), tag_end)
        if ref:
            scan.first_row = int(ref.group(2))
            return
    # Cells may omit r=: fall back on the enclosing row's r=, then on counting rows.
    number, _ = _enclosing_row(segment, value.start())
    if number is not None:
        scan.first_row = number
        return
    scan.first_row = scan.rows_before + len(_ROW_START.findall(segment, 0, value.start()))


# --------------------------------------------------------------------------------------
# Sheet reading (fastexcel) and header checks
# --------------------------------------------------------------------------------------

_ERROR_CODES = {
    "div0": "#DIV/0!",
    "na": "#N/A",
    "name": "#NAME?",
    "null": "#NULL!",
    "num": "#NUM!",
    "ref": "#REF!",
    "value": "#VALUE!",
    "gettingdata": "#GETTING_DATA",
}
_ERROR_DETAIL = re.compile(r"Error\((\w+)\)")
_DATE_DETAIL = re.compile(r"ExcelDateTime \{ value: ([^,]+),")


def _as_text(array: pa.Array) -> pa.Array:
    # fastexcel types a column with no values at all as null, not string.
    return array if array.type == pa.string() else array.cast(pa.string())


def _text_column(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Arrow strings -> (distinct texts as an object array with None last, each row's code).

    Dictionary-encoding means one Python string per distinct value rather than one per cell:
    ids, months, breakdowns and statuses repeat, so this is several times cheaper than a plain
    conversion at 60k rows. An empty string counts as empty (the code of the final None).
    """
    encoded = pc.dictionary_encode(_as_text(array))
    dictionary = encoded.dictionary
    missing = len(dictionary)
    lookup = np.empty(missing + 1, dtype=object)
    lookup[:missing] = dictionary.to_numpy(zero_copy_only=False)
    lookup[missing] = None
    indices = encoded.indices.fill_null(missing).to_numpy()
    blank = pc.index(dictionary, "").as_py()
    if blank >= 0:
        indices = np.where(indices == blank, missing, indices)
    return lookup, indices


def _read_sheet(
    reader: fastexcel.ExcelReader,
    entry: _SheetEntry,
    spec: Sheet,
    scan_future: Future[_SheetScan],
    problems: list[Problem],
) -> RawSheet:
    title = entry.title
    try:
        sheet = reader.load_sheet(title, header_row=None, dtypes="string")
        batch, errors = sheet.to_arrow_with_errors()
    except fastexcel.FastExcelError as exc:
        scan_future.result()  # a rejection found by the scan explains more than this
        raise WorkbookRejected(MSG_CORRUPT, "file.corrupt") from exc
    except BaseException as exc:
        # The Rust reader panics (pyo3's PanicException, a BaseException) on a number in a
        # date-formatted cell that no calendar date can hold; say so instead of crashing.
        if type(exc).__name__ != "PanicException":
            raise
        scan_future.result()
        raise WorkbookRejected(
            f"Sheet '{display_value(title)}' has a cell formatted as a date or time whose "
            "number is far outside any real date (such as -1.8E+308): clear the cell's date "
            "format or type the date again",
            "cell.impossible_date",
            sheet=title,
        ) from exc
    scan = scan_future.result()
    columns = [info.absolute_index for info in sheet.selected_columns]
    first_row = scan.first_row or 1
    if batch.num_rows == 0:
        if spec.required:
            problems.append(
                Problem(
                    f"Sheet '{display_value(title)}' is empty: it needs the header row and "
                    "the data",
                    sheet=title,
                    rule="sheet.empty",
                )
            )
        return RawSheet(spec, title, {}, np.empty(0, dtype=np.int64), header_row=1)

    known = {normalise_name(col.name): col.name for col in spec.columns}
    positions: dict[str, int] = {}
    letters: dict[str, str] = {}
    header_cells = batch.slice(0, 1).to_pylist()[0]
    for j, header in enumerate(header_cells.values()):
        letter = column_letter(columns[j])
        cell = f"{letter}{first_row}"
        if header is None or not str(header).strip():
            data = _as_text(batch.column(j).slice(1))
            if data.null_count < len(data) and pc.any(pc.not_equal(data, "")).as_py():
                problems.append(
                    Problem(
                        f"Column {letter} of sheet '{display_value(title)}' has values but no "
                        "header: add the header or delete the column",
                        sheet=title,
                        cell=cell,
                        row=first_row,
                        rule="header.blank",
                    )
                )
            continue
        name = known.get(normalise_name(header))
        if name is None:
            problems.append(
                Problem(
                    f"Unknown column '{display_value(header)}' in sheet '{spec.name}': rename "
                    f"it to one of {', '.join(spec.names)} or delete it",
                    sheet=title,
                    cell=cell,
                    value=display_value(header),
                    row=first_row,
                    rule="header.unknown_column",
                )
            )
        elif name in positions:
            problems.append(
                Problem(
                    f"Column '{name}' appears twice in sheet '{spec.name}' ({letters[name]}"
                    f"{first_row} and {cell}): keep one",
                    sheet=title,
                    cell=cell,
                    column=name,
                    value=display_value(header),
                    row=first_row,
                    rule="header.duplicate_column",
                )
            )
        else:
            positions[name] = j
            letters[name] = letter
    for col in spec.columns:
        if col.required and col.name not in positions:
            problems.append(
                Problem(
                    f"Sheet '{spec.name}' has no '{col.name}' column, which is required: add it "
                    f"with the header {col.header}",
                    sheet=title,
                    column=col.name,
                    rule="header.missing_required_column",
                )
            )

    by_index = {j: name for name, j in positions.items()}
    by_letter = {letter: name for name, letter in letters.items()}
    _cell_problems(title, errors, scan, columns, first_row, by_index, by_letter, problems)

    data_rows = batch.num_rows - 1
    encoded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    all_empty = np.ones(data_rows, dtype=bool)
    for col in spec.columns:
        if col.name in positions:
            distinct, codes = _text_column(batch.column(positions[col.name]).slice(1))
            encoded[col.name] = (distinct, codes)
            all_empty &= codes == len(distinct) - 1
    rows = np.arange(first_row + 1, first_row + 1 + data_rows, dtype=np.int64)
    if encoded and all_empty.any():
        keep = ~all_empty
        encoded = {name: (distinct, codes[keep]) for name, (distinct, codes) in encoded.items()}
        rows = rows[keep]
    elif not encoded:
        rows = rows[:0]
    return RawSheet(spec, title, letters, rows, header_row=first_row, encoded=encoded)


def _cell_problems(  # noqa: PLR0917 - one private call site
    title: str,
    errors: fastexcel.CellErrors | None,
    scan: _SheetScan,
    columns: list[int],
    first_row: int,
    by_index: dict[int, str],
    by_letter: dict[str, str],
    problems: list[Problem],
) -> None:
    """Excel errors (from fastexcel), formulas with no result and merges (from the scan)."""
    for error in errors.errors if errors else []:
        row_offset, j = error.position
        name = by_index.get(j)
        if name is None and row_offset != 0:
            continue  # a column that is already reported as unknown, or ignored
        match = _ERROR_DETAIL.search(error.detail)
        code = match.group(1) if match else ""
        shown = _ERROR_CODES.get(code.casefold(), f"#{code.upper()}" if code else "")
        row = first_row + row_offset
        date = _DATE_DETAIL.search(error.detail)
        if shown:
            message = f"Excel error {shown} in a cell; fix the formula or type the value"
            rule = "cell.excel_error"
        elif date:
            # fastexcel names the cell's own number when its date format gives no real date.
            shown = date.group(1).removesuffix(".0")
            message = (
                "The cell is formatted as a date or time but its number is no real date: clear "
                "the cell's date format or type the date again"
            )
            rule = "cell.unreadable"
        else:
            message = f"The cell could not be read as text ({error.detail})"
            rule = "cell.unreadable"
        problems.append(
            Problem(
                message,
                sheet=title,
                cell=f"{column_letter(columns[j])}{row}",
                column=name or "",
                value=display_value(shown),
                row=row,
                rule=rule,
            )
        )
    for letter, row in scan.formula_cells:
        name = by_letter.get(letter)
        if letter and name is None and row != first_row:
            continue
        problems.append(
            Problem(
                "Formula with no saved result; open the file in Excel, let it calculate, save, "
                "and upload again",
                sheet=title,
                cell=f"{letter}{row}" if letter else "",
                column=name or "",
                row=row or None,
                rule="cell.formula_no_value",
            )
        )
    for ref in scan.merges:
        top_left = ref.split(":", 1)[0]
        match = re.fullmatch(r"([A-Z]{1,3})([0-9]{1,7})", top_left)
        letter, row_text = (match.group(1), match.group(2)) if match else ("", "")
        problems.append(
            Problem(
                f"Cells {display_value(ref)} are merged; unmerge them and put each value in its "
                "own cell",
                sheet=title,
                cell=top_left if match else "",
                column=by_letter.get(letter, ""),
                value=display_value(ref),
                row=int(row_text) if row_text else None,
                rule="cell.merged",
            )
        )


# --------------------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------------------


def read_workbook(
    source: bytes | Path,
    display_name: str,
    *,
    limits: ReadLimits = ReadLimits(),  # frozen, so a shared default is safe
) -> RawWorkbook:
    """Read an uploaded workbook safely. Raises `WorkbookRejected` when nothing is readable.

    `display_name` is the name the uploader gave the file; it is only ever shown, never used
    as a path. `source` may be the bytes of the upload or the path of a file to read.
    """
    data = source.read_bytes() if isinstance(source, Path) else bytes(source)
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        return _read(data, sha256, display_name, limits)
    except WorkbookRejected as exc:
        exc.sha256, exc.size, exc.display_name = sha256, len(data), display_name
        raise


def _plan(
    pool: ThreadPoolExecutor, package: _Package, entry: _SheetEntry, limits: ReadLimits
) -> tuple[Future[Any] | None, Future[_SheetScan]]:
    """Queue one sheet's checks on the single worker: (must finish before parsing, the scan).

    The worker takes sheets in order, so it inflates and scans sheet k+1 while fastexcel
    parses sheet k. When sizes must be proven before parsing, a sheet of moderate size is
    inflated first and its chunks kept, so only the inflating delays fastexcel and the
    scanning runs alongside the parse; a huge sheet is scanned as it inflates instead, so
    memory stays bounded, and fastexcel waits for both.
    """
    info = package.get(entry.part)
    assert info is not None  # checked by the caller
    if not limits.verify_before_parsing:
        # A range too big to hold would end the process, so that check still comes first.
        ready = pool.submit(_range_only, package, info, entry.title)
        return ready, pool.submit(_scan_worksheet, package, info, entry.title, range_check=False)
    if info.file_size <= _KEEP_INFLATED:
        inflated = pool.submit(_inflate, package, info, entry.title)
        return inflated, pool.submit(_scan_inflated, inflated, package, info)
    scan = pool.submit(_scan_worksheet, package, info, entry.title)
    return scan, scan


def _read(data: bytes, sha256: str, display_name: str, limits: ReadLimits) -> RawWorkbook:
    if not data:
        raise WorkbookRejected(MSG_EMPTY, "file.empty")
    if not data.startswith(ZIP_MAGIC):
        raise _reject_non_zip(data)
    package = _Package(data, limits)
    _check_parts(package)
    entries = _parse_package(package)

    problems: list[Problem] = []
    chosen: list[tuple[_SheetEntry, Sheet]] = []
    seen: dict[str, str] = {}
    ignored = []
    for entry in entries:
        key = normalise_name(entry.title)
        spec = SHEETS_BY_NAME.get(key)
        if spec is None:
            if key != "instructions":
                ignored.append(entry.title)
            continue
        if spec.name in seen:
            problems.append(
                Problem(
                    f"Two sheets are called '{spec.name}' ('{display_value(seen[spec.name])}' "
                    f"and '{display_value(entry.title)}'): keep one",
                    sheet=entry.title,
                    value=display_value(entry.title),
                    rule="sheet.duplicate",
                )
            )
            continue
        seen[spec.name] = entry.title
        if entry.state in ("hidden", "veryHidden"):
            problems.append(
                Problem(
                    f"Sheet '{display_value(entry.title)}' is hidden: unhide it or remove it",
                    sheet=entry.title,
                    rule="sheet.hidden",
                )
            )
            continue
        info = package.get(entry.part) if entry.part else None
        if info is None:
            raise WorkbookRejected(MSG_CORRUPT, "file.corrupt")
        chosen.append((entry, spec))
    for spec in DATA_SHEETS:
        if spec.required and spec.name not in seen:
            problems.append(
                Problem(
                    f"The workbook has no '{spec.name}' sheet, which is required: use the "
                    "template's sheets and names",
                    sheet=spec.name,
                    rule="sheet.missing",
                )
            )

    sheets: dict[str, RawSheet] = {}
    if chosen:
        try:
            reader = fastexcel.read_excel(data)
        except fastexcel.FastExcelError as exc:
            raise WorkbookRejected(MSG_CORRUPT, "file.corrupt") from exc
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx-scan") as pool:
            work = [_plan(pool, package, entry, limits) for entry, _ in chosen]
            try:
                for (entry, spec), (ready, scan) in zip(chosen, work, strict=True):
                    if ready is not None:
                        ready.result()  # the sheet inflated to no more than it declares
                    sheets[spec.name] = _read_sheet(reader, entry, spec, scan, problems)
            except BaseException:
                for ready, scan in work:
                    scan.cancel()
                    if ready is not None:
                        ready.cancel()
                raise
    order = {spec.name: i for i, spec in enumerate(DATA_SHEETS)}
    sheets = dict(sorted(sheets.items(), key=lambda item: order[item[0]]))
    return RawWorkbook(
        sheets=sheets,
        problems=problems,
        sha256=sha256,
        size=len(data),
        display_name=display_name,
        ignored_sheets=ignored,
    )
