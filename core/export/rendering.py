"""Image rendering with kaleido: ONE persistent headless Chromium per process, started lazily on
first use, with no network (a dead loopback proxy)."""
from __future__ import annotations

import threading

import plotly.graph_objects as go
import plotly.io as pio

from core.export.slides import SLIDE_HEIGHT, SLIDE_WIDTH

PNG_SCALE = 2                      # PNG at 2x: 3840 x 2160 pixels
FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
NO_NETWORK_PROXY = "127.0.0.1:9"   # discard port on loopback: nothing listens, nothing leaves the machine

_SERVER_LOCK = threading.Lock()
_RENDER_LOCK = threading.Lock()   # kaleido's sync server has one task/return queue: serialise calls
_server_started = False


def ensure_export_browser() -> None:
    """Start kaleido's sync server (one headless Chromium) once per process.

    ``pio.defaults.headers = None`` stops plotly passing kopts that the server would ignore
    (with a warning); ``mathjax=False`` stops the CDN look-up (no network is needed); a dead
    loopback proxy (``--proxy-server=127.0.0.1:9``) stops Chromium's own DNS look-ups
    (found by the issue-8 no-network test; rendering needs no network).  The server is
    stopped by kaleido's own atexit hook.  See /work/shared/TOOLCHAIN.md section 3.
    """
    global _server_started
    if _server_started:
        return
    with _SERVER_LOCK:
        if _server_started:
            return
        import kaleido   # here, where the export browser starts: most processes never render

        pio.defaults.headers = None
        kaleido.start_sync_server(mathjax=False, silence_warnings=True, proxy_server=NO_NETWORK_PROXY)
        _server_started = True


def render(fig: go.Figure | dict, fmt: str, *, width: int | None = None, height: int | None = None,
           scale: float | None = None) -> bytes:
    """PNG / SVG / PDF bytes of ``fig`` (a Figure or its dict; size from its layout unless given;
    PNG at 2x).  Calls are serialised: kaleido's sync server has a single task queue.

    Raises
    ------
    ValueError
        When ``fmt`` is not one of png, svg, pdf.
    """
    fmt = str(fmt).lower()
    if fmt not in FORMATS:
        raise ValueError(f"`fmt` must be one of {tuple(FORMATS)}; got {fmt!r}")
    layout = fig.get("layout", {}) if isinstance(fig, dict) else fig.layout
    width = width or (layout["width"] if "width" in layout else None) or SLIDE_WIDTH
    height = height or (layout["height"] if "height" in layout else None) or SLIDE_HEIGHT
    scale = scale or (PNG_SCALE if fmt == "png" else 1)
    ensure_export_browser()
    with _RENDER_LOCK:
        return pio.to_image(fig, format=fmt, width=int(width), height=int(height), scale=scale, validate=False)
