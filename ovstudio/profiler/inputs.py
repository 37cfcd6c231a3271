"""Concrete input shapes and input data for profiling.

Every model input gets a static shape, from the model itself, ``ProfileSettings.shapes``,
``ProfileSettings.batch`` or the shape of a ``.npy`` file in ``ProfileSettings.input_files``. The
model is reshaped only when a shape differs from the model's. Data is random unless a ``.npy``
file is given.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np
import openvino as ov
import pandas as pd

from ovstudio import file_signatures
from ovstudio.errors import ModelInputError
from ovstudio.loader import meaningful_lines
from ovstudio.session.schema import INPUTS
from ovstudio.settings import ProfileSettings

logger = logging.getLogger(__name__)

# numpy dtype of each element type that random data and .npy files support. bf16 has no numpy
# dtype: its arrays hold the raw bf16 bits as uint16, and ``fill_tensor`` writes them as such.
NUMPY_DTYPES: dict[str, np.dtype[Any]] = {
    "f64": np.dtype(np.float64),
    "f32": np.dtype(np.float32),
    "f16": np.dtype(np.float16),
    "bf16": np.dtype(np.uint16),
    "i64": np.dtype(np.int64),
    "i32": np.dtype(np.int32),
    "i16": np.dtype(np.int16),
    "i8": np.dtype(np.int8),
    "u64": np.dtype(np.uint64),
    "u32": np.dtype(np.uint32),
    "u16": np.dtype(np.uint16),
    "u8": np.dtype(np.uint8),
    "boolean": np.dtype(np.bool_),
}
FLOAT_TYPES = ("f64", "f32", "f16", "bf16")
# Random integers are drawn from [0, RANDOM_INT_LIMIT), capped by the type's range, so that
# inputs used as indices or token ids stay small.
RANDOM_INT_LIMIT = 256
# Size given to a dynamic dimension after the first in example shapes of error messages.
EXAMPLE_DIM = 224
NPY_MAGIC = np.lib.format.MAGIC_PREFIX
ZIP_MAGIC = b"PK\x03\x04"
# dtype kinds accepted in .npy inputs: boolean, signed and unsigned integer, float.
NUMBER_KINDS = "biuf"


@dataclasses.dataclass(frozen=True)
class ModelInput:
    """One model input: its name, every name that refers to it, and its Parameter's type and shape."""

    name: str
    aliases: frozenset[str]
    partial_shape: ov.PartialShape
    element_type: str


@dataclasses.dataclass(frozen=True)
class _InputFile:
    """An array loaded from a .npy file for one input, with the file's path."""

    path: Path
    array: np.ndarray


@dataclasses.dataclass
class PreparedInputs:
    """Inputs ready for inference: the ``inputs`` table and one array per input name."""

    table: pd.DataFrame
    arrays: dict[str, np.ndarray]
    reshaped: bool
    warnings: list[str]


def model_inputs(model: ov.Model) -> list[ModelInput]:
    """List the inputs of ``model``, named by tensor name or else the Parameter's friendly name."""
    inputs = []
    for port in model.inputs:
        friendly_name = port.get_node().get_friendly_name()
        names = set(port.get_names())
        name = port.get_any_name() if names else friendly_name
        inputs.append(
            ModelInput(
                name=name,
                aliases=frozenset(names | {friendly_name}),
                partial_shape=port.get_partial_shape(),
                element_type=port.get_element_type().get_type_name(),
            )
        )
    return inputs


