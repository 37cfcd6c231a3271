"""Time how long ovstudio and Netron take to draw the same models' graphs in headless Chromium.

Each first-draw time runs from the page's navigation start to a drawn graph that then stays
unchanged for 300 ms, read on the page's own clock (``performance.now()``). Netron (PyPI package
``netron``) draws the graph as SVG and is served on 127.0.0.1. ovstudio draws the runtime graph
and the IR graph on two vis-network canvases, each inside a streamlit-agraph iframe, and its time
runs until both are stable.

The rows are real models from tests/real_models.py: ovstudio draws the session of a profile on
CPU, and Netron draws the model file. Another row is light_densenet121 as ``Core.read_model``
reads it, saved as an IR without convert_model's transformations (3,690 operations). The last
rows are synthetic networks of 2,000 and 5,000 layers (``ovstudio.graph.synthetic``), which
Netron has no file for. The row ``synthetic_5000_runtime_only`` has no IR graph, so its page
draws one graph of 5,000 layers.

The sync time runs from a mouse click on a node of the runtime graph (its ``pointerup`` event)
to the moment the IR node of that layer carries the highlight style in vis-network, polled every
20 ms. It covers the click's way to the server, the rerun of the page and the new options
reaching the IR graph.

What is cached: sessions are profiled or written, and the app is started, once per run before
anything is timed. Each model then gets one visit of the ovstudio page that is left out of the
medians and reported as the table's "first open" column, because the server still reads the
session and lays out both graphs. Its rounds follow, each measuring ovstudio and then Netron. Every measurement opens a new browser context,
so the HTTP cache, cookies, storage and compiled scripts start empty, and Netron is served on a
new port each time. The Chromium process (launched once per run and not timed), the app's
caches of the model under test, the Python processes serving the pages and the operating
system's file cache stay warm across rounds.

    python bench/graph_render.py [--models a,b] [--sync a,b] [--rounds 3] [--netron-only] [--write-docs]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import hashlib
import json
import logging
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import netron
import openvino as ov
import pandas as pd
from playwright.sync_api import Browser, Page, ViewportSize
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.browser import POLL_INTERVAL_MS, QUIET_MS, launch_browser, local_context, wait_agraphs_stable
from bench.machine import cpu_name
from ovstudio.graph.display import build_display_graph
from ovstudio.graph.synthetic import synthetic_layers
from ovstudio.mapping import apply_mapping, build_mapping
from ovstudio.pipeline import profile_model
from ovstudio.session import schema
from ovstudio.session.frames import empty_table, normalize_table
from ovstudio.session.store import Session, new_session_id, read_session, write_session
from ovstudio.settings import ProfileSettings
from tests.browser_support import (
    HIGHLIGHTED,
    RunningApp,
    agraph_frame,
    agraph_iframe,
    click_node,
    network_function,
    node_count,
    node_styles,
    pick_synced_layer,
    run_app,
)
from tests.real_models import CATALOG, fetch

logger = logging.getLogger("graph_render")

BENCHMARKS_DOC = REPO / "docs" / "benchmarks.md"
START_MARKER = "<!-- graph_render:start -->"
END_MARKER = "<!-- graph_render:end -->"
# Pass 1 iterations of the profiles behind the sessions. The graphs do not depend on it.
PROFILE_ITERATIONS = 10
# Browser window of every ovstudio measurement, tall enough that both graphs are on screen.
VIEWPORT: ViewportSize = {"width": 1600, "height": 1400}
# Interval of the poll that waits for the highlight after a click.
SYNC_POLL_MS = 20
SYNTHETIC_SEED = 0
# Operations of light_densenet121 as Core.read_model reads the ONNX file (openvino 2026.4.1).
READ_MODEL_DENSENET_OPS = 3690

Tool = Literal["netron", "ovstudio"]
CaseKind = Literal["catalog", "read_model", "synthetic"]


@dataclasses.dataclass(frozen=True)
class CaseSpec:
    """One row of the table: what ovstudio opens and what Netron draws."""

    key: str
    kind: CaseKind
    # Layers of a synthetic network, 0 for the other kinds.
    layer_count: int = 0
    # False for a synthetic session without an IR graph, whose page draws one graph.
    with_ir: bool = True


CASES: dict[str, CaseSpec] = {
    spec.key: spec
    for spec in (
        CaseSpec("light_densenet121", "catalog"),
        CaseSpec("light_squeezenet", "catalog"),
        CaseSpec("ppocr_rec", "catalog"),
        CaseSpec("light_resnet50", "catalog"),
        CaseSpec("light_densenet121_read_model", "read_model"),
        CaseSpec("synthetic_2000", "synthetic", 2000),
        CaseSpec("synthetic_5000", "synthetic", 5000),
        CaseSpec("synthetic_5000_runtime_only", "synthetic", 5000, with_ir=False),
    )
}
DEFAULT_SYNC = ("light_densenet121", "synthetic_2000")


@dataclasses.dataclass(frozen=True)
class PreparedCase:
    """A case ready to measure: its session in the app's folder and the file Netron opens."""

    key: str
    # None when ovstudio is not measured (--netron-only).
    session_id: str | None
    netron_path: Path | None
    ir_layers: int | None
    runtime_layers: int | None
    # Nodes of ovstudio's display graphs, None for a graph without nodes.
    ir_nodes_expected: int | None
    runtime_nodes_expected: int | None
    # Runtime node to click and the IR node that must then show the highlight, None without a sync measurement.
    sync_nodes: tuple[str, str] | None

    @property
    def graph_count(self) -> int:
        return 1 if self.ir_nodes_expected is None else 2


