"""Link runtime layers to the IR layers named in their originalLayersNames.

OpenVINO records, for each execution node of the runtime model, the friendly names of the
layers of the compiled model it was built from (rt_info ``originalLayersNames``). This module
turns those names into many-to-many links and classifies both sides:

- runtime layers: ``intact`` (1:1), ``fused`` (two or more IR layers), ``split`` (its one IR
  layer is also linked by another runtime layer) or ``inserted`` (no IR layer, such as a
  Reorder, a Convert or a constant the plugin made);
- IR layers: ``mapped``, ``removed`` (no runtime layer names it) or ``nested`` (inside a
  TensorIterator, Loop or If body, which the runtime model does not expose).

The functions are pure: they take and return DataFrames with the columns of
``ovstudio.session.schema``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import numpy as np
import pandas as pd

from ovstudio.profiler.names import rejoin_known_names
from ovstudio.session.schema import MAPPING

RuntimeClass = Literal["intact", "fused", "split", "inserted"]
IrClass = Literal["mapped", "removed", "nested"]

RUNTIME_CLASSES: tuple[RuntimeClass, ...] = ("intact", "fused", "split", "inserted")
IR_CLASSES: tuple[IrClass, ...] = ("mapped", "removed", "nested")

MAIN_GRAPH_ID = "main"


@dataclasses.dataclass(frozen=True)
class MappingResult:
    """Links between runtime and IR layers, and the class of every layer on both sides."""

    # MAPPING columns: one row per linked (runtime layer, IR layer) pair.
    mapping: pd.DataFrame
    # Class of each runtime layer, indexed by its layer_id.
    runtime_classes: pd.Series
    # Class of each IR layer, indexed by its layer_id.
    ir_classes: pd.Series


def build_mapping(runtime_layers: pd.DataFrame, ir_layers: pd.DataFrame) -> MappingResult:
    """Match every original layer name of the runtime layers against IR friendly names.

    ``runtime_layers`` needs the columns layer_id and original_layer_names (a list per row),
    ``ir_layers`` the columns layer_id, graph_id and name. Only main-graph IR layers are
    matched, by the names ``compiled_names`` gives them. Entries that are pieces of an IR
    friendly name containing a comma are rejoined before matching.
    """
    mapping = _link_layers(runtime_layers, ir_layers)
    runtime_classes = _classify_runtime_layers(runtime_layers, mapping)
    ir_classes = _classify_ir_layers(ir_layers, mapping)
    return MappingResult(mapping, runtime_classes, ir_classes)


def compiled_names(layer_ids: pd.Series, names: pd.Series) -> pd.Series:
    """Return the friendly names main-graph IR layers have in the compiled model.

    NOTE: before compiling, OpenVINO 2026.4.1 makes friendly names unique. As observed on CPU, in
    graph order the first layer of a shared name keeps it and each later one gets ``<name>_<k>``,
    with the smallest k >= 1 that no layer uses yet, and originalLayersNames uses those names.
    This follows that rule, with graph order taken from the ``main/<index>`` layer ids.
    """
    result = names.astype(str).astype(object)
    duplicated = result.duplicated(keep=False)
    if not duplicated.any():
        return result

    used = set(result)
    seen: set[str] = set()
    positions = sorted(result.index[duplicated], key=lambda index: _layer_index(str(layer_ids[index])))
    for index in positions:
        name = result[index]
        if name not in seen:
            seen.add(name)
            continue
        suffix = 1
        while f"{name}_{suffix}" in used:
            suffix += 1
        result[index] = f"{name}_{suffix}"
        used.add(result[index])
    return result


def shared_name_count(ir_layers: pd.DataFrame, name: str) -> int:
    """Count the main-graph IR layers whose friendly name is ``name``."""
    main = ir_layers["graph_id"] == MAIN_GRAPH_ID
    return int((main & (ir_layers["name"] == name)).sum())


def apply_mapping(
    runtime_layers: pd.DataFrame, ir_layers: pd.DataFrame, result: MappingResult
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return copies of both layer tables with their ``mapping_class`` column filled."""
    runtime_copy = runtime_layers.copy()
    runtime_copy["mapping_class"] = runtime_copy["layer_id"].map(result.runtime_classes)

    ir_copy = ir_layers.copy()
    ir_copy["mapping_class"] = ir_copy["layer_id"].map(result.ir_classes)
    return runtime_copy, ir_copy


def ir_layers_of(mapping: pd.DataFrame, runtime_id: str) -> list[str]:
    """Return the layer_ids of the IR layers linked to one runtime layer, in mapping order."""
    return mapping.loc[mapping["runtime_id"] == runtime_id, "ir_id"].tolist()


