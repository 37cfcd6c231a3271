"""Helpers for driving the studio page with Streamlit's AppTest: pages, uploads and what is shown."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from ovstudio.coloring import Coloring
from ovstudio.legend import TimeScale
from ovstudio.ui.graphs_view import _LAST_KEY, TITLES
from ovstudio.ui.paths import SESSIONS_DIR_VARIABLE
from ovstudio.ui.state import SESSION_QUERY_PARAM
from ovstudio.ui.text import html_literal

APP_FILE = Path(__file__).resolve().parents[1] / "streamlit_app.py"
# Seconds one script run may take. A run that starts a profile polls until the profile ends.
RUN_TIMEOUT_S = 180.0
# Pass 1 iterations of the profiles started through the page: few, because only the page is tested.
PROFILE_ITERATIONS = 10
OCTET_STREAM = "application/octet-stream"


@contextlib.contextmanager
def sessions_folder_env(folder: Path) -> Iterator[Path]:
    """Point the app at ``folder`` for its sessions while the block runs."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SESSIONS_DIR_VARIABLE, str(folder))
        yield folder


def new_app(session_id: str | None = None) -> AppTest:
    """Return an app that has not run yet, opened on ``session_id`` as a ?session= link does."""
    at = AppTest.from_file(APP_FILE, default_timeout=RUN_TIMEOUT_S)
    if session_id is not None:
        at.query_params[SESSION_QUERY_PARAM] = session_id
    return at


def open_page(at: AppTest, url_path: str) -> AppTest:
    """Run the app on the page registered under ``url_path``, as a click in the navigation does.

    Such a click loads the page without the query parameters of the page shown before.
    """
    if not at._registered_pages:
        at.run()
    pages = at._registered_pages.items()
    hashes = [page_hash for page_hash, info in pages if info.get("url_pathname") == url_path]
    assert hashes, f"no page with url path {url_path!r}"
    # NOTE: AppTest.switch_page (Streamlit 1.67) resolves a page from its script file, and the
    # studio's pages are functions, so the page is requested through AppTest's private field.
    # AppTest would request that page again on every later run, so the field is cleared after
    # this run. Later runs then stay on the page this run ended on, as a browser tab does.
    at._page_hash = hashes[0]
    at.query_params.clear()
    try:
        at.run()
    finally:
        at._page_hash = ""
    return at


def upload_models(at: AppTest, files: list[tuple[str, bytes]]) -> AppTest:
    """Put ``files`` (name, bytes) into the New profile page's uploader and rerun."""
    uploader = at.file_uploader(key="model_upload")
    uploader.set_value([(name, data, OCTET_STREAM) for name, data in files])
    return at.run()


def files_of(*paths: Path) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in paths]


def start_profile(at: AppTest, iterations: int = PROFILE_ITERATIONS) -> AppTest:
    """Set the iteration budget and click Profile. The run returns once the profile has ended."""
    at.number_input(key="iterations").set_value(iterations)
    return at.button(key="start_profile").click().run()


def exception_texts(at: AppTest) -> list[str]:
    return [element.value for element in at.exception]


def shown_text(value: object) -> str:
    """Return a Markdown element's text as the browser shows it, without ``markdown_literal``'s escapes.

    The hard line breaks of ``markdown_lines`` become plain newlines.
    """
    text = str(value).replace("  \n", "\n")
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def error_texts(at: AppTest) -> list[str]:
    return [shown_text(element.value) for element in at.error]


def metric_values(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def layer_table_key(session_id: str) -> str:
    return f"layer_table::{session_id}"


def layer_table(at: AppTest, session_id: str) -> pd.DataFrame:
    """Return the layer table as the page shows it, hidden layer_id column included."""
    return at.dataframe(key=layer_table_key(session_id)).value


def selected_table_rows(at: AppTest, key: str) -> list[int]:
    """Return the rows of a dataframe's selection state, as Streamlit stores it under ``key``."""
    return list(at.session_state[key]["selection"]["rows"])


def click_table_rows(at: AppTest, key: str, rows: list[int]) -> AppTest:
    """Select rows of a dataframe as a click does, then rerun.

    AppTest has no way to click a dataframe row (``set_value`` raises on a dataframe), so the
    selection is written where Streamlit keeps it: the session state of the dataframe's key.
    """
    at.session_state[key] = {"selection": {"rows": rows, "columns": []}}
    return at.run()


def click_graph_node(at: AppTest, side: str, node_id: str) -> AppTest:
    """Click a node of a graph, then rerun.

    AppTest cannot click inside the graph component, so the node id is written where Streamlit
    keeps the component's value: the session state of the component's key, which the page
    records for each side under ``_LAST_KEY``.
    """
    at.session_state[at.session_state[_LAST_KEY + side]] = node_id
    return at.run()


def search(at: AppTest, query: str, field: str = "name", side: str = "runtime",
           regex: bool = False) -> AppTest:
    at.text_input(key="search_query").set_value(query)
    at.selectbox(key="search_field").set_value(field)
    at.selectbox(key="search_side").set_value(side)
    regex_toggle = at.toggle(key="search_regex")
    if regex_toggle.value != regex:
        regex_toggle.set_value(regex)
    return at.run()


def search_hits(at: AppTest) -> list[str]:
    """Return the options of the hit picker, each ending with its layer id in brackets."""
    pickers = [widget for widget in at.selectbox if widget.key == "search_pick"]
    return list(pickers[0].options) if pickers else []


def search_hit_ids(at: AppTest) -> list[str]:
    """Return the layer ids of the search hits, in the order the picker lists them."""
    return [option.rsplit("[", 1)[1].removesuffix("]") for option in search_hits(at)]


def pick_search_hit(at: AppTest, layer_id: str) -> AppTest:
    """Pick the search hit of ``layer_id`` and rerun."""
    options = [option for option in search_hits(at) if option.endswith(f"[{layer_id}]")]
    assert options, f"{layer_id} is not among the search hits"
    return at.selectbox(key="search_pick").select(options[0]).run()


def markdown_text(block: AppTest | Block) -> str:
    return "\n".join(element.value for element in block.markdown)


def graph_column(at: AppTest, side: str) -> Block:
    """Return the innermost column that draws the graph of ``side`` and not the other graph."""
    title = f"**{TITLES[side]}**"
    other_titles = [f"**{text}**" for name, text in TITLES.items() if name != side]
    for column in at.columns:
        texts = [element.value for element in column.markdown]
        if title in texts and not any(other in texts for other in other_titles):
            return column
    raise AssertionError(f"no column draws the {side} graph")


def legend_labels(coloring: Coloring) -> list[str]:
    """Return the legend texts of a coloring as the page writes them into HTML."""
    legend = coloring.legend
    if isinstance(legend, TimeScale):
        entries = [f"<span>{html_literal(stop.label)}</span>" for stop in legend.stops]
        kind = "log scale" if legend.log_scale else "linear scale"
        not_executed = legend.not_executed
        return [*entries, f"median execution time, {kind}",
                f"{html_literal(not_executed.label)} ({not_executed.count})"]
    return [f"{html_literal(entry.label)} ({entry.count})" for entry in legend]


def add_session(source: Path, folder: Path) -> str:
    """Copy a session file into ``folder`` and return its session id."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, folder / source.name)
    return source.stem


def session_files(folder: Path) -> list[str]:
    """List the files of a sessions folder, hidden temporary files included."""
    return sorted(path.name for path in folder.iterdir())
