"""Session schema: every table and column of a session, with meaning, unit and nullability.

A session is one Parquet file with one row. Scalar columns describe the run (model, device,
settings, headline latency); each table below is a ``list<struct>`` column of that row. The
pandas side reads each table as its own DataFrame with the columns declared here, in this order.
``docs/session-format.md`` is generated from the same declarations by ``describe_schema``.

Units: times in the layer tables are microseconds (``_us``), headline latencies milliseconds
(``_ms``), durations seconds (``_s``).
"""

from __future__ import annotations

import dataclasses

import pyarrow as pa

SCHEMA_VERSION = 1
# Key of the Parquet footer's key-value metadata that contains the session summary as JSON, so
# listing sessions reads only footers.
SUMMARY_METADATA_KEY = b"ovstudio.summary"

STRING_MAP = pa.map_(pa.string(), pa.string())


@dataclasses.dataclass(frozen=True)
class Column:
    """One column: its name, Arrow type, meaning and whether it may be null."""

    name: str
    type: pa.DataType
    description: str
    nullable: bool = False

    def field(self) -> pa.Field:
        return pa.field(self.name, self.type, nullable=self.nullable)


@dataclasses.dataclass(frozen=True)
class Table:
    """A table of a session: a ``list<struct>`` column of the session row."""

    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def struct_type(self) -> pa.StructType:
        return pa.struct([column.field() for column in self.columns])

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([column.field() for column in self.columns])


def _c(name: str, type_: pa.DataType, description: str, nullable: bool = False) -> Column:
    return Column(name, type_, description, nullable)


# --- Scalar columns of the session row -------------------------------------------------------

SESSION_COLUMNS: tuple[Column, ...] = (
    _c("schema_version", pa.int32(), "Version of this schema the file was written with."),
    _c("session_id", pa.string(), "Unique id of the session; also the file name without .parquet."),
    _c("created_utc", pa.timestamp("us", tz="UTC"), "When the profile finished, UTC."),
    _c("model_name", pa.string(), "Model name: the main model file's stem."),
    _c("model_format", pa.string(), "Input format: ir, onnx, tflite, paddle or tensorflow."),
    _c("model_hash", pa.string(), "sha256 over the model files' names and bytes, in name order."),
    _c("device", pa.string(), "Device string the user requested, such as CPU, AUTO or HETERO:CPU."),
    _c("device_full_name", pa.string(), "FULL_DEVICE_NAME of each device used, joined by '; '.", True),
    _c("execution_devices", pa.list_(pa.string()), "Devices that ran the model: every device in EXECUTION_DEVICES as read after compiling, after pass 1 and after pass 2, in first-seen order."),
    _c("inference_precision", pa.string(), "INFERENCE_PRECISION_HINT read back from the compiled model, such as f32 or bf16.", True),
    _c("num_streams", pa.int32(), "NUM_STREAMS read back from the compiled model.", True),
    _c("optimal_requests", pa.int32(), "OPTIMAL_NUMBER_OF_INFER_REQUESTS read back from the compiled model.", True),
    _c("compiled_properties", STRING_MAP, "Every readable property of the compiled model, as text."),
    _c("settings_hint", pa.string(), "Requested performance hint: latency, throughput or none."),
    _c("settings_precision", pa.string(), "Requested inference precision hint; null means the device default.", True),
    _c("settings_streams", pa.int32(), "Requested number of streams; null means the device default.", True),
    _c("settings_requests", pa.int32(), "Requested number of infer requests; null means what the device reports as optimal.", True),
    _c("settings_batch", pa.int32(), "Requested batch size, set as dimension 0 of every input; null means unchanged.", True),
    _c("settings_iterations", pa.int32(), "Requested iterations of pass 1; null when a time budget is used. Pass 2 runs a tenth of it, at least 10, unless set otherwise.", True),
    _c("settings_time_s", pa.float64(), "Requested time budget of pass 1, seconds; null when an iteration count is used. Pass 2 gets a tenth of it.", True),
    _c("settings_warmup", pa.int32(),
       "Requested warm-up inferences before each pass. Pass 2 runs at least as many as it measures "
       "(10 with a time budget), at most 100."),
    _c("openvino_version", pa.string(), "openvino.get_version() of the worker process."),
    _c("host_cpu", pa.string(), "Host CPU model name."),
    _c("host_os", pa.string(), "Host operating system (platform.platform())."),
    _c("python_version", pa.string(), "Python version of the worker process."),
    _c("compile_time_s", pa.float64(), "Time to compile the model for pass 1, seconds.", True),
    _c("iterations", pa.int32(), "Inferences run in pass 1 (no counters), after warm-up.", True),
    _c("duration_s", pa.float64(), "Wall time of pass 1, seconds.", True),
    _c("latency_median_ms", pa.float64(), "Median latency of pass 1, ms.", True),
    _c("latency_mean_ms", pa.float64(), "Mean latency of pass 1, ms.", True),
    _c("latency_min_ms", pa.float64(), "Minimum latency of pass 1, ms.", True),
    _c("latency_max_ms", pa.float64(), "Maximum latency of pass 1, ms.", True),
    _c("latency_p90_ms", pa.float64(), "90th percentile latency of pass 1, ms.", True),
    _c("latency_p99_ms", pa.float64(), "99th percentile latency of pass 1, ms.", True),
    _c("throughput_fps", pa.float64(), "Pass 1 inferences per second (batch not multiplied in).", True),
    _c("pass1_mode", pa.string(), "How pass 1 ran: sync (one request, infer()) or async (AsyncInferQueue).", True),
    _c("pass1_requests", pa.int32(), "Infer requests pass 1 kept in flight.", True),
    _c("counters_iterations", pa.int32(), "Inferences run in pass 2 (PERF_COUNT on), after warm-up.", True),
    _c("counters_latency_median_ms", pa.float64(), "Median latency of pass 2, ms.", True),
    _c("counter_overhead_ms", pa.float64(), "counters_latency_median_ms minus latency_median_ms, ms. Can be slightly negative when the counters cost less than run-to-run noise.", True),
    _c("layers_time_ms", pa.float64(), "Sum over performance counter entries of their median real time in pass 2, ms.", True),
    _c("unaccounted_ms", pa.float64(), "counters_latency_median_ms minus layers_time_ms, ms: time no layer counter covers. Can be slightly negative, because a sum of medians is not the median of sums.", True),
    _c("counters_error", pa.string(), "Why per-layer counters are missing; null when they were collected.", True),
    _c("runtime_model_error", pa.string(), "Why the runtime model is missing; null when it was collected.", True),
    _c("warnings", pa.list_(pa.string()), "Degraded results and notes recorded during the run."),
)