@dataclasses.dataclass(frozen=True)
class RenderTime:
    """One tool drawing one model's graph once."""

    tool: Tool
    model: str
    # Seconds from the page's navigation start to a drawn graph that then stayed unchanged.
    seconds: float
    # Nodes on screen when the graph was ready, None when the tool's page does not expose them.
    nodes_drawn: int | None
    # Nodes the tool should draw for this model, None when not known.
    nodes_expected: int | None = None
    # ovstudio only: nodes of the IR graph and of the runtime graph, None for a graph not drawn.
    ir_nodes: int | None = None
    runtime_nodes: int | None = None
    # ovstudio only: seconds from a click on a runtime node to the highlight of its IR node.
    sync_s: float | None = None
    # True for the first visit of a model, which is left out of the medians and reported on its own.
    first_open: bool = False
    # Seconds to the drawn graph when the same context opens the page again: the browser's HTTP
    # cache then has the tool's scripts, as for a user who has opened the page before.
    warm_seconds: float | None = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(CASES), help=f"comma-separated rows, of {', '.join(CASES)}")
    parser.add_argument(
        "--sync", default=",".join(DEFAULT_SYNC),
        help="comma-separated rows whose click-to-highlight time is measured (default: %(default)s)",
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
    unknown = [key for key in keys if key not in CASES]
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {', '.join(CASES)}")
    if args.netron_only:
        keys = [key for key in keys if CASES[key].kind != "synthetic"]
    sync_keys = set(args.sync.split(",")) if args.sync else set()

    with tempfile.TemporaryDirectory(prefix="graph-render-") as work_name:
        records, prepared, chromium = run(keys, sync_keys, args, Path(work_name))
    report = render_report(records, prepared, args, chromium)
    print(report)
    if args.write_docs:
        write_section(report)


def run(
    keys: list[str], sync_keys: set[str], args: argparse.Namespace, work_dir: Path
) -> tuple[list[RenderTime], list[PreparedCase], str]:
    """Prepare every case, measure them one model after another and return the records."""
    sessions_dir = None if args.netron_only else work_dir / "sessions"
    prepared = [prepare_case(CASES[key], work_dir, sessions_dir, key in sync_keys) for key in keys]

    records: list[RenderTime] = []
    with contextlib.ExitStack() as stack:
        browser = stack.enter_context(launch_browser())
        app = None
        if sessions_dir is not None:
            app = stack.enter_context(run_app(sessions_dir, work_dir / "app.log"))
            logger.info("app serving %s at %s", sessions_dir, app.url)
        for case in prepared:
            records += measure_case(browser, app, case, args)
        return records, prepared, browser.version


def measure_case(browser: Browser, app: RunningApp | None, case: PreparedCase, args: argparse.Namespace) -> list[RenderTime]:
    """Visit ovstudio's page of ``case`` once before the rounds, then run the rounds, each tool in turn."""
    records = []
    if app is not None:
        records.append(dataclasses.replace(measure_ovstudio(browser, app, case, args.timeout, False), first_open=True))
        _log_record(records[-1])
    for _ in range(args.rounds):
        if app is not None:
            records.append(measure_ovstudio(browser, app, case, args.timeout, case.sync_nodes is not None))
            _log_record(records[-1])
        if case.netron_path is not None:
            records.append(measure_netron(browser, case.key, case.netron_path, args.timeout))
            _log_record(records[-1])
    return records


def _log_record(record: RenderTime) -> None:
    print(json.dumps(dataclasses.asdict(record)), flush=True)


# --- Sessions ------------------------------------------------------------------------------


def prepare_case(spec: CaseSpec, work_dir: Path, sessions_dir: Path | None, sync: bool) -> PreparedCase:
    """Make the case's model file and, unless ``sessions_dir`` is None, its session (untimed)."""
    netron_path = None
    session: Session | None = None
    if spec.kind == "catalog":
        netron_path = fetch(spec.key)
        if sessions_dir is not None:
            session = read_session(profile_model([netron_path], _profile_settings(spec.key), sessions_dir))
    elif spec.kind == "read_model":
        netron_path = save_read_model_ir(fetch("light_densenet121"), work_dir / f"{spec.key}.xml")
        if sessions_dir is not None:
            files = [netron_path, netron_path.with_suffix(".bin")]
            session = read_session(profile_model(files, _profile_settings("light_densenet121"), sessions_dir))
    elif sessions_dir is not None:
        session = synthetic_session(spec.key, spec.layer_count, spec.with_ir)
        write_session(session, sessions_dir)

    if session is None:
        return PreparedCase(spec.key, None, netron_path, None, None, None, None, None)
    ir_nodes, runtime_nodes = display_node_counts(session)
    sync_nodes = _sync_nodes(session, spec) if sync else None
    logger.info("prepared %s: session %s, %d IR layers, %d runtime layers", spec.key, session.session_id,
                len(session.tables["ir_layers"]), len(session.tables["runtime_layers"]))
    return PreparedCase(
        spec.key, session.session_id, netron_path, len(session.tables["ir_layers"]),
        len(session.tables["runtime_layers"]), ir_nodes, runtime_nodes, sync_nodes,
    )


def _profile_settings(catalog_key: str) -> ProfileSettings:
    return ProfileSettings(device="CPU", iterations=PROFILE_ITERATIONS, shapes=CATALOG[catalog_key].shapes)


def save_read_model_ir(onnx_path: Path, xml_path: Path) -> Path:
    """Save the ONNX model as ``Core.read_model`` reads it, as an f32 IR, and return the .xml path.

    ``read_model`` keeps every operation of the ONNX frontend's output (3,690 for
    light_densenet121, where convert_model leaves 797), so this IR is the larger graph of the same
    network.
    """
    model = ov.Core().read_model(onnx_path)
    ops = len(model.get_ordered_ops())
    if onnx_path.stem == "light_densenet121" and ops != READ_MODEL_DENSENET_OPS:
        logger.warning("read_model gave %d operations for %s, expected %d", ops, onnx_path.name, READ_MODEL_DENSENET_OPS)
    ov.save_model(model, xml_path, compress_to_fp16=False)
    logger.info("saved %s with %d operations", xml_path, ops)
    return xml_path


def display_node_counts(session: Session) -> tuple[int | None, int | None]:
    """Count the nodes of the IR and runtime display graphs, None for a graph without nodes."""
    counts = []
    for side, layers, edges in (("ir", "ir_layers", "ir_edges"), ("runtime", "runtime_layers", "runtime_edges")):
        graph = build_display_graph(session.tables[layers], session.tables[edges], side)  # type: ignore[arg-type]
        counts.append(len(graph.nodes) or None)
    return counts[0], counts[1]


def _sync_nodes(session: Session, spec: CaseSpec) -> tuple[str, str] | None:
    if not spec.with_ir:
        return None
    # Real models have fused runtime layers, while the synthetic IR is the runtime graph one to one.
    mapping_class = "intact" if spec.kind == "synthetic" else "fused"
    layer, ir_ids = pick_synced_layer(session, mapping_class)
    return str(layer["layer_id"]), ir_ids[-1]


# Operation types of the synthetic IR, for each runtime layer type of ovstudio.graph.synthetic.
_IR_TYPES = {
    "Input": "Parameter",
    "Output": "Result",
    "Const": "Constant",
    "Eltwise": "Relu",
    "Subgraph": "Multiply",
    "Pooling": "MaxPool",
    "Concatenation": "Concat",
    "Reorder": "Transpose",
}


def synthetic_session(name: str, layer_count: int, with_ir: bool) -> Session:
    """Build a session around ``synthetic_layers(layer_count)``, with an IR graph that is the
    runtime graph one to one when ``with_ir`` is True and no IR graph otherwise.

    The session has no counters, so its layers have no times.
    """
    runtime_layers, runtime_edges = synthetic_layers(layer_count, SYNTHETIC_SEED)
    if with_ir:
        ir_layers, ir_edges = _synthetic_ir(runtime_layers, runtime_edges)
    else:
        ir_layers, ir_edges = empty_table(schema.IR_LAYERS), empty_table(schema.IR_EDGES)
    mapping = build_mapping(runtime_layers, ir_layers)
    runtime_layers, ir_layers = apply_mapping(runtime_layers, ir_layers, mapping)

    created = datetime.datetime.now(datetime.UTC)
    info = {
        "schema_version": schema.SCHEMA_VERSION,
        "session_id": new_session_id(name, "CPU", created),
        "created_utc": created,
        "model_name": name,
        "model_format": "ir",
        "model_hash": hashlib.sha256(f"{name}:{SYNTHETIC_SEED}".encode()).hexdigest(),
        "device": "CPU",
        "execution_devices": ["CPU"],
        "compiled_properties": {},
        "settings_hint": "latency",
        "settings_warmup": 0,
        "openvino_version": ov.get_version(),
        "host_cpu": cpu_name(),
        "host_os": platform.platform(),
        "python_version": platform.python_version(),
        "counters_error": "synthetic network made by bench/graph_render.py; it was never profiled",
        "warnings": [],
    }
    tables = {
        "runtime_layers": runtime_layers,
        "runtime_edges": runtime_edges,
        "ir_layers": ir_layers,
        "ir_edges": ir_edges,
        "mapping": mapping.mapping,
    }
    return Session(info=info, tables=tables)


def _synthetic_ir(runtime_layers: pd.DataFrame, runtime_edges: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ir_layers and ir_edges with one IR layer per runtime layer: runtime/<i> -> main/<i>."""
    count = len(runtime_layers)
    ir_layers = pd.DataFrame({
        "layer_id": _ir_ids(runtime_layers["layer_id"]),
        "graph_id": ["main"] * count,
        "name": runtime_layers["name"].tolist(),
        "type": [_IR_TYPES.get(layer_type, layer_type) for layer_type in runtime_layers["layer_type"]],
        "opset": ["opset1"] * count,
        "attributes_json": ["{}"] * count,
        "rt_info": [{} for _ in range(count)],
        "output_shapes": runtime_layers["output_shapes"].tolist(),
        "output_element_types": [["f32"] for _ in range(count)],
        "body_count": [0] * count,
        "mapping_class": ["mapped"] * count,
    })
    ir_edges = pd.DataFrame({
        "graph_id": ["main"] * len(runtime_edges),
        "source_id": _ir_ids(runtime_edges["source_id"]),
        "source_port": runtime_edges["source_port"].tolist(),
        "target_id": _ir_ids(runtime_edges["target_id"]),
        "target_port": runtime_edges["target_port"].tolist(),
        "shape": runtime_edges["shape"].tolist(),
        "element_type": runtime_edges["element_type"].tolist(),
    })
    return normalize_table(schema.IR_LAYERS, ir_layers), normalize_table(schema.IR_EDGES, ir_edges)


def _ir_ids(runtime_ids: pd.Series) -> list[str]:
    return ["main/" + layer_id.removeprefix("runtime/") for layer_id in runtime_ids]


# --- ovstudio ------------------------------------------------------------------------------

# Stores on window a promise of the absolute time (timeOrigin + now) at which a node first has
# the expected border, polled every intervalMs. The promise resolves to null after timeoutMs.
_START_STYLE_POLL_JS = network_function("""
(network, expected) => {
    const matches = () => {
        const node = network.body.nodes[expected.id];
        return Boolean(node) && node.options.borderWidth === expected.width
            && String(node.options.color.border).toLowerCase() === expected.color;
    };
    const started = performance.now();
    window.__benchStylePoll = new Promise((resolve) => {
        const poll = () => {
            if (matches()) {
                resolve(performance.timeOrigin + performance.now());
            } else if (performance.now() - started > expected.timeoutMs) {
                resolve(null);
            } else {
                setTimeout(poll, expected.intervalMs);
            }
        };
        poll();
    });
}
""")

# Records the absolute time of the next pointerup in the frame, the end of a mouse click.
_STAMP_POINTERUP_JS = """
() => {
    window.__benchPointerUpAt = null;
    document.addEventListener('pointerup', () => {
        window.__benchPointerUpAt = performance.timeOrigin + performance.now();
    }, {capture: true, once: true});
}
"""


def measure_ovstudio(browser: Browser, app: RunningApp, case: PreparedCase, timeout: float, sync: bool) -> RenderTime:
    """Time ovstudio drawing the graphs of ``case`` in a new browser context, and when ``sync``
    is set, a click's way from the runtime graph to the IR graph."""
    with local_context(browser, app.url) as local:
        page = local.context.new_page()
        page.set_viewport_size(VIEWPORT)
        page.goto(f"{app.url}/analysis?session={case.session_id}", wait_until="commit")
        try:
            seconds = wait_agraphs_stable(page, case.graph_count, timeout)
        except (TimeoutError, PlaywrightTimeoutError) as error:
            raise RuntimeError(f"ovstudio did not draw {case.key}: {error}\nserver log:\n{app.log_tail()}") from error
        counts = [node_count(agraph_frame(agraph_iframe(page, index))) for index in range(case.graph_count)]
        sync_s = measure_sync(page, case, timeout) if sync and case.sync_nodes else None
        page.close()
        warm_page = local.context.new_page()
        warm_page.set_viewport_size(VIEWPORT)
        warm_page.goto(f"{app.url}/analysis?session={case.session_id}", wait_until="commit")
        warm_seconds = wait_agraphs_stable(warm_page, case.graph_count, timeout)

    runtime_nodes, ir_nodes = counts[0], counts[1] if len(counts) > 1 else None
    expected = (case.ir_nodes_expected or 0) + (case.runtime_nodes_expected or 0)
    if (ir_nodes, runtime_nodes) != (case.ir_nodes_expected, case.runtime_nodes_expected):
        logger.warning("ovstudio drew %s / %s IR / runtime nodes of %s, expected %s / %s", ir_nodes, runtime_nodes,
                       case.key, case.ir_nodes_expected, case.runtime_nodes_expected)
    return RenderTime("ovstudio", case.key, seconds, sum(counts), expected, ir_nodes, runtime_nodes, sync_s,
                      warm_seconds=warm_seconds)


def measure_sync(page: Page, case: PreparedCase, timeout: float) -> float:
    """Click the case's runtime node and return the seconds until its IR node is highlighted."""
    assert case.sync_nodes is not None
    runtime_id, ir_id = case.sync_nodes
    runtime_iframe = agraph_iframe(page, 0)
    runtime_frame, ir_frame = agraph_frame(runtime_iframe), agraph_frame(agraph_iframe(page, 1))
    before = node_styles(ir_frame, [ir_id])[ir_id]
    if before == HIGHLIGHTED:
        raise RuntimeError(f"IR node {ir_id} of {case.key} is highlighted before any click")

    expected = {"id": ir_id, "width": HIGHLIGHTED.border_width, "color": HIGHLIGHTED.border_color,
                "intervalMs": SYNC_POLL_MS, "timeoutMs": timeout * 1000}
    ir_frame.evaluate(_START_STYLE_POLL_JS, expected)
    runtime_frame.evaluate(_STAMP_POINTERUP_JS)
    click_node(page, runtime_iframe, runtime_id)

    highlighted_at = ir_frame.evaluate("window.__benchStylePoll")
    clicked_at = runtime_frame.evaluate("window.__benchPointerUpAt")
    if highlighted_at is None or clicked_at is None:
        raise RuntimeError(
            f"clicking runtime node {runtime_id} of {case.key} did not highlight IR node {ir_id} within "
            f"{timeout:g} s (click recorded: {clicked_at is not None})"
        )
    return (highlighted_at - clicked_at) / 1000


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


def measure_netron(browser: Browser, key: str, path: Path, timeout: float) -> RenderTime:
    """Time Netron drawing the graph of the model file ``path`` (row ``key``) in a new browser context."""
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
        page.close()
        warm_page = local.context.new_page()
        warm_page.goto(origin + "/", wait_until="commit")
        warm_seconds, _ = wait_netron_graph(warm_page, key, timeout)
        if local.blocked_urls:
            logger.warning("Netron requested %d outside URLs, all aborted", len(local.blocked_urls))

    expected = expected_netron_nodes(path)
    if expected is not None and expected != nodes_drawn:
        logger.warning("Netron drew %d nodes of %s, expected %d", nodes_drawn, key, expected)
    return RenderTime("netron", key, seconds, nodes_drawn, expected, warm_seconds=warm_seconds)


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


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _range_text(values: list[int | None]) -> str:
    """Return one count, or 'min–max' when the rounds drew different counts."""
    known = sorted({value for value in values if value is not None})
    if not known:
        return "–"
    return f"{known[0]:,}" if len(known) == 1 else f"{known[0]:,}–{known[-1]:,}"


def render_table(records: list[RenderTime], prepared: list[PreparedCase]) -> str:
    header = (
        "| model | layers (IR / runtime) | nodes drawn (IR / runtime) | ovstudio first drawn s "
        "| Netron nodes | Netron s | ovstudio / Netron | ovstudio warm s | Netron warm s | warm ratio "
        "| sync s | ovstudio first open s |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for case in prepared:
        ours = [record for record in records if record.model == case.key and record.tool == "ovstudio"]
        timed = [record for record in ours if not record.first_open]
        theirs = [record for record in records if record.model == case.key and record.tool == "netron"]
        ours_s = _median([record.seconds for record in timed])
        netron_s = _median([record.seconds for record in theirs])
        sync_s = _median([record.sync_s for record in timed if record.sync_s is not None])
        first_open = [record.seconds for record in ours if record.first_open]
        # The ratio of the two medians, so that it follows from the table's columns.
        ratio = f"{ours_s / netron_s:.2f}" if ours_s is not None and netron_s is not None else ""
        ours_warm = _median([record.warm_seconds for record in timed if record.warm_seconds is not None])
        netron_warm = _median([record.warm_seconds for record in theirs if record.warm_seconds is not None])
        warm_ratio = f"{ours_warm / netron_warm:.2f}" if ours_warm is not None and netron_warm is not None else ""
        cells = [
            case.key,
            "" if case.ir_layers is None else f"{case.ir_layers:,} / {case.runtime_layers:,}",
            f"{_range_text([r.ir_nodes for r in timed])} / {_range_text([r.runtime_nodes for r in timed])}" if timed else "",
            _seconds(ours_s),
            _range_text([record.nodes_drawn for record in theirs]) if theirs else "",
            _seconds(netron_s),
            ratio,
            _seconds(ours_warm),
            _seconds(netron_warm),
            warm_ratio,
            "" if sync_s is None else f"{sync_s:.3f}",
            _seconds(first_open[0] if first_open else None),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_report(records: list[RenderTime], prepared: list[PreparedCase], args: argparse.Namespace, chromium: str) -> str:
    command = f"python bench/graph_render.py --models {','.join(case.key for case in prepared)} --rounds {args.rounds}"
    if args.sync:
        command += f" --sync {args.sync}"
    if args.netron_only:
        command += " --netron-only"
    machine = f"{cpu_name()}, {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}"
    return (
        f"Command: `{command}`.\n"
        f"Machine: {machine}; Chromium {chromium} (headless, --disable-gpu), netron {netron.__version__}, "
        f"OpenVINO {ov.get_version()}; run {time.strftime('%Y-%m-%d')}.\n"
        f"Each time is the median over {args.rounds} rounds, in seconds from navigation start to a drawn "
        f"graph that then stayed unchanged for {QUIET_MS} ms; each measurement opens a new browser context "
        f"with a {VIEWPORT['width']}x{VIEWPORT['height']} window. "
        "Netron's graph counts as drawn at the first frame after its last DOM change, ovstudio's two graphs "
        f"at the first {POLL_INTERVAL_MS} ms poll that saw the last of the two canvases' final pixels. "
        "The ratio is ovstudio / Netron of those medians. Warm times open the page a second time in the "
        "same context, so the browser's HTTP cache has the tool's scripts. "
        f"Sync is the median time from a click on a runtime node to its IR node's highlight, polled every "
        f"{SYNC_POLL_MS} ms. First open is one visit before the rounds, left out of the medians, with the app's "
        "caches of that session still empty.\n\n"
        + render_table(records, prepared)
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


if __name__ == "__main__":
    main()
