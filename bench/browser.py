"""Headless Chromium for the benchmarks: launch, a context that only reaches one local server, and
readiness waits for a vis-network canvas.

The browser is Debian's Chromium at /usr/bin/chromium driven by Playwright's Python package;
Playwright's own browsers are never installed. Times returned here are seconds since the
navigation start of the page's top-level document (its ``performance.timeOrigin``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import time
from collections.abc import Iterator

from playwright.sync_api import Browser, BrowserContext, Frame, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

logger = logging.getLogger(__name__)

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# Title of the iframe that streamlit-agraph renders its vis-network graph in.
AGRAPH_FRAME_TITLE = "streamlit_agraph.agraph"
# A canvas counts as stable once its pixels stay unchanged for this long.
QUIET_MS = 300
POLL_INTERVAL_MS = 50


@contextlib.contextmanager
def launch_browser() -> Iterator[Browser]:
    """Launch headless Chromium with the benchmark's fixed flags, and close it on exit."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclasses.dataclass
class LocalContext:
    """A fresh browser context whose requests outside one origin are aborted."""

    context: BrowserContext
    origin: str
    # URLs of the aborted requests, in order.
    blocked_urls: list[str] = dataclasses.field(default_factory=list)


@contextlib.contextmanager
def local_context(browser: Browser, origin: str) -> Iterator[LocalContext]:
    """Open a new context (empty HTTP cache, cookies and storage) that aborts requests outside
    ``origin``, such as ``http://127.0.0.1:8501``, and close it on exit.

    Routing goes through Playwright's driver, which adds a little latency to every request, and
    Playwright disables the HTTP cache of a routed context.
    """
    context = browser.new_context()
    local = LocalContext(context, origin.rstrip("/"))

    def abort(route) -> None:
        local.blocked_urls.append(route.request.url)
        logger.warning("aborted a request outside %s: %s", local.origin, route.request.url)
        route.abort()

    # A regex is matched in Playwright's driver, so local requests never wait for Python.
    context.route(re.compile("^(?!" + re.escape(local.origin + "/") + ")"), abort)
    try:
        yield local
    finally:
        context.close()


# Starts polling one canvas inside the frame and stores the promise on window. The promise resolves
# once the pixels have stayed unchanged for quietMs. Times are absolute (timeOrigin + now) so that
# the caller can put them on the top-level page's clock: an iframe's performance.now() starts at
# the iframe's own navigation.
_START_CANVAS_POLL_JS = """
({selector, quietMs, intervalMs, timeoutMs}) => {
    const fingerprint = (canvas) => {
        if (!canvas || canvas.width === 0 || canvas.height === 0) {
            return null;
        }
        const pixels = new Uint32Array(
            canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data.buffer);
        let hash = 0x811c9dc5;
        let uniform = true;
        for (let i = 0; i < pixels.length; i++) {
            hash = Math.imul(hash ^ pixels[i], 0x01000193);
            uniform = uniform && pixels[i] === pixels[0];
        }
        // A canvas of one color (transparent before vis-network draws) is blank.
        return uniform ? null : `${canvas.width}x${canvas.height}:${hash >>> 0}`;
    };
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    const poll = async () => {
        const started = performance.now();
        let last = null;
        let since = 0;
        while (performance.now() - started < timeoutMs) {
            const current = fingerprint(document.querySelector(selector));
            const now = performance.timeOrigin + performance.now();
            if (current === null || current !== last) {
                last = current;
                since = now;
            } else if (now - since >= quietMs) {
                return {stableAt: since, state: 'stable'};
            }
            await sleep(intervalMs);
        }
        return {stableAt: null, state: last === null ? 'blank or missing' : 'still changing'};
    };
    window.__benchCanvasPoll = poll();
}
"""


def wait_canvas_stable(frame: Frame, timeout: float = 60.0, selector: str = "canvas") -> float:
    """Wait until the canvas ``selector`` in ``frame`` is non-blank and its pixels stayed unchanged
    for QUIET_MS; return the seconds from the top-level page's navigation start to the first poll
    that saw the final pixels.

    The pixels are polled every POLL_INTERVAL_MS at full resolution with ``getImageData``, so the
    returned time is late by at most one interval plus the time a busy page delays the poll.
    Raises TimeoutError after ``timeout`` seconds with no canvas, or with it blank or still
    changing.
    """
    deadline = time.monotonic() + timeout
    _start_canvas_poll(frame, selector, deadline)
    return _finish_canvas_poll(frame, selector, timeout)


def wait_agraphs_stable(page: Page, count: int = 1, timeout: float = 60.0) -> float:
    """Wait until ``count`` streamlit-agraph canvases are each stable; return the seconds from
    navigation start until the last of them became stable.

    All canvases are polled at the same time, so a graph that settles first is timed correctly.
    """
    deadline = time.monotonic() + timeout
    frames = agraph_frames(page, count, timeout)
    for frame in frames:
        _start_canvas_poll(frame, "canvas", deadline)
    return max(_finish_canvas_poll(frame, "canvas", timeout) for frame in frames)


def agraph_frames(page: Page, count: int = 1, timeout: float = 60.0) -> list[Frame]:
    """Wait until the page has ``count`` streamlit-agraph iframes and return their frames in
    document order."""
    iframes = page.locator(f'iframe[title="{AGRAPH_FRAME_TITLE}"]')
    iframes.nth(count - 1).wait_for(state="attached", timeout=timeout * 1000)

    frames = []
    for handle in iframes.element_handles():
        frame = handle.content_frame()
        if frame is None:
            raise RuntimeError(f"an iframe titled {AGRAPH_FRAME_TITLE!r} on {page.url} has no frame")
        frames.append(frame)
    return frames


def page_time_origin(page: Page) -> float:
    """Return the top-level document's ``performance.timeOrigin``: its navigation start, in ms
    since the Unix epoch."""
    return page.main_frame.evaluate("performance.timeOrigin")


def _start_canvas_poll(frame: Frame, selector: str, deadline: float) -> None:
    # An iframe's first document is about:blank, and then it navigates to its src. Waiting for the
    # canvas element, which Playwright retries across navigations, makes the poll run in the
    # document that draws the graph.
    # NOTE: a graph drawn and settled before the element is found is timed at the first poll, so
    # late by the round trip to the browser (milliseconds).
    try:
        frame.wait_for_selector(selector, state="attached", timeout=_remaining_ms(deadline))
    except PlaywrightTimeoutError:
        raise TimeoutError(
            f"no element {selector!r} appeared in frame {frame.url}; check that the graph was drawn"
        ) from None
    arguments = {
        "selector": selector,
        "quietMs": QUIET_MS,
        "intervalMs": POLL_INTERVAL_MS,
        "timeoutMs": _remaining_ms(deadline),
    }
    frame.evaluate(_START_CANVAS_POLL_JS, arguments)


def _finish_canvas_poll(frame: Frame, selector: str, timeout: float) -> float:
    # NOTE: if the iframe reloads or is removed while polling, Playwright raises its Error
    # "Execution context was destroyed". The caller then has to find the new frame and wait again.
    result = frame.evaluate("window.__benchCanvasPoll")
    if result["stableAt"] is None:
        raise TimeoutError(
            f"canvas {selector!r} in frame {frame.url} was {result['state']} after {timeout:g} s; "
            "check that the graph has data, or raise the timeout"
        )
    return (result["stableAt"] - page_time_origin(frame.page)) / 1000


def _remaining_ms(deadline: float) -> float:
    # Playwright treats a timeout of 0 as "no timeout", so a passed deadline becomes 1 ms.
    return max(1.0, (deadline - time.monotonic()) * 1000)
