"""Time the Sessions list on a folder of 500 sessions: the listing, AppTest and a real browser.

The folder is built from real profiles on CPU: light_squeezenet for most sessions and
light_densenet121 for a few large ones, whose counters table is repeated to LARGE_COUNTER_ITERATIONS
pass 2 iterations. Each copy gets its own session id, creation time and model name and is written
with ovstudio's own ``write_session``, so its footer is the one a real profile gets.

Each round measures, one after another:
- ``list_sessions(folder)`` with its cache of rows cleared, so it reads every Parquet footer, and
  again with every row cached;
- a full ``read_session`` of every file, the naive way to list them, as the reference of the ratio;
- the Sessions page in AppTest: the run that renders it, after a first run of the app and with the
  listing cache cleared;
- the Sessions page in headless Chromium against `streamlit run`: seconds from navigation start
  to the page's header and to the moment the sessions table (Streamlit's data grid) holds all
  rows, read on the page's own clock. Each round opens a new browser context, so the HTTP cache
  starts empty. The server's listing cache is filled by one visit before the rounds, which is
  reported on its own.
The same browser measurement on a folder of REFERENCE_COUNT sessions gives the page's fixed cost.

    python bench/list_sessions.py [--count 500] [--large 3] [--rounds 5] [--write-docs]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import logging
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np
import pandas as pd
from playwright.sync_api import Browser

from bench.browser import launch_browser, local_context
from bench.machine import cpu_name
from ovstudio.pipeline import profile_model
from ovstudio.session.listing import clear_listing_cache
from ovstudio.session.store import Session, list_sessions, new_session_id, read_session, write_session
from ovstudio.settings import ProfileSettings
from tests.app_support import new_app, open_page, sessions_folder_env
from tests.browser_support import RunningApp, run_app
from tests.real_models import fetch

logger = logging.getLogger("list_sessions")

BENCHMARKS_DOC = REPO / "docs" / "benchmarks.md"
START_MARKER = "<!-- list_sessions:start -->"
END_MARKER = "<!-- list_sessions:end -->"
SMALL_MODEL = "light_squeezenet"
LARGE_MODEL = "light_densenet121"
PROFILE_ITERATIONS = 10
# Pass 2 iterations of a large session, as `--counter-iterations 1000` would record them.
LARGE_COUNTER_ITERATIONS = 1000
# Sessions of the reference folder, whose page time is the cost of the page without a long list.
REFERENCE_COUNT = 5
FIRST_CREATED = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
# Seconds the browser may take to show the table.
BROWSER_TIMEOUT_S = 120.0

# Resolves to performance.now() once the page's header is drawn: the script has started, and the
# listing comes next.
_HEADER_JS = """
() => {
    const header = [...document.querySelectorAll('h1, h2')].find((element) => element.textContent.trim() === 'Sessions');
    return header ? performance.now() : false;
}
"""
# Resolves to performance.now() (ms since navigation start) once the sessions grid has all rows.
# The data grid keeps an accessible table of its rows whose aria-rowcount counts the header too.
_GRID_ROWS_JS = """
(rows) => {
    const grid = document.querySelector(`table[role="grid"][aria-rowcount="${rows + 1}"]`);
    return grid ? performance.now() : false;
}
"""


@dataclasses.dataclass
class Timings:
    """Seconds of each measurement, one value per round."""

    # list_sessions with its cache cleared, and again with every row cached.
    footer_listing: list[float] = dataclasses.field(default_factory=list)
    cached_listing: list[float] = dataclasses.field(default_factory=list)
    full_read: list[float] = dataclasses.field(default_factory=list)
    # The AppTest run of the Sessions page, with the listing cache cleared before it.
    app_test: list[float] = dataclasses.field(default_factory=list)
    # Navigation start to the page's header, and to the table with all rows.
    browser_header: list[float] = dataclasses.field(default_factory=list)
    browser_table: list[float] = dataclasses.field(default_factory=list)
    # The first visit of the running server, whose listing cache is still empty.
    first_visit_table: float = 0.0
    # The same on the reference folder.
    reference_header: list[float] = dataclasses.field(default_factory=list)
    reference_table: list[float] = dataclasses.field(default_factory=list)

    @property
    def header_to_table(self) -> list[float]:
        return [table - header for header, table in zip(self.browser_header, self.browser_table, strict=True)]


@dataclasses.dataclass(frozen=True)
class Folder:
    """A built sessions folder and what it contains."""

    path: Path
    count: int
    large: int
    total_bytes: int
    largest_bytes: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=500, help="sessions in the folder")
    parser.add_argument("--large", type=int, default=3, help="sessions of them that are large")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of every measurement")
    parser.add_argument("--write-docs", action="store_true", help="replace the section in docs/benchmarks.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    with tempfile.TemporaryDirectory(prefix="ovstudio-list-bench-") as work:
        work_dir = Path(work)
        seeds = profile_seeds(work_dir / "seeds")
        folder = build_folder(work_dir / "sessions", seeds, args.count, args.large)
        reference = build_folder(work_dir / "reference", seeds, REFERENCE_COUNT, 0)
        load_before = os.getloadavg()
        timings = measure(folder, reference, args.rounds)
        load_after = os.getloadavg()

    report = render_report(timings, folder, args, load_before, load_after)
    print(report)
    if args.write_docs:
        write_section(report)


# --- The folder ---------------------------------------------------------------------------------


def profile_seeds(folder: Path) -> dict[str, Session]:
    """Profile the two seed models on CPU and return their sessions by catalog key."""
    seeds = {}
    for key in (SMALL_MODEL, LARGE_MODEL):
        path = profile_model([fetch(key)], ProfileSettings(device="CPU", iterations=PROFILE_ITERATIONS), folder)
        seeds[key] = read_session(path)
    seeds[LARGE_MODEL] = with_counter_iterations(seeds[LARGE_MODEL], LARGE_COUNTER_ITERATIONS)
    return seeds


def with_counter_iterations(session: Session, iterations: int) -> Session:
    """Return a copy of ``session`` whose counters table repeats its iterations up to ``iterations``.

    The times of each copy vary by a few percent, as the times of real iterations do, so that the
    Parquet encoding cannot store the copies as repeats of the first.
    """
    counters = session.tables["counters"]
    recorded = int(counters["iteration"].max()) + 1
    random = np.random.default_rng(0)
    copies = []
    for start in range(0, iterations, recorded):
        copy = counters[counters["iteration"] < iterations - start].copy()
        copy["iteration"] += start
        for column in ("real_time_us", "cpu_time_us"):
            copy[column] = copy[column] * random.lognormal(0.0, 0.05, len(copy))
        copies.append(copy)
    tables = {**session.tables, "counters": pd.concat(copies, ignore_index=True)}
    return Session({**session.info, "counters_iterations": iterations}, tables)


def build_folder(folder: Path, seeds: dict[str, Session], count: int, large: int) -> Folder:
    """Write ``count`` sessions into ``folder``, the first ``large`` of them copies of the large seed."""
    folder.mkdir(parents=True)
    for index in range(count):
        seed = seeds[LARGE_MODEL if index < large else SMALL_MODEL]
        created = FIRST_CREATED + datetime.timedelta(minutes=7 * index)
        model_name = f"{seed.model_name}_{index:03d}"
        info = {
            **seed.info,
            "session_id": new_session_id(model_name, seed.device, created),
            "created_utc": created,
            "model_name": model_name,
            # Distinct values, so the table's number columns differ from row to row.
            "latency_median_ms": float(seed.info["latency_median_ms"]) * (1 + index / 1000),
        }
        write_session(Session(info, seed.tables), folder)

    sizes = [path.stat().st_size for path in folder.glob("*.parquet")]
    logger.info("wrote %d sessions (%d large, %.1f MB) into %s", count, large, sum(sizes) / 1e6, folder)
    return Folder(folder, count, large, sum(sizes), max(sizes))


# --- The measurements ---------------------------------------------------------------------------


def measure(folder: Folder, reference: Folder, rounds: int) -> Timings:
    timings = Timings()
    with contextlib.ExitStack() as stack:
        app = stack.enter_context(run_app(folder.path, folder.path.parent / "app.log"))
        reference_app = stack.enter_context(run_app(reference.path, reference.path.parent / "app.log"))
        browser = stack.enter_context(launch_browser())
        # One visit of each page before the rounds, so no round pays for the server's first imports
        # or its empty listing cache.
        timings.first_visit_table = time_browser(browser, app, folder.count)[1]
        time_browser(browser, reference_app, reference.count)

        for round_index in range(rounds):
            timings.footer_listing.append(time_footer_listing(folder, cached=False))
            timings.cached_listing.append(time_footer_listing(folder, cached=True))
            timings.full_read.append(time_full_read(folder))
            timings.app_test.append(time_app_test(folder))
            header, table = time_browser(browser, app, folder.count)
            timings.browser_header.append(header)
            timings.browser_table.append(table)
            header, table = time_browser(browser, reference_app, reference.count)
            timings.reference_header.append(header)
            timings.reference_table.append(table)
            logger.info(
                "round %d: footers %.3f s, full read %.3f s, AppTest %.3f s, browser table %.3f s "
                "(header %.3f s; reference table %.3f s)",
                round_index + 1, timings.footer_listing[-1], timings.full_read[-1], timings.app_test[-1],
                timings.browser_table[-1], timings.browser_header[-1], timings.reference_table[-1],
            )
    return timings


def time_footer_listing(folder: Folder, cached: bool) -> float:
    """Return the seconds of list_sessions, after filling its cache or after clearing it."""
    if cached:
        list_sessions(folder.path)
    else:
        clear_listing_cache()
    started = time.perf_counter()
    listing = list_sessions(folder.path)
    elapsed = time.perf_counter() - started
    _check_count(len(listing), folder, "list_sessions")
    return elapsed


def time_full_read(folder: Folder) -> float:
    started = time.perf_counter()
    sessions = [read_session(path) for path in sorted(folder.path.glob("*.parquet"))]
    elapsed = time.perf_counter() - started
    _check_count(len(sessions), folder, "read_session of every file")
    return elapsed


def time_app_test(folder: Folder) -> float:
    """Return the seconds of the AppTest run that renders the Sessions page, with no cached listing rows."""
    with sessions_folder_env(folder.path):
        at = new_app()
        at.run()
        clear_listing_cache()
        started = time.perf_counter()
        open_page(at, "sessions")
        elapsed = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"the Sessions page raised: {[element.value for element in at.exception]}")
    _check_count(len(at.dataframe[0].value), folder, "the Sessions page in AppTest")
    return elapsed


def time_browser(browser: Browser, app: RunningApp, rows: int) -> tuple[float, float]:
    """Return the seconds from navigation start to the page's header and to a sessions table with
    ``rows`` rows, polled every 20 ms."""
    with local_context(browser, app.url) as local:
        page = local.context.new_page()
        page.set_viewport_size({"width": 1600, "height": 1200})
        page.goto(app.url + "/sessions", wait_until="commit")
        timeout_ms = BROWSER_TIMEOUT_S * 1000
        header = page.wait_for_function(_HEADER_JS, polling=20, timeout=timeout_ms)
        table = page.wait_for_function(_GRID_ROWS_JS, arg=rows, polling=20, timeout=timeout_ms)
        return float(header.json_value()) / 1000, float(table.json_value()) / 1000


def _check_count(found: int, folder: Folder, what: str) -> None:
    if found != folder.count:
        raise RuntimeError(f"{what} found {found} sessions in {folder.path}, expected {folder.count}")


# --- The report ---------------------------------------------------------------------------------


def render_report(timings: Timings, folder: Folder, args: argparse.Namespace,
                  load_before: tuple[float, float, float], load_after: tuple[float, float, float]) -> str:
    footer = statistics.median(timings.footer_listing)
    full = statistics.median(timings.full_read)
    browser = statistics.median(timings.browser_table)
    reference = statistics.median(timings.reference_table)
    chromium = _chromium_version()
    lines = [
        f"Command: `python bench/list_sessions.py --count {args.count} --large {args.large} --rounds {args.rounds}`.",
        (f"Machine: {cpu_name()}, {os.cpu_count()} cores, {platform.platform()}, "
         f"Python {platform.python_version()}; {chromium} (headless, --disable-gpu); "
         f"run {datetime.date.today().isoformat()}. Load average (1 min) {load_before[0]:.2f} before the "
         f"rounds and {load_after[0]:.2f} after."),
        (f"Folder: {folder.count} sessions, {folder.large} of them large ({LARGE_MODEL} with "
         f"{LARGE_COUNTER_ITERATIONS} counter iterations, {folder.largest_bytes / 1e6:.1f} MB), the others "
         f"{SMALL_MODEL}; {folder.total_bytes / 1e6:.1f} MB in all. Each value is the median of "
         f"{args.rounds} rounds."),
        "",
        "| measurement | median s | min s | max s |",
        "|---|---|---|---|",
        _row("`list_sessions`, cache cleared (reads every footer)", timings.footer_listing),
        _row("`list_sessions`, every row cached", timings.cached_listing),
        _row("`read_session` of every file (reference)", timings.full_read),
        _row("Sessions page, AppTest run", timings.app_test),
        _row("Sessions page in Chromium, navigation start to its header", timings.browser_header),
        _row(f"Sessions page in Chromium, navigation start to the table of {folder.count} rows", timings.browser_table),
        _row("Sessions page in Chromium, header to the table", timings.header_to_table),
        (f"| Sessions page in Chromium, first visit (empty cache), navigation start to the table "
         f"| {timings.first_visit_table:.3f} | | |"),
        _row(f"Reference folder in Chromium, navigation start to the table of {REFERENCE_COUNT} rows",
             timings.reference_table),
        "",
        (f"Footer listing / full read: {footer / full:.3f} ({full / footer:.0f} times faster). "
         f"Browser, {folder.count} rows minus {REFERENCE_COUNT} rows: {browser - reference:.2f} s."),
        "",
    ]
    return "\n".join(lines)


def _row(label: str, values: list[float]) -> str:
    return f"| {label} | {statistics.median(values):.3f} | {min(values):.3f} | {max(values):.3f} |"


def _chromium_version() -> str:
    with launch_browser() as browser:
        return f"Chromium {browser.version}"


def write_section(report: str) -> None:
    text = BENCHMARKS_DOC.read_text()
    section = f"{START_MARKER}\n{report}{END_MARKER}"
    if START_MARKER not in text or END_MARKER not in text:
        raise RuntimeError(f"{BENCHMARKS_DOC} has no {START_MARKER} ... {END_MARKER} section; add the markers first")
    pattern = re.escape(START_MARKER) + ".*?" + re.escape(END_MARKER)
    BENCHMARKS_DOC.write_text(re.sub(pattern, lambda _: section, text, flags=re.DOTALL))
    logger.info("wrote the results into %s", BENCHMARKS_DOC)


if __name__ == "__main__":
    main()
