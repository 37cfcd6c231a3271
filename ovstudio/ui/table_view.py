"""The layer table (kernel-level performance): one row per runtime layer, synced with the graphs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from ovstudio.layer_table import layer_table_csv
from ovstudio.selection import SelectionResult
from ovstudio.session.store import Session
from ovstudio.ui import derived, selection_state

_SHOWN_IDS = "_layer_table_ids::"
_ROWS_BEFORE = "_layer_table_rows::"


def table_key(session: Session) -> str:
    return f"layer_table::{session.session_id}"


def consume_table_selection(path: Path, session: Session) -> None:
    """Turn a row the user selected since the last run into the selection."""
    key = table_key(session)
    rows = _rows(st.session_state.get(key))
    # Kept per table: another session's table has other rows.
    before: list[int] = st.session_state.get(_ROWS_BEFORE + key, [])
    if rows == before:
        return
    st.session_state[_ROWS_BEFORE + key] = rows
    # In multi-row mode a click on a row the page did not select adds it, and that row wins. A
    # click on a row the page selected (one of several counterparts) removes it: that row wins too.
    added = [row for row in rows if row not in before]
    removed = [row for row in before if row not in rows]
    clicked = None
    if added:
        clicked = added[-1]
    elif len(removed) == 1:
        clicked = removed[0]
    shown_ids: list[str] = st.session_state.get(_SHOWN_IDS + key, [])
    if clicked is not None and clicked < len(shown_ids):
        selection_state.select("runtime", shown_ids[clicked])


def render(path: Path, session: Session, result: SelectionResult | None) -> None:
    st.markdown("**Layers** (runtime model, kernel-level performance)")
    table = derived.layer_table(str(path), path.stat().st_mtime_ns, session)
    filtered = _filter(table)

    key = table_key(session)
    selected_rows = _rows_of_selection(filtered, result)
    if selected_rows != _rows(st.session_state.get(key)):
        st.session_state[key] = {"selection": {"rows": selected_rows, "columns": []}}
    st.session_state[_ROWS_BEFORE + key] = selected_rows
    st.session_state[_SHOWN_IDS + key] = filtered["layer_id"].tolist()

    st.dataframe(filtered, key=key, on_select="rerun", selection_mode="multi-row", hide_index=True,
                 width="stretch", height=420, column_config=_column_config())
    st.download_button("Download CSV", data=layer_table_csv(filtered), file_name=f"{session.session_id}_layers.csv",
                       mime="text/csv", key="download_layers", icon=":material/download:")


def _filter(table: pd.DataFrame) -> pd.DataFrame:
    columns = st.columns([2, 2, 1])
    text = columns[0].text_input("Filter by name", key="table_filter_name", placeholder="substring of the layer name")
    types = columns[1].multiselect("Layer types", sorted(table["layer_type"].dropna().unique()), key="table_filter_types")
    executed_only = columns[2].toggle("Executed only", key="table_executed_only")
    mask = pd.Series(True, index=table.index)
    if text:
        mask &= table["name"].str.contains(text, case=False, regex=False)
    if types:
        mask &= table["layer_type"].isin(types)
    if executed_only:
        mask &= table["status"].eq("executed")
    return table[mask].reset_index(drop=True)


def _rows_of_selection(table: pd.DataFrame, result: SelectionResult | None) -> list[int]:
    if result is None:
        return []
    runtime_ids = set(result.runtime_ids)
    return [int(position) for position in table.index[table["layer_id"].isin(runtime_ids)]]


def _rows(value: object) -> list[int]:
    try:
        return [int(row) for row in value["selection"]["rows"]]  # type: ignore[index]
    except (TypeError, KeyError):
        return []


def _column_config() -> dict[str, Any]:
    return {
        "layer_id": None,
        "name": st.column_config.TextColumn("name", width="medium"),
        "layer_type": st.column_config.TextColumn("type"),
        "runtime_precision": st.column_config.TextColumn("runtime precision"),
        "output_precisions": st.column_config.TextColumn("output precisions"),
        "primitive_type": st.column_config.TextColumn("primitive type"),
        "mapping_class": st.column_config.TextColumn("mapping"),
        "time_median_us": st.column_config.NumberColumn("median, µs", format="%.1f"),
        "time_mean_us": st.column_config.NumberColumn("mean, µs", format="%.1f"),
        "time_min_us": st.column_config.NumberColumn("min, µs", format="%.1f"),
        "time_max_us": st.column_config.NumberColumn("max, µs", format="%.1f"),
        "time_spread_pct": st.column_config.NumberColumn("spread, %", format="%.0f",
                                                         help="(max - min) / median over the counter iterations"),
        "time_share_pct": st.column_config.ProgressColumn(
            "share of total", min_value=0.0, max_value=100.0, format="%.1f%%",
            help="Median time as a share of the layer times' sum or of the median latency with counters on, "
            "whichever is larger: time no layer counter covers is in no row."),
        "sample_count": st.column_config.NumberColumn("samples"),
        "exec_order": st.column_config.NumberColumn("exec order"),
        "ir_layer_names": st.column_config.TextColumn("original IR layers", width="large"),
        "ir_layer_count": st.column_config.NumberColumn("IR layers"),
    }
