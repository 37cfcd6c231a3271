"""Command line: ``python -m ovstudio profile | convert | devices | sessions | show``.

Exit status: 0 on success, 2 on bad input (one message on stderr), 1 when profiling fails, 130
after SIGINT (Ctrl-C) and 143 after SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import signal
import sys
from pathlib import Path
from typing import Any

from ovstudio.errors import InvalidSettingError, OvStudioError, ProfilingError
from ovstudio.settings import PERFORMANCE_HINTS, PRECISION_HINTS, ProfileSettings

logger = logging.getLogger(__name__)

DEFAULT_SESSIONS_DIR = Path("sessions")
EXIT_OK, EXIT_PROFILING_FAILED, EXIT_BAD_INPUT = 0, 1, 2
DEFAULT_ITERATIONS = 100
# Option of `profile` that sets each ProfileSettings field, for error messages.
OPTION_OF_SETTING = {
    "iterations": "--iterations", "time_s": "--time", "timeout_s": "--timeout", "warmup": "--warmup",
    "counter_iterations": "--counter-iterations", "streams": "--streams", "requests": "--requests",
    "batch": "--batch", "hint": "--hint", "precision": "--precision",
}
# The shell's statuses for a process ended by SIGINT (128 + 2) and SIGTERM (128 + 15).
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143
# Columns of `sessions` in text form; --json prints every listing column.
LISTING_TEXT_COLUMNS = [
    "session_id", "model_name", "device", "inference_precision", "latency_median_ms", "throughput_fps",
]
INTEGER_LISTING_COLUMNS = ("schema_version", "iterations", "ir_layer_count", "runtime_layer_count", "size_bytes")


class UsageError(OvStudioError):
    """A command-line value is invalid."""


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # SIGTERM unwinds like Ctrl-C, so the worker is stopped and temporary files are removed.
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return int(args.handler(args))
    except ProfilingError as error:
        print(f"ovstudio: profiling failed: {error}", file=sys.stderr)
        return EXIT_PROFILING_FAILED
    except (OvStudioError, ValueError) as error:
        print(f"ovstudio: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("ovstudio: interrupted; nothing was saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("ovstudio: terminated; nothing was saved", file=sys.stderr)
        return EXIT_TERMINATED


class Terminated(BaseException):
    """SIGTERM arrived. A BaseException, like KeyboardInterrupt, so no handler swallows it."""


def _raise_terminated(signal_number: int, frame: object) -> None:
    raise Terminated


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ovstudio", description="Profile OpenVINO models and inspect the saved sessions.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress at info level")
    commands = parser.add_subparsers(dest="command", required=True)

    profile = commands.add_parser("profile", help="profile a model and save a session; prints the session path")
    profile.add_argument("model_files", nargs="+", type=Path, metavar="MODEL_FILE",
                         help="model files: .xml and .bin, .onnx (with external data), .tflite, "
                              ".pdmodel and .pdiparams, .pb, or a SavedModel folder")
    profile.add_argument("--device", default="CPU", help="OpenVINO device, such as CPU, AUTO, HETERO:CPU (default CPU)")
    profile.add_argument("--shape", action="append", default=[], metavar="NAME=DIMS",
                         help="concrete shape for a dynamic input, such as x=1,3,224,224; repeat per input")
    profile.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy",
                         help="input data for an input from a .npy file; repeat per input; others get random data")
    profile.add_argument("--hint", choices=PERFORMANCE_HINTS, default="latency", help="performance hint (default latency)")
    profile.add_argument("--precision", choices=PRECISION_HINTS, help="inference precision hint (default: the device's)")
    profile.add_argument("--streams", type=int, help="number of streams (default: the device's)")
    profile.add_argument("--requests", type=int, help="number of infer requests (default: the device's optimal number)")
    profile.add_argument("--batch", type=int, help="batch size, set as dimension 0 of every input")
    budget = profile.add_mutually_exclusive_group()
    budget.add_argument("--iterations", type=int, help="inferences per pass (default 100)")
    budget.add_argument("--time", type=float, dest="time_s", metavar="SECONDS", help="time budget per pass, seconds")
    profile.add_argument("--counter-iterations", type=int, metavar="N",
                         help="inferences in pass 2, with performance counters on (default: a tenth of pass 1, at least 10)")
    profile.add_argument("--warmup", type=int, default=1, help="warm-up inferences before each pass (default 1)")
    profile.add_argument("--timeout", type=float, default=900.0, metavar="SECONDS",
                         help="stop the profiling worker after this many seconds (default 900)")
    _add_sessions_option(profile)
    profile.set_defaults(handler=_profile)

    convert = commands.add_parser("convert", help="convert a model to OpenVINO IR (.xml and .bin), as it is profiled")
    convert.add_argument("model_files", nargs="+", type=Path, metavar="MODEL_FILE", help="model files, as for profile")
    convert.add_argument("--output", type=Path, required=True, metavar="DIR", help="folder for the .xml and .bin")
    convert.set_defaults(handler=_convert)

    devices = commands.add_parser("devices", help="list the devices OpenVINO finds, with their full names")
    devices.set_defaults(handler=_devices)

    sessions = commands.add_parser("sessions", help="list saved sessions")
    _add_sessions_option(sessions)
    sessions.add_argument("--json", action="store_true", help="print JSON instead of a table")
    sessions.set_defaults(handler=_sessions)

    show = commands.add_parser("show", help="print the summary of a session")
    show.add_argument("session", help="session file path, or a session id in the sessions folder")
    show.add_argument("--json", action="store_true", help="print JSON instead of text")
    _add_sessions_option(show)
    show.set_defaults(handler=_show)
    return parser


def _add_sessions_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sessions", type=Path, default=DEFAULT_SESSIONS_DIR, metavar="DIR",
                        help="sessions folder (default ./sessions)")


def _profile(args: argparse.Namespace) -> int:
    from ovstudio.pipeline import profile_model

    iterations = args.iterations
    if iterations is None and args.time_s is None:
        iterations = DEFAULT_ITERATIONS
    try:
        settings = _settings_from(args, iterations)
    except InvalidSettingError as error:
        raise _with_option_name(error) from None
    path = profile_model(args.model_files, settings, args.sessions, on_progress=_ProgressPrinter())
    print(path)
    return EXIT_OK


def _settings_from(args: argparse.Namespace, iterations: int | None) -> ProfileSettings:
    return ProfileSettings(
        device=args.device,
        hint=args.hint,
        precision=args.precision,
        streams=args.streams,
        requests=args.requests,
        batch=args.batch,
        iterations=iterations,
        time_s=args.time_s,
        warmup=args.warmup,
        counter_iterations=args.counter_iterations,
        shapes=_unique_names("--shape", [parse_shape(text) for text in args.shape]),
        input_files=_unique_names("--input", [parse_input(text) for text in args.input]),
        timeout_s=args.timeout,
    )


def _with_option_name(error: InvalidSettingError) -> UsageError:
    """Reword a settings error with the command-line option that sets the value."""
    option = OPTION_OF_SETTING.get(error.setting or "")
    message = str(error)
    if option is not None:
        message = message.replace(f"invalid {error.setting} ", f"invalid {option} ", 1)
    return UsageError(message)


def _unique_names(option: str, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in pairs:
        if name in values:
            raise UsageError(f"input {name!r} is given twice with {option}: give each input once")
        values[name] = value
    return values


class _ProgressPrinter:
    """Print each progress step once: the worker repeats a step's message as its fraction grows."""

    def __init__(self) -> None:
        self.last: tuple[str, str] | None = None

    def __call__(self, stage: str, fraction: float, message: str) -> None:
        if (stage, message) == self.last:
            return
        self.last = (stage, message)
        print(f"[{fraction:4.0%}] {stage}: {message}", file=sys.stderr, flush=True)


