"""Time how long Netron and ovstudio take to draw the same models' graphs in headless Chromium.

Each measurement is the time from the page's navigation start to a drawn graph that then stays
unchanged for 300 ms, read on the page's own clock (``performance.now()``). Netron (PyPI package
``netron``) draws the graph as SVG and is served on 127.0.0.1. ovstudio draws it on a
vis-network canvas inside a streamlit-agraph iframe. Rounds are interleaved: each round measures
every model once with each tool, and the table reports medians over the rounds.

What is cached: every measurement opens a new browser context, so the HTTP cache, cookies,
storage and compiled scripts start empty, and Netron is served on a new port each time. The
Chromium process (launched once per run and not timed), the Python process serving the page
and the operating system's file cache stay warm across rounds.

    python bench/graph_render.py [--models a,b] [--rounds 3] [--netron-only] [--write-docs]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import platform
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import netron
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.browser import POLL_INTERVAL_MS, QUIET_MS, launch_browser, local_context
from tests.real_models import fetch

logger = logging.getLogger("graph_render")

DEFAULT_MODELS = ("light_densenet121", "light_resnet50", "light_squeezenet", "ppocr_rec")
BENCHMARKS_DOC = REPO / "docs" / "benchmarks.md"
START_MARKER = "<!-- graph_render:start -->"
END_MARKER = "<!-- graph_render:end -->"

Tool = Literal["netron", "ovstudio"]


@dataclasses.dataclass(frozen=True)
class RenderTime:
    """One tool drawing one model's graph once."""

    tool: Tool
    model: str
    # Seconds from the page's navigation start to a drawn graph that then stayed unchanged.
    seconds: float
    # Nodes on screen when the graph was ready; None when the tool's page does not expose them.
    nodes_drawn: int | None
    # Nodes the tool should draw for this model, from the model file; None when not known.
    nodes_expected: int | None = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", default=",".join(DEFAULT_MODELS),
        help="comma-separated keys of tests/real_models.py's CATALOG",
    )
    parser.add_argument(
        "--rounds", type=int, default=3,
        help="measurements per model and tool; the table shows their medians (default 3)",
    )
    parser.add_argument("--netron-only", action="store_true", help="measure Netron only")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for one graph (default 120)"
    )
    parser.add_argument(
        "--write-docs", action="store_true", help="replace this benchmark's section of docs/benchmarks.md"
    )
    args = parser.parse_args()

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("netron").setLevel(logging.WARNING)
    keys = args.models.split(",")
    tools: list[Tool] = ["netron"] if args.netron_only else ["ovstudio", "netron"]

    records: list[RenderTime] = []
    with launch_browser() as browser:
        chromium_version = browser.version
        for _ in range(args.rounds):
            for key in keys:
                for tool in tools:
                    try:
                        record = measure(tool, browser, key, args.timeout)
                    except NotImplementedError as error:
                        parser.error(str(error))
                    print(json.dumps(dataclasses.asdict(record)), flush=True)
                    records.append(record)

    report = render_report(records, keys, args, chromium_version)
    print(report)
    if args.write_docs:
        write_section(report)


def measure(tool: Tool, browser: Browser, key: str, timeout: float) -> RenderTime:
    if tool == "netron":
        return measure_netron(browser, key, timeout)
    return measure_ovstudio(browser, key, timeout)


def measure_ovstudio(browser: Browser, key: str, timeout: float) -> RenderTime:
    """Time ovstudio drawing the graph of catalog model ``key`` in a new browser context."""
    # TODO: start the app on 127.0.0.1 once per run, not per round, with the model's session
    # profiled beforehand (untimed). Then, in `bench.browser.local_context(browser, origin)`,
    # open the page that shows the model's graph with `page.goto(url, wait_until="commit")`,
    # time it with `bench.browser.wait_agraphs_stable(page, count, timeout)` (count = graphs on
    # the page), and return RenderTime("ovstudio", key, seconds, nodes_drawn).
    raise NotImplementedError("the ovstudio measurement is not written yet; pass --netron-only")


# --- Netron ---------------------------------------------------------------------------------