def prepare_inputs(model: ov.Model, settings: ProfileSettings, seed: int = 0) -> PreparedInputs:
    """Resolve a static shape for every input, reshape ``model`` in place if needed, and build data.

    Raises ``ModelInputError`` for unknown input names, shapes that contradict the model or the
    batch, dimensions below 1, dynamic dimensions without a value, and unusable ``.npy`` files.
    """
    inputs = model_inputs(model)
    shapes_by_input = _match_names(settings.shapes, inputs, "shape")
    files_by_input = _match_names(settings.input_files, inputs, "input file")
    loaded = {name: _InputFile(Path(path), _load_npy(Path(path), name)) for name, path in files_by_input.items()}

    warnings: list[str] = []
    shapes = _resolve_shapes(inputs, shapes_by_input, loaded, settings.batch, warnings)
    reshaped = _reshape_if_needed(model, inputs, shapes)

    rng = np.random.default_rng(seed)
    arrays: dict[str, np.ndarray] = {}
    rows = []
    for item in inputs:
        shape = shapes[item.name]
        if item.name in loaded:
            input_file = loaded[item.name]
            arrays[item.name] = _check_npy(input_file.array, item, shape, input_file.path)
            source = input_file.path.name
        else:
            arrays[item.name] = random_array(item.element_type, shape, rng, item.name)
            source = "random"
        rows.append((item.name, str(item.partial_shape), list(shape), item.element_type, source))

    table = pd.DataFrame(rows, columns=INPUTS.column_names)
    return PreparedInputs(table=table, arrays=arrays, reshaped=reshaped, warnings=warnings)


def fill_tensor(tensor: ov.Tensor, array: np.ndarray) -> None:
    """Copy ``array`` into an infer request's input tensor, writing bf16 arrays as raw bits."""
    data = tensor.data
    if tensor.element_type == ov.Type.bf16:
        data = data.view(np.uint16)
    data[...] = array


def random_array(element_type: str, shape: tuple[int, ...], rng: np.random.Generator, input_name: str) -> np.ndarray:
    """Draw random input data: floats uniform in [0, 1), small non-negative integers, or booleans."""
    if element_type not in NUMPY_DTYPES:
        raise ModelInputError(
            f"input {input_name!r} has element type {element_type}, for which random data is not "
            f"supported (supported: {', '.join(NUMPY_DTYPES)}): give a .npy file for it"
        )
    if element_type == "bf16":
        return to_bf16_bits(rng.random(shape, dtype=np.float32))
    if element_type in FLOAT_TYPES:
        return rng.random(shape, dtype=np.float64).astype(NUMPY_DTYPES[element_type])
    if element_type == "boolean":
        return rng.integers(0, 2, size=shape).astype(np.bool_)

    dtype = NUMPY_DTYPES[element_type]
    high = min(RANDOM_INT_LIMIT, int(np.iinfo(dtype).max) + 1)
    return rng.integers(0, high, size=shape).astype(dtype)