def _convert(args: argparse.Namespace) -> int:
    import tempfile

    from ovstudio.model_files import prepare_model_files
    from ovstudio.profiler.runner import convert_to_ir

    with tempfile.TemporaryDirectory(prefix="ovstudio-model-") as work_dir:
        bundle = prepare_model_files(args.model_files, Path(work_dir))
        xml_path, bin_path = convert_to_ir(bundle, args.output)
    print(xml_path)
    print(bin_path)
    return EXIT_OK


def _devices(args: argparse.Namespace) -> int:
    from ovstudio.profiler.runner import available_devices

    for name, full_name in available_devices():
        print(f"{name}\t{full_name}")
    return EXIT_OK


def _sessions(args: argparse.Namespace) -> int:
    from ovstudio.session.store import list_sessions

    listing = list_sessions(args.sessions)
    if args.json:
        records = json.loads(listing.to_json(orient="records", date_format="iso"))
        for record, (_, row) in zip(records, listing.iterrows()):
            # to_json writes integer columns that hold a null as floats; keep them integers.
            record.update({key: int(row[key]) for key in INTEGER_LISTING_COLUMNS if _is_number(row[key])})
        print(json.dumps(records))
        return EXIT_OK
    if listing.empty:
        print(f"no sessions in {args.sessions}")
        return EXIT_OK

    readable = listing[listing["error"].isna()]
    if not readable.empty:
        print(readable[LISTING_TEXT_COLUMNS].to_string(index=False, float_format=lambda value: f"{value:.2f}"))
    for file_name, error in zip(listing["file_name"], listing["error"]):
        if isinstance(error, str):
            print(f"unreadable {file_name}: {error}")
    return EXIT_OK


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _show(args: argparse.Namespace) -> int:
    from ovstudio.session.store import read_session
    from ovstudio.summary import format_summary, summarize

    if not args.session.strip():
        raise UsageError("empty session: give a session id from `ovstudio sessions`, or a session file path")
    path = _find_session(args.session, args.sessions)
    summary = summarize(read_session(path))
    print(json.dumps(summary, indent=2) if args.json else format_summary(summary))
    return EXIT_OK