# Runs in the page before Netron's own scripts.
_NETRON_INIT_JS = """
(() => {
    // Netron (browser.js, netron 9.3.3) replaces window.eval with a function that throws, and
    // Playwright's evaluate calls eval. Netron itself never calls eval, so keeping the native one
    // does not change its drawing.
    const nativeEval = window.eval;
    Object.defineProperty(window, 'eval', {configurable: true, get: () => nativeEval, set: () => {}});

    // Netron sends usage events to analytics.google.com with sendBeacon.
    navigator.sendBeacon = () => true;

    // Time of the last DOM change, and of the first frame rendered after it. A task posted from
    // requestAnimationFrame runs after that frame's style, layout and paint on the main thread,
    // but rasterization on other threads may still be running.
    const state = {lastChange: 0, paintedAt: 0};
    window.__benchGraphRender = state;
    new MutationObserver(() => {
        const changedAt = performance.now();
        state.lastChange = changedAt;
        state.paintedAt = 0;
        requestAnimationFrame(() => setTimeout(() => {
            if (state.lastChange === changedAt) {
                state.paintedAt = performance.now();
            }
        }, 0));
    }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})();
"""

# Returns null until the graph is ready, then {readyMs, nodes}; returns {error} when Netron shows
# an error or a notice that waits for a click.
_NETRON_READY_JS = """
(quietMs) => {
    const state = window.__benchGraphRender;
    const body = document.body;
    const message = document.getElementById('message-text');
    const text = message ? message.innerText : '';
    if (!body || !state) {
        return null;
    }
    if (body.classList.contains('alert')) {
        return {error: text};
    }
    // Netron shows an update notice when its build date (2026-10-23 for 9.3.3) is more than 180
    // days before the clock, and a cookie notice. Both wait for a click.
    if (body.classList.contains('notification') && /update|cookies/i.test(text)) {
        return {error: text};
    }
    // Netron's body class is 'welcome spinner' while it loads and 'default' once the graph is
    // shown. It creates every node hidden (opacity 0) and reveals each one after the layout.
    if (!body.classList.contains('default')) {
        return null;
    }
    const nodes = document.querySelectorAll('#nodes > g.node');
    if (nodes.length === 0 || Array.from(nodes).some((node) => node.style.opacity === '0')) {
        return null;
    }
    if (state.paintedAt === 0 || performance.now() - state.lastChange < quietMs) {
        return null;
    }
    return {readyMs: state.paintedAt, nodes: nodes.length};
}
"""


def measure_netron(browser: Browser, key: str, timeout: float) -> RenderTime:
    """Time Netron drawing the graph of catalog model ``key`` in a new browser context."""
    path = fetch(key)
    with netron_server(path) as origin, local_context(browser, origin) as local:
        # Unless this cookie is set, Netron looks up the country at ipinfo.io and then shows a
        # cookie notice that waits for a click.
        local.context.add_cookies(
            [{"name": "consent", "value": str(int(time.time() * 1000)), "url": origin}]
        )
        local.context.add_init_script(_NETRON_INIT_JS)
        page = local.context.new_page()
        page.goto(origin + "/", wait_until="commit")
        seconds, nodes_drawn = wait_netron_graph(page, key, timeout)
        if local.blocked_urls:
            logger.warning("Netron requested %d outside URLs, all aborted", len(local.blocked_urls))

    expected = expected_netron_nodes(path)
    if expected is not None and expected != nodes_drawn:
        logger.warning("Netron drew %d nodes of %s, expected %d", nodes_drawn, key, expected)
    return RenderTime("netron", key, seconds, nodes_drawn, expected)


@contextlib.contextmanager
def netron_server(path: Path) -> Iterator[str]:
    """Serve ``path`` with Netron on a free port of 127.0.0.1; yield its origin and stop it on exit."""
    # Port 0 makes netron.start pick a free port.
    address = netron.start(str(path), address=("127.0.0.1", 0), browse=False)
    try:
        yield f"http://{address[0]}:{address[1]}"
    finally:
        netron.stop(address)


def wait_netron_graph(page: Page, key: str, timeout: float) -> tuple[float, int]:
    """Wait until Netron's graph is drawn and unchanged for QUIET_MS; return the seconds from
    navigation start to the first frame rendered after its last change, and the nodes drawn."""
    try:
        handle = page.wait_for_function(
            _NETRON_READY_JS, arg=QUIET_MS, polling=POLL_INTERVAL_MS, timeout=timeout * 1000
        )
    except PlaywrightTimeoutError:
        body_class, node_count = page.evaluate(
            "() => [document.body.className, document.querySelectorAll('#nodes > g.node').length]"
        )
        raise TimeoutError(
            f"Netron timed out drawing {key} after {timeout:g} s "
            f"(body class {body_class!r}, {node_count} node elements); raise --timeout"
        ) from None

    ready = handle.json_value()
    if "error" in ready:
        raise RuntimeError(f"Netron showed a message instead of the graph of {key}: {ready['error']!r}")
    return ready["readyMs"] / 1000, ready["nodes"]


