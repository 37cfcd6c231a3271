"""Drive the real app in headless Chromium: start it, reach a graph's vis-network Network, click nodes.

The graphs are drawn by streamlit-agraph 0.0.45, which renders vis-network in an iframe titled
``streamlit_agraph.agraph``. The Network object lives in a React hook of that iframe's
component tree and is reached from the canvas through React's internal fiber links. That path
was checked against streamlit-agraph 0.0.45 only, and ``find_network`` raises a RuntimeError
naming the step that failed when a newer release changes it.

The browser tests and ``bench/graph_render.py`` share these helpers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from playwright.sync_api import Frame, Locator, Page, ViewportSize

from bench.browser import launch_browser, local_context
from ovstudio.layer_table import build_layer_table
from ovstudio.mapping import MAIN_GRAPH_ID, ir_layers_of
from ovstudio.session.store import Session
from ovstudio.ui.graph_component import HIGHLIGHT_BORDER, SELECTED_BORDER
from ovstudio.ui.paths import SESSIONS_DIR_VARIABLE

REPO = Path(__file__).resolve().parents[1]
# Folder of screenshots and logs. The browser test writes into its `browser/` subfolder.
ARTIFACTS_VARIABLE = "OVSTUDIO_TEST_ARTIFACTS"

# Border widths that graph_component._style gives a highlighted and the selected node.
HIGHLIGHT_WIDTH = 4
SELECTED_WIDTH = 5


def artifacts_dir(name: str) -> Path:
    """Create and return ``<artifacts>/<name>``, where artifacts is $OVSTUDIO_TEST_ARTIFACTS or test-artifacts/."""
    root = Path(os.environ.get(ARTIFACTS_VARIABLE) or REPO / "test-artifacts")
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- The app server ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RunningApp:
    """A `streamlit run streamlit_app.py` process serving on 127.0.0.1."""

    url: str
    sessions_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def log_tail(self, lines: int = 60) -> str:
        """Return the last ``lines`` lines of the server log, for failure messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as error:
            return f"(server log {self.log_path} unreadable: {error})"
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def run_app(
    sessions_dir: Path,
    log_path: Path,
    startup_timeout_s: float = 60.0,
    address: str | None = "127.0.0.1",
    server_options: Sequence[str] = (),
) -> Iterator[RunningApp]:
    """Start the app on a free port with ``sessions_dir`` as its sessions folder.

    The server listens on ``address``; None leaves the address to the repository's
    .streamlit/config.toml, as `make run` does. ``server_options`` are further command-line
    options of `streamlit run`, such as ``("--server.maxUploadSize", "1")``. Waits for Streamlit's
    health endpoint on 127.0.0.1, yields the running app and stops the process on exit (terminate,
    then kill after 10 s). The server's output goes to ``log_path``. Raises RuntimeError, with the
    end of the log, when the process exits or is not healthy in time.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
        "--server.port", str(port), "--server.headless", "true", *server_options,
    ]
    if address is not None:
        command += ["--server.address", address]
    environment = {**os.environ, SESSIONS_DIR_VARIABLE: str(sessions_dir)}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT)
    app = RunningApp(f"http://127.0.0.1:{port}", sessions_dir, log_path, process)
    try:
        _wait_healthy(app, startup_timeout_s)
        yield app
    finally:
        _stop(process)


def health_status(app: RunningApp, timeout_s: float = 10.0) -> str:
    """Return the body of the app's ``/_stcore/health`` response (``ok`` when healthy), or the
    reason the request failed."""
    try:
        with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=timeout_s) as response:
            return response.read().decode(errors="replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return f"request failed: {error}"


def folder_digests(folder: Path) -> dict[str, str]:
    """Return the sha256 of every file of ``folder``, hidden files included, by file name."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.iterdir()) if path.is_file()}


# State code of a listening socket in /proc/net/tcp and /proc/net/tcp6.
_TCP_LISTEN = "0A"


def listening_addresses(port: int) -> set[str]:
    """Return the local addresses that listen on TCP ``port``, read from /proc/net/tcp and tcp6.

    Linux only. IPv4 addresses come as ``127.0.0.1`` or ``0.0.0.0``, IPv6 ones as ``[::1]`` or ``[::]``.
    """
    addresses: set[str] = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local_hex, port_hex = fields[1].split(":")
            if int(port_hex, 16) == port and fields[3] == _TCP_LISTEN:
                addresses.add(_proc_net_address(local_hex, family))
    return addresses