def to_bf16_bits(values: np.ndarray) -> np.ndarray:
    """Round float values to bf16 (nearest, ties to even) and return the bits as uint16."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounding = ((bits >> 16) & 1) + 0x7FFF
    rounded = ((bits.astype(np.uint64) + rounding) >> 16).astype(np.uint16)
    # NaN must stay NaN: keep its top bits instead of rounding into infinity.
    nan = np.isnan(values.astype(np.float32))
    return np.where(nan, (bits >> 16).astype(np.uint16) | 0x40, rounded)


def _match_names(requested: dict[str, Any], inputs: list[ModelInput], kind: str) -> dict[str, Any]:
    """Map user-given input names (any tensor name or friendly name) to canonical input names.

    ``kind`` names what was given per input, "shape" or "input file", for the error message.
    """
    matched: dict[str, Any] = {}
    unknown = []
    for given_name, value in requested.items():
        item = next((item for item in inputs if given_name in item.aliases), None)
        if item is None:
            unknown.append(given_name)
        else:
            matched[item.name] = value
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        real = ", ".join(repr(item.name) for item in inputs)
        if len(inputs) == 1:
            known = f"the model's only input is {real}. Give the {kind} for input {real}"
        else:
            known = f"the model's inputs are {real}. Give the {kind} under one of these names"
        noun = "input" if len(unknown) == 1 else "inputs"
        raise ModelInputError(f"no {noun} named {names}: {known}")
    return matched


def _resolve_shapes(
    inputs: list[ModelInput],
    shapes: dict[str, tuple[int, ...]],
    loaded: dict[str, _InputFile],
    batch: int | None,
    warnings: list[str],
) -> dict[str, tuple[int, ...]]:
    resolved: dict[str, tuple[int, ...]] = {}
    missing = []
    for item in inputs:
        shape = _requested_shape(item, shapes.get(item.name), loaded.get(item.name))
        if shape is not None and batch is not None:
            _check_batch(item, shape, batch, item.name in shapes, loaded.get(item.name))
        if shape is None and batch is not None:
            shape = _with_batch_only(item, batch)
        if shape is None:
            missing.append(item)
            continue
        if batch is not None:
            shape = _apply_batch(item, shape, batch, warnings)
        resolved[item.name] = shape

    if missing:
        raise _missing_shapes_error(missing)
    return resolved


def _missing_shapes_error(missing: list[ModelInput]) -> ModelInputError:
    examples = [_shape_argument(item, _example_dims(item)) for item in missing]
    options = " ".join(f"--shape {example}" for example in examples)
    if len(missing) == 1:
        item = missing[0]
        return ModelInputError(
            f"input {item.name!r} has dynamic shape {item.partial_shape}: give a concrete shape such as "
            f"{examples[0]} (on the command line: {options})"
        )
    described = ", ".join(f"{item.name!r} {item.partial_shape}" for item in missing)
    return ModelInputError(
        f"inputs {described} have dynamic shapes: give a concrete shape for each, such as "
        f"{' and '.join(examples)} (on the command line: {options})"
    )


def _requested_shape(
    item: ModelInput, given_shape: tuple[int, ...] | None, input_file: _InputFile | None
) -> tuple[int, ...] | None:
    """Return the shape given for ``item``, else its file's shape, else the model's shape when it is static."""
    if given_shape is not None:
        shape = tuple(int(dim) for dim in given_shape)
        _check_positive(item, shape, None)
        _check_compatible(item, shape, None)
        if input_file is not None and tuple(input_file.array.shape) != shape:
            raise ModelInputError(
                f"the input file {input_file.path.name} for input {item.name!r} contains an array of shape "
                f"{_dims_text(input_file.array.shape)}, but the shape given for it is {_dims_text(shape)}: "
                f"make them equal, or drop the shape to use the file's"
            )
        return shape
    if input_file is not None:
        shape = tuple(int(dim) for dim in input_file.array.shape)
        _check_positive(item, shape, input_file.path)
        _check_compatible(item, shape, input_file.path)
        return shape
    if item.partial_shape.is_static:
        return tuple(int(dim.get_length()) for dim in item.partial_shape)
    return None


def _check_batch(
    item: ModelInput, shape: tuple[int, ...], batch: int, given: bool, input_file: _InputFile | None
) -> None:
    """Raise when the shape given for ``item``, or its file's shape, has another dimension 0 than ``batch``.

    The batch replaces dimension 0 of the model's own static shape without a check.
    """
    if not shape or shape[0] == batch:
        return
    if given:
        source, advice = "the shape given for it", "drop either the batch or the shape, or make them equal"
    elif input_file is not None:
        source = f"the array in {input_file.path.name}"
        advice = f"drop the batch, or save an array with {batch} in dimension 0"
    else:
        return
    raise ModelInputError(
        f"input {item.name!r} gets batch {batch}, but {source}, {_dims_text(shape)}, has {shape[0]} in "
        f"dimension 0: {advice}"
    )


def _with_batch_only(item: ModelInput, batch: int) -> tuple[int, ...] | None:
    """Return the model's shape with dim 0 set to ``batch`` when only dim 0 is dynamic."""
    partial = item.partial_shape
    if partial.rank.is_dynamic or partial.rank.get_length() == 0:
        return None
    dims = list(partial)
    if any(dim.is_dynamic for dim in dims[1:]):
        return None
    return (batch, *(int(dim.get_length()) for dim in dims[1:]))


def _apply_batch(item: ModelInput, shape: tuple[int, ...], batch: int, warnings: list[str]) -> tuple[int, ...]:
    if not shape:
        warnings.append(f"input {item.name!r} is a scalar, so batch {batch} was not applied to it")
        return shape
    return (batch, *shape[1:])


def _check_positive(item: ModelInput, shape: tuple[int, ...], file: Path | None) -> None:
    """Raise when a dimension is below 1: an input without elements measures nothing."""
    small = [(index, value) for index, value in enumerate(shape) if value < 1]
    if not small:
        return
    index, value = small[0]
    if file is None:
        raise ModelInputError(
            f"the shape given for input {item.name!r}, {_dims_text(shape)}, has {value} in dimension "
            f"{index}: every dimension must be 1 or more"
        )
    raise ModelInputError(
        f"the array in {file.name} for input {item.name!r} has shape {_dims_text(shape)}, with {value} "
        f"in dimension {index}: save an array whose dimensions are all 1 or more"
    )