# --- Tables ----------------------------------------------------------------------------------

MODEL_FILES = Table(
    "model_files",
    "The files the model was loaded from. The weights are never stored, only their hashes.",
    (
        _c("file_name", pa.string(), "File name as uploaded or given, relative to the model folder."),
        _c("size_bytes", pa.int64(), "File size, bytes."),
        _c("sha256", pa.string(), "sha256 of the file's bytes."),
    ),
)

INPUTS = Table(
    "inputs",
    "Model inputs as profiled.",
    (
        _c("input_name", pa.string(), "Input tensor name (any_name), or the Parameter's friendly name."),
        _c("original_shape", pa.string(), "Shape in the model before reshape, with ? for dynamic dimensions."),
        _c("shape", pa.list_(pa.int64()), "Concrete shape used for profiling."),
        _c("element_type", pa.string(), "Element type, such as f32, i32, i64, u8 or boolean."),
        _c("data_source", pa.string(), "random, or the .npy file name the data came from."),
    ),
)

IR_LAYERS = Table(
    "ir_layers",
    "Layers of the model in OpenVINO IR form (converted with convert_model when not IR), before any reshape.",
    (
        _c("layer_id", pa.string(), "Unique id: '<graph_id>/<index in get_ordered_ops()>'; the main graph's graph_id is 'main'."),
        _c("graph_id", pa.string(), "Graph the layer belongs to: 'main', or '<parent layer_id>/body<N>' for a TensorIterator, Loop or If body."),
        _c("name", pa.string(), "Friendly name; may repeat within a model."),
        _c("type", pa.string(), "Operation type, such as Convolution."),
        _c("opset", pa.string(), "Operation set of the type, such as opset1."),
        _c("attributes_json", pa.string(), "Operation attributes as a JSON object; '{}' when there are none."),
        _c("rt_info", STRING_MAP, "Runtime info of the node, values as text."),
        _c("output_shapes", pa.list_(pa.string()), "Partial shape of each output, such as [1,3,?,?]."),
        _c("output_element_types", pa.list_(pa.string()), "Element type of each output."),
        _c("body_count", pa.int32(), "Number of nested bodies (TensorIterator, Loop, If); 0 otherwise."),
        _c("mapping_class", pa.string(), "mapped, removed (no runtime layer names it) or nested (inside a body, which the runtime model does not expose)."),
    ),
)

IR_EDGES = Table(
    "ir_edges",
    "Data edges of the IR graphs, one row per consumed input port.",
    (
        _c("graph_id", pa.string(), "Graph of both ends."),
        _c("source_id", pa.string(), "layer_id of the producing layer."),
        _c("source_port", pa.int32(), "Output port index of the producer."),
        _c("target_id", pa.string(), "layer_id of the consuming layer."),
        _c("target_port", pa.int32(), "Input port index of the consumer."),
        _c("shape", pa.string(), "Partial shape of the tensor on the edge."),
        _c("element_type", pa.string(), "Element type of the tensor on the edge."),
    ),
)