def expected_netron_nodes(path: Path) -> int | None:
    """Count the nodes Netron 9.3.3 draws for an ONNX model; None for other formats or without
    the ``onnx`` package.

    Netron (onnx.js) draws one node per operator and per graph input and output, except that it
    folds a Constant operator whose only output feeds exactly one operator input into that input.
    """
    if path.suffix != ".onnx":
        return None
    try:
        import onnx
    except ImportError:
        logger.info("onnx is not installed, so Netron's node count is not checked")
        return None

    graph = onnx.load(str(path), load_external_data=False).graph
    consumers = Counter(name for node in graph.node for name in node.input)
    graph_outputs = {output.name for output in graph.output}

    def folded(node) -> bool:
        return (
            node.op_type == "Constant"
            and len(node.attribute) == 1
            and node.attribute[0].name in ("value", "sparse_value")
            and not node.input
            and len(node.output) == 1
            and consumers[node.output[0]] == 1
            and node.output[0] not in graph_outputs
        )

    initializers = {tensor.name for tensor in graph.initializer}
    inputs = [value for value in graph.input if value.name not in initializers]
    operators = [node for node in graph.node if not folded(node)]
    return len(operators) + len(inputs) + len(graph.output)


# --- Report ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ToolSummary:
    """One tool's measurements of one model."""

    median_s: float
    nodes: str


def summarize(records: list[RenderTime], key: str, tool: Tool) -> ToolSummary | None:
    measured = [record for record in records if record.model == key and record.tool == tool]
    if not measured:
        return None

    drawn = sorted({record.nodes_drawn for record in measured if record.nodes_drawn is not None})
    expected = measured[0].nodes_expected
    if not drawn:
        nodes = "n/a"
    elif len(drawn) == 1:
        nodes = str(drawn[0])
    else:
        nodes = f"{drawn[0]}–{drawn[-1]}"
    if drawn and expected is not None and drawn != [expected]:
        nodes += f" (expected {expected})"
    return ToolSummary(statistics.median(record.seconds for record in measured), nodes)


def render_table(records: list[RenderTime], keys: list[str]) -> str:
    lines = [
        "| model | ovstudio nodes | ovstudio s | Netron nodes | Netron s | ovstudio / Netron |",
        "|---|---|---|---|---|---|",
    ]
    for key in keys:
        ours = summarize(records, key, "ovstudio")
        netron_summary = summarize(records, key, "netron")
        cells = [key]
        for summary in (ours, netron_summary):
            cells += [summary.nodes, f"{summary.median_s:.2f}"] if summary else ["", ""]
        # The ratio of the two medians, so that it follows from the table's columns.
        cells.append(f"{ours.median_s / netron_summary.median_s:.2f}" if ours and netron_summary else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_report(
    records: list[RenderTime], keys: list[str], args: argparse.Namespace, chromium: str
) -> str:
    command = f"python bench/graph_render.py --models {','.join(keys)} --rounds {args.rounds}"
    if args.netron_only:
        command += " --netron-only"
    machine = (
        f"{_cpu_name()}, {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}"
    )
    return (
        f"Command: `{command}`.\n"
        f"Machine: {machine}; Chromium {chromium} (headless, --disable-gpu), netron {netron.__version__}; "
        f"run {time.strftime('%Y-%m-%d')}.\n"
        f"Each time is the median over {args.rounds} rounds, in seconds from navigation start to a drawn "
        f"graph that then stayed unchanged for {QUIET_MS} ms; each measurement opens a new browser context. "
        "Netron's graph counts as drawn at the first frame after its last DOM change, ovstudio's at the "
        f"first {POLL_INTERVAL_MS} ms poll that saw the canvas's final pixels. "
        "The ratio is ovstudio / Netron of those medians.\n\n"
        + render_table(records, keys)
    )


def write_section(report: str) -> None:
    """Replace the text between this benchmark's markers in docs/benchmarks.md, adding a section
    with the markers at the end of the file when they are missing."""
    text = BENCHMARKS_DOC.read_text() if BENCHMARKS_DOC.exists() else "# Benchmarks\n"
    section = f"{START_MARKER}\n{report}{END_MARKER}"
    if START_MARKER in text and END_MARKER in text:
        pattern = re.escape(START_MARKER) + ".*?" + re.escape(END_MARKER)
        text = re.sub(pattern, lambda _: section, text, count=1, flags=re.DOTALL)
    else:
        text = text.rstrip("\n") + f"\n\n## Graph drawing vs Netron\n\n{section}\n"
    BENCHMARKS_DOC.write_text(text)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