def _check_compatible(item: ModelInput, shape: tuple[int, ...], file: Path | None) -> None:
    """Raise when ``shape``, given on its own (``file`` None) or by a file's array, contradicts the model."""
    partial = item.partial_shape
    if partial.rank.is_dynamic:
        return
    if file is None:
        subject = f"the shape given for input {item.name!r}, {_dims_text(shape)},"
    else:
        subject = f"the array in {file.name} for input {item.name!r}, of shape {_dims_text(shape)},"
    example = _example_dims(item, shape)
    if file is None:
        fix = f"such as {_shape_argument(item, example)}"
    else:
        fix = f"save an array of a shape such as {_dims_text(example)}"

    rank = partial.rank.get_length()
    if len(shape) != rank:
        advice = f"give {rank} dimensions, {fix}" if file is None else fix
        raise ModelInputError(
            f"{subject} has rank {len(shape)}, but the model's input {item.name!r} is {partial} (rank {rank}): "
            f"{advice}"
        )
    for index, (dim, value) in enumerate(zip(partial, shape)):
        if not dim.compatible(ov.Dimension(value)):
            advice = f"give a shape that fits, {fix}" if file is None else fix
            raise ModelInputError(
                f"{subject} has {value} in dimension {index}, but the model's input {item.name!r} is "
                f"{partial}, which allows {dim} there: {advice}"
            )


def _reshape_if_needed(model: ov.Model, inputs: list[ModelInput], shapes: dict[str, tuple[int, ...]]) -> bool:
    changes = {}
    for index, item in enumerate(inputs):
        partial = item.partial_shape
        target = ov.PartialShape(list(shapes[item.name]))
        if partial.is_dynamic or partial.to_shape() != target.to_shape():
            changes[index] = target
    if not changes:
        return False

    described = ", ".join(f"{inputs[index].name}={list(shape.to_shape())}" for index, shape in changes.items())
    logger.info("reshaping model inputs: %s", described)
    try:
        model.reshape({model.inputs[index]: shape for index, shape in changes.items()})
    except RuntimeError as error:
        reported = "\n  ".join(meaningful_lines(str(error))) or "(no message)"
        raise ModelInputError(
            f"reshaping the model to {described} failed. OpenVINO reported:\n  {reported}\nThe model may "
            f"fix these dimensions internally: try other shapes or the model's own"
        ) from error
    return True


def _load_npy(path: Path, input_name: str) -> np.ndarray:
    """Load an array of numbers from a .npy file, never unpickling Python objects.

    Messages name the file by its name only: the app writes uploaded files into a temporary
    folder, whose path means nothing to the user.
    """
    try:
        with path.open("rb") as stream:
            sample = stream.read(file_signatures.SAMPLE_BYTES)
    except OSError as error:
        raise ModelInputError(
            f"cannot read the input file {path.name} for input {input_name!r}: "
            f"{error.strerror or type(error).__name__}. Check the path"
        ) from error
    if sample.startswith(ZIP_MAGIC):
        raise ModelInputError(
            f"the input file {path.name} for input {input_name!r} is an .npz archive, expected one array in a "
            f".npy file: save the array with numpy.save"
        )
    if not sample.startswith(NPY_MAGIC):
        content = file_signatures.recognize(sample)
        found = f": its content is {content.description}" if content is not None else ""
        raise ModelInputError(
            f"the input file {path.name} for input {input_name!r} is not a .npy file{found}. Save an array "
            f"of numbers with numpy.save"
        )

    _check_npy_size(path, input_name)
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, OSError, MemoryError) as error:
        # numpy raises ValueError for an array of Python objects and for a truncated file.
        raise ModelInputError(
            f"the input file {path.name} for input {input_name!r} cannot be loaded as an array of numbers: it "
            f"contains Python objects or is truncated. Save an array of numbers with numpy.save"
        ) from error
    if array.dtype.kind not in NUMBER_KINDS:
        raise ModelInputError(
            f"the input file {path.name} for input {input_name!r} contains an array of {array.dtype}, not of "
            f"numbers: save an array of booleans, integers or floats with numpy.save"
        )
    return array