def _find_session(argument: str, sessions: Path) -> Path:
    """Resolve ``show``'s argument: an existing path, a file name in the sessions folder, or an id."""
    from ovstudio.session.store import session_path

    candidate = Path(argument)
    if candidate.exists():
        return candidate
    # A file of the sessions folder, by its name with or without .parquet, as `sessions` lists it.
    if candidate.name == argument and argument not in (".", ".."):
        in_folder = sessions / (argument if argument.endswith(".parquet") else f"{argument}.parquet")
        if in_folder.is_file():
            return in_folder
    if candidate.suffix == ".parquet":
        return candidate
    if sessions.exists() and not sessions.is_dir():
        raise UsageError(f"sessions folder {sessions} is a file, not a folder: give the folder of the sessions")
    return session_path(sessions, argument)


def parse_shape(text: str) -> tuple[str, tuple[int, ...]]:
    """Parse ``NAME=1,3,224,224`` (``x`` also separates dimensions) into a name and dimensions."""
    name, separator, dims = text.rpartition("=")
    if not separator or not name:
        raise UsageError(f"invalid --shape {text!r}: expected NAME=DIMS, such as x=1,3,224,224")
    try:
        shape = tuple(int(dim) for dim in dims.replace("x", ",").split(","))
    except ValueError:
        raise UsageError(f"invalid --shape {text!r}: dimensions must be integers, such as x=1,3,224,224") from None
    if not shape or any(dim < 1 for dim in shape):
        raise UsageError(f"invalid --shape {text!r}: dimensions must be positive integers, such as x=1,3,224,224")
    return name, shape


def parse_input(text: str) -> tuple[str, str]:
    """Parse ``NAME=FILE.npy`` into an input name and a file path."""
    name, separator, file_name = text.partition("=")
    if not separator or not name or not file_name:
        raise UsageError(f"invalid --input {text!r}: expected NAME=FILE.npy")
    if not Path(file_name).is_file():
        raise UsageError(f"input file {file_name!r} for input {name!r} not found")
    return name, file_name