def runtime_layers_of(mapping: pd.DataFrame, ir_id: str) -> list[str]:
    """Return the layer_ids of the runtime layers linked to one IR layer, in mapping order."""
    return mapping.loc[mapping["ir_id"] == ir_id, "runtime_id"].tolist()


def mapping_counts(runtime_layers: pd.DataFrame, ir_layers: pd.DataFrame) -> dict[str, int]:
    """Count the layers of each mapping class, runtime classes first, then IR classes.

    Both tables need a filled ``mapping_class`` column (see ``apply_mapping``). Every class is
    present in the result, with 0 when no layer has it.
    """
    runtime_counts = runtime_layers["mapping_class"].value_counts()
    ir_counts = ir_layers["mapping_class"].value_counts()
    counts: dict[str, int] = {name: int(runtime_counts.get(name, 0)) for name in RUNTIME_CLASSES}
    counts.update({name: int(ir_counts.get(name, 0)) for name in IR_CLASSES})
    return counts


def _link_layers(runtime_layers: pd.DataFrame, ir_layers: pd.DataFrame) -> pd.DataFrame:
    main_layers = ir_layers.loc[ir_layers["graph_id"] == MAIN_GRAPH_ID, ["layer_id", "name"]]
    main_layers = pd.DataFrame({
        "ir_id": main_layers["layer_id"],
        "original_name": compiled_names(main_layers["layer_id"], main_layers["name"]),
    })

    names = pd.DataFrame({
        "runtime_id": runtime_layers["layer_id"],
        "original_name": _original_names(runtime_layers, main_layers["original_name"]),
    })
    names = names.explode("original_name").dropna(subset=["original_name"])

    # An inner merge keeps the order of the left keys: runtime layer order, then the order of
    # the names inside originalLayersNames. A name repeated in one runtime layer links once.
    links = names.merge(main_layers, on="original_name", how="inner")
    links = links.drop_duplicates(subset=["runtime_id", "ir_id"])
    return links[MAPPING.column_names].reset_index(drop=True)


def _original_names(runtime_layers: pd.DataFrame, main_names: pd.Series) -> pd.Series:
    names = runtime_layers["original_layer_names"]
    if not main_names.astype(str).str.contains(",", regex=False).any():
        return names

    # NOTE: the CPU plugin of OpenVINO 2026.4.1 joins originalLayersNames with plain commas, so
    # an IR friendly name that contains a comma arrives cut into pieces. Pieces that form a known
    # IR name are rejoined here, because the runtime model alone cannot tell them apart.
    known_names = set(main_names)
    return names.map(lambda entries: _rejoin_pieces(entries, known_names))


def _rejoin_pieces(entries: Any, known_names: set[str]) -> Any:
    if not isinstance(entries, (list, tuple, np.ndarray)) or len(entries) < 2:
        return entries
    return rejoin_known_names([str(entry) for entry in entries], known_names)


def _classify_runtime_layers(runtime_layers: pd.DataFrame, mapping: pd.DataFrame) -> pd.Series:
    ir_per_runtime = mapping.groupby("runtime_id")["ir_id"].nunique()
    runtime_per_ir = mapping.groupby("ir_id")["runtime_id"].nunique()

    # A runtime layer with one IR layer is split when that IR layer has other runtime layers.
    single_links = mapping[mapping["runtime_id"].isin(ir_per_runtime.index[ir_per_runtime == 1])]
    shared = single_links["ir_id"].map(runtime_per_ir) > 1
    split_ids = pd.Index(single_links.loc[shared, "runtime_id"])

    layer_ids = pd.Index(runtime_layers["layer_id"], name="layer_id")
    link_counts = ir_per_runtime.reindex(layer_ids, fill_value=0)
    classes = pd.Series("intact", index=layer_ids, name="mapping_class", dtype=object)
    classes[link_counts.to_numpy() == 0] = "inserted"
    classes[link_counts.to_numpy() >= 2] = "fused"
    classes[layer_ids.isin(split_ids)] = "split"
    return classes


def _classify_ir_layers(ir_layers: pd.DataFrame, mapping: pd.DataFrame) -> pd.Series:
    layer_ids = pd.Index(ir_layers["layer_id"], name="layer_id")
    classes = pd.Series("removed", index=layer_ids, name="mapping_class", dtype=object)
    classes[layer_ids.isin(mapping["ir_id"])] = "mapped"
    classes[(ir_layers["graph_id"] != MAIN_GRAPH_ID).to_numpy()] = "nested"
    return classes


def _layer_index(layer_id: str) -> int:
    try:
        return int(layer_id.rsplit("/", 1)[-1])
    except ValueError:
        return 0
