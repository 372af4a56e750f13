"""Static chart images: plotly figure dicts to PNG with kaleido and Debian's chromium, cached.

One browser per pack at most (FINDINGS: a cold ``write_image`` starts a browser per call, 1.8 s;
a warm server renders a PNG in about 0.15 s): ``ChartRenderer`` starts kaleido's sync server
with ``path=<chromium>`` (never ``get_chrome``, which would download a browser) on its first
cache miss, and stops it when the pack is done, unless someone else (a test session) already
had it running. PNGs are cached on disk per data version under ``<cache>/charts/v<N>/``, named
by the measure and a digest of the figure and the render options, so an unchanged chart is
never rendered twice and a changed one can never be served stale.

kaleido's sync server hangs for ever if its browser never starts, so the browser's path is
checked first and every render has a deadline.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from queue import Empty, Queue
from typing import Any

from loaders.exports.content import slug
from loaders.exports.data import ExportError

DEFAULT_CHROMIUM = "/usr/bin/chromium"
#: Pixels of the image in layout units; ``scale`` 2 doubles them for a sharp slide or page.
WIDTH, HEIGHT, SCALE = 1100, 680, 2
#: The pack's chart text size: read at slide size on a shared screen, and on paper.
FONT_SIZE = 18
RENDER_TIMEOUT_S = 90.0
JPEG_QUALITY = 92
#: Version folders kept in the cache (the most recently used): older ones are deleted.
KEEP_VERSIONS = 6

#: Process-wide counters, for the benchmark and the tests.
STATS = {"browser_starts": 0, "renders": 0, "cache_hits": 0}
#: One pack renders at a time per process: kaleido's server is a process-wide singleton and
#: its calls must not interleave (each waits for the whole queue, then takes "the" answer).
_PACK_LOCK = threading.Lock()
#: Guards starting and stopping the server (held only for that moment).
_STATE_LOCK = threading.Lock()


class BrowserUnavailable(ExportError):
    """No usable browser for chart images: the export cannot be made."""

    status = 503


def chromium_path(settings: Any = None) -> str:
    return str(getattr(settings, "chromium_path", "") or DEFAULT_CHROMIUM)


def cache_dir(settings: Any) -> Path:
    """``<cache_dir setting>/charts``, by default ``data/cache/charts`` beside the store."""
    configured = getattr(settings, "cache_dir", None)
    if configured:
        base = Path(str(configured))
        if not base.is_absolute() and hasattr(settings, "path"):
            base = settings.path("cache_dir")
    else:
        base = Path(settings.db_path).parent / "cache"
    return base / "charts"


def _kaleido_server() -> Any:
    import kaleido

    return kaleido._global_server  # the sync server singleton: is it running?


def browser_running() -> bool:
    return bool(_kaleido_server().is_running())


def start_browser(chromium: str = DEFAULT_CHROMIUM) -> None:
    """Start kaleido's sync server on ``chromium`` (once; a no-op when it is running)."""
    import kaleido

    with _STATE_LOCK:
        if browser_running():
            return
        path = Path(chromium)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise BrowserUnavailable(
                f"chart images need a Chromium browser at {chromium}, and there is none: "
                "install Debian's chromium package (apt-get install chromium), or set "
                "chromium_path"
            )
        kaleido.start_sync_server(path=str(path), mathjax=False)
        STATS["browser_starts"] += 1


def stop_browser() -> None:
    import kaleido

    with _STATE_LOCK:
        if browser_running():
            kaleido.stop_sync_server(silence_warnings=True)


def _to_png(figure: dict[str, Any], width: int, height: int, scale: float) -> bytes:
    """One PNG via plotly.io.to_image on the running server, with a deadline: if the browser
    died, kaleido would otherwise wait for ever."""
    import plotly.io as pio

    answer: Queue[Any] = Queue(maxsize=1)

    def work() -> None:
        try:
            with warnings.catch_warnings():
                # plotly passes its default map-tile headers as kaleido options on every call;
                # a running server ignores them and says so each time. Nothing here uses maps.
                warnings.filterwarnings(
                    "ignore", message="The kopts argument is ignored", category=UserWarning
                )
                answer.put(
                    pio.to_image(
                        figure,
                        format="png",
                        width=width,
                        height=height,
                        scale=scale,
                        validate=False,
                    )
                )
        except Exception as exc:  # handed to the caller's thread below
            answer.put(exc)

    threading.Thread(target=work, name="chart-render", daemon=True).start()
    try:
        result = answer.get(timeout=RENDER_TIMEOUT_S)
    except Empty:
        raise BrowserUnavailable(
            f"the chart browser did not answer within {RENDER_TIMEOUT_S:.0f} s"
        ) from None
    if isinstance(result, Exception):
        raise BrowserUnavailable(f"a chart could not be drawn: {result}") from result
    return bytes(result)