def _check_npy_size(path: Path, input_name: str) -> None:
    """Raise when a .npy header declares more data than the file contains.

    np.load allocates the declared size before it reads, so a small file whose header declares
    terabytes would fail with MemoryError, or exhaust the worker's memory.
    """
    try:
        with path.open("rb") as stream:
            version = np.lib.format.read_magic(stream)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
            else:
                # NOTE: version 3.0 headers are left to np.load, which then checks nothing before it allocates.
                return
            data_offset = stream.tell()
    except (ValueError, EOFError, OSError):
        # np.load reports the same faults, with the message for a damaged file.
        return

    declared = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
    available = path.stat().st_size - data_offset
    if dtype.kind in NUMBER_KINDS and declared > available:
        raise ModelInputError(
            f"the input file {path.name} for input {input_name!r} declares an array of shape "
            f"{_dims_text(shape)} and type {dtype}, {declared} bytes, but contains only {available} bytes "
            f"of data: it is truncated or damaged. Save the array again with numpy.save"
        )


def _check_npy(array: np.ndarray, item: ModelInput, shape: tuple[int, ...], path: Path) -> np.ndarray:
    """Return ``array`` cast to the input's type, raising when the shape or dtype does not fit."""
    if tuple(array.shape) != shape:
        raise ModelInputError(
            f"the input file {path.name} has shape {_dims_text(array.shape)}, but input {item.name!r} needs "
            f"{_dims_text(shape)}: save an array of that shape"
        )
    if item.element_type not in NUMPY_DTYPES:
        raise ModelInputError(
            f"input {item.name!r} has element type {item.element_type}, which .npy inputs do not "
            f"support (supported: {', '.join(NUMPY_DTYPES)})"
        )

    if item.element_type == "bf16":
        if not np.can_cast(array.dtype, np.float32, casting="same_kind"):
            raise ModelInputError(
                f"input file {path.name!r} has dtype {array.dtype}, but input {item.name!r} is bf16: "
                f"save a float32 array"
            )
        return to_bf16_bits(array.astype(np.float32))

    target = NUMPY_DTYPES[item.element_type]
    if array.dtype == target:
        return array
    if not np.can_cast(array.dtype, target, casting="safe"):
        raise ModelInputError(
            f"input file {path.name!r} has dtype {array.dtype}, which cannot be cast safely to "
            f"{item.element_type} ({target}) for input {item.name!r}: save the array as {target}"
        )
    return array.astype(target)


def _example_dims(item: ModelInput, given: tuple[int, ...] = ()) -> tuple[int, ...]:
    """Return a static shape that fits ``item``, for error messages.

    Static dimensions keep the model's value. When ``given`` has the model's rank, a dynamic
    dimension takes the given value at its position. Otherwise it gets 1 in dimension 0 (the
    batch), and elsewhere the last given value or EXAMPLE_DIM. Values stay within the bounds.
    """
    partial = item.partial_shape
    if partial.rank.is_dynamic:
        return tuple(given) or (1, 3, EXAMPLE_DIM, EXAMPLE_DIM)
    same_rank = len(given) == partial.rank.get_length()
    fill = given[-1] if given else EXAMPLE_DIM
    dims = []
    for index, dim in enumerate(partial):
        if dim.is_static:
            dims.append(int(dim.get_length()))
            continue
        if same_rank:
            value = given[index]
        elif index == 0:
            value = 1
        else:
            value = fill
        value = max(value, dim.get_min_length(), 1)
        if dim.get_max_length() >= 0:
            value = min(value, dim.get_max_length())
        dims.append(value)
    return tuple(dims)


def _shape_argument(item: ModelInput, dims: tuple[int, ...]) -> str:
    """Write a shape for ``item`` as the command line takes it, such as x=1,3,224,224."""
    return f"{item.name}={','.join(str(dim) for dim in dims)}"


def _dims_text(shape: tuple[int, ...] | list[int]) -> str:
    """Write a static shape as OpenVINO writes shapes, such as [1,3,224,224]."""
    return "[" + ",".join(str(int(dim)) for dim in shape) + "]"