RUNTIME_LAYERS = Table(
    "runtime_layers",
    "Execution nodes of the runtime model (get_runtime_model()), with their counter statistics.",
    (
        _c("layer_id", pa.string(), "Unique id: 'runtime/<index in get_ordered_ops()>'."),
        _c("name", pa.string(), "Friendly name of the execution node."),
        _c("layer_type", pa.string(), "rt_info layerType, such as Convolution, Reorder or Const."),
        _c("exec_order", pa.int64(), "rt_info execOrder as an integer.", True),
        _c("primitive_type", pa.string(), "rt_info primitiveType: the kernel, such as brgconv_avx512_bf16.", True),
        _c("runtime_precision", pa.string(), "rt_info runtimePrecision.", True),
        _c("output_precisions", pa.string(), "rt_info outputPrecisions, comma-separated as reported.", True),
        _c("output_layouts", pa.string(), "rt_info outputLayouts, comma-separated as reported.", True),
        _c("original_layers_names", pa.string(), "rt_info originalLayersNames as the plugin reports it; the CPU plugin of OpenVINO 2026.4.1 does not escape commas or backslashes inside a name.", True),
        _c("original_layer_names", pa.list_(pa.string()), "originalLayersNames split into IR layer names: at commas, with neighbouring pieces rejoined where they form a name the IR has."),
        _c("exec_time_mcs", pa.string(), "rt_info execTimeMcs as reported: microseconds of the last inference, or not_executed.", True),
        _c("output_shapes", pa.list_(pa.string()), "Partial shape of each output."),
        _c("rt_info", STRING_MAP, "Every rt_info entry, values as text."),
        _c("status", pa.string(), "Counter status: EXECUTED, NOT_RUN or OPTIMIZED_OUT; null without counters.", True),
        _c("exec_type", pa.string(), "Counter exec_type (kernel name) of the last iteration; null without counters.", True),
        _c("real_time_median_us", pa.float64(), "Median real time over pass 2 iterations, µs; null without counters.", True),
        _c("real_time_mean_us", pa.float64(), "Mean real time, µs.", True),
        _c("real_time_min_us", pa.float64(), "Minimum real time, µs.", True),
        _c("real_time_max_us", pa.float64(), "Maximum real time, µs.", True),
        _c("cpu_time_median_us", pa.float64(), "Median CPU time, µs.", True),
        _c("sample_count", pa.int32(), "Iterations the statistics are over; 0 without counters."),
        _c("mapping_class", pa.string(), "intact (1:1), fused (several IR layers), split (its IR layer also feeds other runtime layers) or inserted (no IR layer)."),
    ),
)

RUNTIME_EDGES = Table(
    "runtime_edges",
    "Data edges of the runtime model.",
    (
        _c("source_id", pa.string(), "layer_id of the producing execution node."),
        _c("source_port", pa.int32(), "Output port index of the producer."),
        _c("target_id", pa.string(), "layer_id of the consuming execution node."),
        _c("target_port", pa.int32(), "Input port index of the consumer."),
        _c("shape", pa.string(), "Partial shape of the tensor on the edge."),
        _c("element_type", pa.string(), "Element type of the tensor on the edge."),
    ),
)

COUNTERS = Table(
    "counters",
    "Performance counters of every pass 2 iteration, one row per counter entry and iteration.",
    (
        _c("iteration", pa.int32(), "Pass 2 iteration index, from 0."),
        _c("node_name", pa.string(), "ProfilingInfo node_name."),
        _c("node_type", pa.string(), "ProfilingInfo node_type."),
        _c("exec_type", pa.string(), "ProfilingInfo exec_type."),
        _c("status", pa.string(), "EXECUTED, NOT_RUN or OPTIMIZED_OUT."),
        _c("real_time_us", pa.float64(), "Real (wall) time of the node in this iteration, µs."),
        _c("cpu_time_us", pa.float64(), "CPU time of the node in this iteration, µs."),
    ),
)

MAPPING = Table(
    "mapping",
    "Many-to-many links between runtime layers and the IR layers named in their originalLayersNames.",
    (
        _c("runtime_id", pa.string(), "layer_id of the runtime layer."),
        _c("ir_id", pa.string(), "layer_id of the IR layer."),
        _c("original_name", pa.string(), "The originalLayersNames entry that matched the IR layer's friendly name."),
    ),
)

TABLES: tuple[Table, ...] = (MODEL_FILES, INPUTS, IR_LAYERS, IR_EDGES, RUNTIME_LAYERS, RUNTIME_EDGES, COUNTERS, MAPPING)
TABLES_BY_NAME = {table.name: table for table in TABLES}


def session_arrow_schema() -> pa.Schema:
    """Return the Arrow schema of the session row: scalar columns, then one list column per table."""
    fields = [column.field() for column in SESSION_COLUMNS]
    fields += [pa.field(table.name, pa.list_(table.struct_type()), nullable=False) for table in TABLES]
    return pa.schema(fields)


def describe_schema() -> str:
    """Render every column as Markdown tables, for docs/session-format.md."""
    lines = ["### Session row", "", "| column | type | null | meaning |", "|---|---|---|---|"]
    lines += [_describe_column(column) for column in SESSION_COLUMNS]
    for table in TABLES:
        lines += ["", f"### `{table.name}`", "", table.description, ""]
        lines += ["| column | type | null | meaning |", "|---|---|---|---|"]
        lines += [_describe_column(column) for column in table.columns]
    return "\n".join(lines) + "\n"


def _describe_column(column: Column) -> str:
    description = column.description.replace("|", "\\|")
    return f"| `{column.name}` | `{column.type}` | {'yes' if column.nullable else 'no'} | {description} |"