def digest(figure: dict[str, Any], width: int, height: int, scale: float) -> str:
    """Names the image: the figure itself, the render options and the library versions."""
    text = json.dumps(figure, sort_keys=True, default=str, separators=(",", ":"))
    versions = f"{metadata.version('plotly')}/{metadata.version('kaleido')}"
    material = f"{text}|{width}x{height}@{scale}|{versions}".encode()
    return hashlib.sha256(material).hexdigest()[:24]


class ChartRenderer:
    """PNG files for figure dicts, for one pack: ``with ChartRenderer(...) as r: ...``.

    ``r.png(figure, name)`` renders (or finds) one image. ``r.start(items)`` renders a whole
    pack's charts in order on a background thread, and ``r.result(key)`` waits for one of them:
    the caller builds slides while the browser draws the next chart (kaleido spends its time in
    the browser, so both go ahead at once), and JPEGs for the PDF are made on a second thread
    as each PNG lands. The browser starts at the first cache miss, so a pack whose charts are
    all cached for this version starts none, and stops when the pack is done.
    """

    def __init__(
        self,
        root: Path,
        version: int,
        *,
        chromium: str = DEFAULT_CHROMIUM,
        width: int = WIDTH,
        height: int = HEIGHT,
        scale: float = SCALE,
    ) -> None:
        self.folder = root / f"v{version}"
        self.chromium = chromium
        self.width, self.height, self.scale = width, height, scale
        self.started = False
        self.rendered = 0
        self.hits = 0
        self._pngs: dict[str, Future[Path]] = {}
        self._jpegs: dict[str, Future[Path]] = {}
        self._pools: list[ThreadPoolExecutor] = []

    def __enter__(self) -> ChartRenderer:
        _PACK_LOCK.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            for pool in self._pools:
                pool.shutdown(wait=True, cancel_futures=True)
            if self.started:
                stop_browser()
        finally:
            _PACK_LOCK.release()

    def warm_up_if_needed(self, charts_in_pack: int) -> None:
        """Start the browser now (it boots in the background while the figures are built) if
        this version's cache cannot hold every chart of the pack, i.e. some will be drawn."""
        cached = len(list(self.folder.glob("*.png"))) if self.folder.exists() else 0
        if cached < charts_in_pack and not browser_running():
            start_browser(self.chromium)
            self.started = True

    def path_for(self, figure: dict[str, Any], name: str) -> tuple[dict[str, Any], Path]:
        sized = {**figure, "layout": {**figure.get("layout", {})}}
        sized["layout"]["width"], sized["layout"]["height"] = self.width, self.height
        key = digest(sized, self.width, self.height, self.scale)
        return sized, self.folder / f"{slug(name)[:60]}-{key}.png"

    def png(self, figure: dict[str, Any], name: str) -> Path:
        """The cached PNG of ``figure`` (``name``: a readable prefix, e.g. the measure id)."""
        sized, path = self.path_for(figure, name)
        if path.exists():
            self.hits += 1
            STATS["cache_hits"] += 1
            return path
        if not browser_running():
            start_browser(self.chromium)
            self.started = True
        data = _to_png(sized, self.width, self.height, self.scale)
        self.folder.mkdir(parents=True, exist_ok=True)
        # Write then rename: another worker reading the cache never sees half a file.
        temp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        temp.write_bytes(data)
        os.replace(temp, path)
        self.rendered += 1
        STATS["renders"] += 1
        return path

    def start(self, items: Sequence[tuple[str, dict[str, Any]]], *, jpegs: bool = False) -> None:
        """Render ``items`` (key, figure) in order in the background; JPEGs too if asked."""
        renders = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart-png")
        self._pools.append(renders)
        converts = None
        if jpegs:
            converts = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart-jpeg")
            self._pools.append(converts)
        for key, figure in items:
            future = renders.submit(self.png, figure, key)
            self._pngs[key] = future
            if converts is not None:
                self._jpegs[key] = converts.submit(_jpeg_of, future)

    def result(self, key: str, *, as_jpeg: bool = False) -> Path:
        """The image of ``key`` once it is ready (re-raising the renderer's error, if any)."""
        return (self._jpegs if as_jpeg else self._pngs)[key].result()


def _jpeg_of(png: Future[Path]) -> Path:
    return jpeg(png.result())


def jpeg(png: Path, quality: int = JPEG_QUALITY) -> Path:
    """A JPEG beside a cached PNG, for the PDF: weasyprint embeds a JPEG as it is but decodes
    and re-compresses every PNG (and its alpha channel), which was most of a pack's PDF time.
    The chart is flattened onto white; at twice the layout size the artefacts do not show."""
    from PIL import Image

    path = png.with_suffix(".jpg")
    if not path.exists():
        with Image.open(png) as image:
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
        temp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        flat.save(temp, format="JPEG", quality=quality)
        os.replace(temp, path)
    return path


def prune(root: Path, keep: int = KEEP_VERSIONS) -> None:
    """Delete all but the ``keep`` most recently used version folders of the cache."""
    if not root.exists():
        return
    folders = sorted(
        (p for p in root.iterdir() if p.is_dir() and p.name.startswith("v")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in folders[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def touch(folder: Path) -> None:
    if folder.exists():
        now = time.time()
        os.utime(folder, (now, now))