def _proc_net_address(hex_address: str, family: socket.AddressFamily) -> str:
    # The kernel prints the address as 32-bit words in host byte order.
    raw = b"".join(int(hex_address[i:i + 8], 16).to_bytes(4, sys.byteorder) for i in range(0, len(hex_address), 8))
    text = socket.inet_ntop(family, raw)
    return text if family == socket.AF_INET else f"[{text}]"


def _wait_healthy(app: RunningApp, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    health_url = f"{app.url}/_stcore/health"
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(
                f"the app exited with code {app.process.returncode} before it was healthy. "
                f"Server log {app.log_path}:\n{app.log_tail()}"
            )
        try:
            with urllib.request.urlopen(health_url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"{health_url} timed out: no 200 response within {timeout_s:g} s. Server log {app.log_path}:\n{app.log_tail()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --- The vis-network Network inside an agraph iframe ------------------------------------------

# Returns the Network of the frame's graph, or throws an Error naming the step that failed.
# The canvas sits in vis-network's frame div, whose parent is the div that react-graph-vis
# renders. That div's React fiber leads up to the component whose hook state contains the Network.
_FIND_NETWORK_JS = """
() => {
    const canvas = document.querySelector('canvas');
    if (!canvas) {
        throw new Error('no canvas in the agraph frame yet');
    }
    const host = canvas.parentElement.parentElement;
    const fiberKey = Object.keys(host).find((key) => key.startsWith('__reactInternalInstance$'));
    if (!fiberKey) {
        throw new Error('the graph container has no __reactInternalInstance$ key: another React version?');
    }
    const isNetwork = (value) => value && value.body && value.body.nodes;
    for (let fiber = host[fiberKey]; fiber; fiber = fiber.return) {
        for (let hook = fiber.memoizedState; hook && typeof hook === 'object'; hook = hook.next) {
            const state = hook.memoizedState;
            if (isNetwork(state)) {
                return state;
            }
            if (state && isNetwork(state.current)) {
                return state.current;
            }
        }
    }
    throw new Error('no hook above the graph container contains a vis-network Network');
}
"""


def network_function(body: str) -> str:
    """Wrap ``body``, a JS function of (network, arg), into a function of arg that finds the frame's Network."""
    return f"(arg) => {{ const network = ({_FIND_NETWORK_JS})(); return ({body})(network, arg); }}"


_NODE_COUNT_JS = network_function("(network) => Object.keys(network.body.nodes).length")

_NODE_STYLES_JS = network_function("""
(network, ids) => Object.fromEntries(ids.map((id) => {
    const node = network.body.nodes[id];
    return [id, node ? {borderWidth: node.options.borderWidth, border: node.options.color.border} : null];
}))
""")

# Centers the view on a node at zoom 1 without animation, as a user zooms in before clicking,
# and returns the node's center in the frame's viewport coordinates.
_FOCUS_NODE_JS = network_function("""
(network, id) => {
    if (!network.body.nodes[id]) {
        return null;
    }
    network.focus(id, {scale: 1.0, animation: false});
    const onCanvas = network.getPositions([id])[id];
    const inCanvas = network.canvasToDOM(onCanvas);
    const box = network.canvas.frame.canvas.getBoundingClientRect();
    return {x: box.left + inCanvas.x, y: box.top + inCanvas.y, width: box.width, height: box.height,
            inside: inCanvas.x >= 0 && inCanvas.y >= 0 && inCanvas.x <= box.width && inCanvas.y <= box.height};
}
""")


@dataclasses.dataclass(frozen=True)
class NodeStyle:
    """The border vis-network draws around a node."""

    border_width: float
    border_color: str


HIGHLIGHTED = NodeStyle(HIGHLIGHT_WIDTH, HIGHLIGHT_BORDER)
SELECTED = NodeStyle(SELECTED_WIDTH, SELECTED_BORDER)


def node_count(frame: Frame) -> int:
    """Return the number of nodes the frame's Network holds."""
    return int(frame.evaluate(_NODE_COUNT_JS))


def node_styles(frame: Frame, node_ids: list[str]) -> dict[str, NodeStyle | None]:
    """Return each node's border style, or None for an id the graph does not draw."""
    raw: dict[str, Any] = frame.evaluate(_NODE_STYLES_JS, node_ids)
    return {
        node_id: None if style is None else NodeStyle(float(style["borderWidth"]), str(style["border"]).lower())
        for node_id, style in raw.items()
    }


def wait_node_style(frame: Frame, node_id: str, style: NodeStyle, timeout_s: float = 30.0) -> None:
    """Poll every 20 ms until ``node_id`` has ``style``, raising Playwright's TimeoutError after ``timeout_s``."""
    check = network_function("""
    (network, expected) => {
        const node = network.body.nodes[expected.id];
        return Boolean(node) && node.options.borderWidth === expected.width
            && String(node.options.color.border).toLowerCase() === expected.color;
    }
    """)
    expected = {"id": node_id, "width": style.border_width, "color": style.border_color.lower()}
    frame.wait_for_function(check, arg=expected, polling=20, timeout=timeout_s * 1000)


def agraph_iframe(page: Page, index: int) -> Locator:
    """Return the ``index``-th streamlit-agraph iframe of the page, in document order."""
    return page.locator('iframe[title="streamlit_agraph.agraph"]').nth(index)


def agraph_frame(iframe: Locator) -> Frame:
    """Return the Frame of an agraph iframe, for ``evaluate`` and the other helpers here."""
    frame = iframe.element_handle().content_frame()
    if frame is None:
        raise RuntimeError("the agraph iframe has no frame: it was removed from the page")
    return frame


def click_node(page: Page, iframe: Locator, node_id: str) -> None:
    """Bring ``node_id`` into view in the graph of ``iframe`` and click it with the mouse.

    The click is a real mouse event at the node's center on the page, so the component sends it
    to the app as it does a user's click. Raises RuntimeError when the graph does not draw the
    node or the node stays outside the canvas.
    """
    iframe.scroll_into_view_if_needed()
    frame = agraph_frame(iframe)
    position = frame.evaluate(_FOCUS_NODE_JS, node_id)
    if position is None:
        raise RuntimeError(f"the graph in {frame.url} does not draw node {node_id!r}")
    if not position["inside"]:
        raise RuntimeError(f"node {node_id!r} is outside the canvas after centering the view on it: {position}")

    box = iframe.bounding_box()
    if box is None:
        raise RuntimeError(f"the iframe of the graph with node {node_id!r} is not visible")
    page.mouse.click(box["x"] + position["x"], box["y"] + position["y"])


# --- Layers to click ------------------------------------------------------------------------


def pick_synced_layer(session: Session, mapping_class: str) -> tuple[pd.Series, list[str]]:
    """Return the slowest runtime layer of ``mapping_class`` and its main-graph IR layers, choosing
    among the layers that are drawn nodes on both sides.

    Constants are folded into their consumers, so a layer that is not a constant is a node of its
    own with its layer_id as the node id. Slowest means first in the layer table's order, so the
    layer's row is on screen without scrolling the table. Raises LookupError when no layer fits.
    """
    runtime = session.tables["runtime_layers"].set_index("layer_id", drop=False)
    ir = session.tables["ir_layers"].set_index("layer_id", drop=False)
    drawn_ir = set(ir.index[(ir["graph_id"] == MAIN_GRAPH_ID) & (ir["type"] != "Constant")])
    for layer_id in build_layer_table(session)["layer_id"]:
        layer = runtime.loc[layer_id]
        if layer["mapping_class"] != mapping_class or layer["layer_type"] == "Const":
            continue
        ir_ids = [ir_id for ir_id in ir_layers_of(session.tables["mapping"], layer_id)
                  if ir.at[ir_id, "graph_id"] == MAIN_GRAPH_ID]
        if ir_ids and all(ir_id in drawn_ir for ir_id in ir_ids):
            return layer, ir_ids
    raise LookupError(
        f"no {mapping_class} runtime layer of session {session.session_id} is drawn with all its IR layers drawn"
    )


def pick_removed_layer(session: Session) -> pd.Series:
    """Return the first removed main-graph IR layer that is drawn as a node of its own.

    Raises LookupError when the session has none.
    """
    ir = session.tables["ir_layers"]
    removed = ir[(ir["mapping_class"] == "removed") & (ir["graph_id"] == MAIN_GRAPH_ID) & (ir["type"] != "Constant")]
    if removed.empty:
        raise LookupError(f"session {session.session_id} has no removed IR layer that is drawn")
    return removed.iloc[0]


@contextlib.contextmanager
def open_app_page(app: RunningApp, viewport: ViewportSize, step_timeout_s: float) -> Iterator[Page]:
    """Yield a page in a fresh headless Chromium context that can only reach the app's origin."""
    with launch_browser() as browser, local_context(browser, app.url) as local:
        page = local.context.new_page()
        page.set_viewport_size(viewport)
        page.set_default_timeout(step_timeout_s * 1000)
        yield page
