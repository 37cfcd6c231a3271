"""Run ovstudio's profiler and OpenVINO's benchmark_app side by side on the same models.

Each model is first converted to OpenVINO IR with ``python -m ovstudio convert`` (untimed), and
both tools then read that same IR. benchmark_app's ``read_model`` of an ONNX or TFLite file gives
a different graph than ``convert_model``, which ovstudio profiles, so only a shared IR compares
like with like. For each model and round, in one run and interleaved so machine noise hits both:
  1. ``benchmark_app`` without counters: median latency and throughput;
  2. ``python -m ovstudio profile``: our pass-1 median latency and throughput, and its wall time
     (both passes, graphs, mapping and the saved session);
  3. ``benchmark_app -pc``: wall time of a run that also reports per-layer counters.
Each tool runs as its own process, so interpreter start and model reading count for both. Two
budgets are measured: a fixed iteration count, where fixed start-up costs weigh most, and a time
budget, as benchmark_app runs by default. The tables go to docs/benchmarks.md.

    python bench/profile_vs_benchmark_app.py [--iterations 200] [--time 5] [--rounds 3] [--models a,b]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.machine import cpu_name
from tests.real_models import CATALOG, fetch

DEFAULT_MODELS = ("light_resnet50", "light_squeezenet", "ppocr_rec", "magika", "face_detection_short_range")
BENCHMARKS_DOC = REPO / "docs" / "benchmarks.md"
START_MARKER = "<!-- profile_vs_benchmark_app:start -->"
END_MARKER = "<!-- profile_vs_benchmark_app:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200, help="inferences per pass in the first table (default 200)")
    parser.add_argument("--time", type=float, default=5.0, help="seconds per pass in the second table (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per model; ratios are medians (default 3)")
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS), help="comma-separated catalog keys")
    parser.add_argument("--device", default="CPU")
    parser.add_argument("--no-write", action="store_true", help="print the table without updating docs/benchmarks.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ovstudio-bench-ir-") as ir_root:
        models = {key: convert_to_ir(key, Path(ir_root)) for key in args.models.split(",")}
        tables = []
        for budget in (("-niter", str(args.iterations)), ("-t", f"{args.time:g}")):
            rows = []
            for key, xml_path in models.items():
                rounds = [measure_round(key, xml_path, args.device, budget) for _ in range(args.rounds)]
                rows.append(summarize(key, rounds))
                print(json.dumps(rows[-1]), flush=True)
            tables.append(render_table(rows, budget))

    report = render_report(tables, args)
    print(report)
    if not args.no_write:
        write_section(report)


def convert_to_ir(key: str, folder: Path) -> Path:
    """Convert a catalog model to IR with ovstudio's own converter, as it is profiled."""
    output = folder / key
    subprocess.run(
        [sys.executable, "-m", "ovstudio", "convert", str(fetch(key)), "--output", str(output)],
        capture_output=True, text=True, check=True, cwd=REPO,
    )
    return next(output.glob("*.xml"))


def measure_round(key: str, xml_path: Path, device: str, budget: tuple[str, str]) -> dict[str, float]:
    shapes = CATALOG[key].shapes
    plain = run_benchmark_app(xml_path, device, budget, shapes, counters=False)
    ours = run_ovstudio(xml_path, device, budget, shapes)
    with_counters = run_benchmark_app(xml_path, device, budget, shapes, counters=True)
    return {
        "bench_median_ms": plain["median_ms"],
        "bench_fps": plain["fps"],
        "bench_pc_wall_s": with_counters["wall_s"],
        "ours_median_ms": ours["median_ms"],
        "ours_fps": ours["fps"],
        "ours_wall_s": ours["wall_s"],
    }


def run_benchmark_app(
    model: Path, device: str, budget: tuple[str, str], shapes: dict, counters: bool
) -> dict[str, float]:
    command = [benchmark_app_path(), "-m", str(model), "-d", device, "-hint", "latency", *budget]
    if shapes:
        command += ["-shape", ",".join(f"{name}[{','.join(map(str, dims))}]" for name, dims in shapes.items())]
    if counters:
        command += ["-pc"]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    wall_s = time.perf_counter() - started
    return {
        "median_ms": _parse_milliseconds(r"Median:\s+([\d.]+) (ms|us)", completed.stdout),
        "fps": _parse_float(r"Throughput:\s+([\d.]+) FPS", completed.stdout),
        "wall_s": wall_s,
    }


def benchmark_app_path() -> str:
    """Return benchmark_app of this interpreter's environment, which the openvino wheel installs."""
    beside_python = Path(sys.executable).parent / "benchmark_app"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("benchmark_app")
    if found is None:
        raise RuntimeError("benchmark_app not found: install the openvino wheel in this environment")
    return found


def run_ovstudio(xml_path: Path, device: str, budget: tuple[str, str], shapes: dict) -> dict[str, float]:
    budget_option = "--iterations" if budget[0] == "-niter" else "--time"
    with tempfile.TemporaryDirectory(prefix="ovstudio-bench-") as sessions:
        command = [
            sys.executable, "-m", "ovstudio", "profile", str(xml_path), str(xml_path.with_suffix(".bin")),
            "--device", device, "--hint", "latency", budget_option, budget[1], "--sessions", sessions,
        ]
        for name, dims in shapes.items():
            command += ["--shape", f"{name}={','.join(map(str, dims))}"]
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
        wall_s = time.perf_counter() - started

        session_path = completed.stdout.strip().splitlines()[-1]
        shown = subprocess.run(
            [sys.executable, "-m", "ovstudio", "show", session_path, "--json"],
            capture_output=True, text=True, check=True, cwd=REPO,
        )
    summary = json.loads(shown.stdout)
    return {"median_ms": summary["latency_ms"]["median"], "fps": summary["throughput_fps"], "wall_s": wall_s}


def summarize(key: str, rounds: list[dict[str, float]]) -> dict[str, float | str]:
    def median_of(name: str) -> float:
        return statistics.median(r[name] for r in rounds)

    # The ratio of the two medians, so that the ratio column follows from the table's columns.
    # Per-round ratios disagree with those columns when the machine's speed drifts between rounds.
    def median_ratio(numerator: str, denominator: str) -> float:
        return median_of(numerator) / median_of(denominator)

    return {
        "model": key,
        "bench_median_ms": median_of("bench_median_ms"),
        "ours_median_ms": median_of("ours_median_ms"),
        "latency_ratio": median_ratio("ours_median_ms", "bench_median_ms"),
        "bench_fps": median_of("bench_fps"),
        "ours_fps": median_of("ours_fps"),
        "throughput_ratio": median_ratio("ours_fps", "bench_fps"),
        "bench_pc_wall_s": median_of("bench_pc_wall_s"),
        "ours_wall_s": median_of("ours_wall_s"),
        "wall_ratio": median_ratio("ours_wall_s", "bench_pc_wall_s"),
    }


def render_table(rows: list[dict], budget: tuple[str, str]) -> str:
    title = f"{budget[1]} iterations per pass" if budget[0] == "-niter" else f"{budget[1]} s per pass"
    header = (
        f"### {title}\n\n"
        "| model | benchmark_app median ms | ours median ms | latency ratio | benchmark_app FPS | ours FPS "
        "| throughput ratio | benchmark_app -pc wall s | ours wall s | wall ratio |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {r['model']} | {r['bench_median_ms']:.3f} | {r['ours_median_ms']:.3f} | {r['latency_ratio']:.3f} "
        f"| {r['bench_fps']:.1f} | {r['ours_fps']:.1f} | {r['throughput_ratio']:.3f} "
        f"| {r['bench_pc_wall_s']:.2f} | {r['ours_wall_s']:.2f} | {r['wall_ratio']:.2f} |\n"
        for r in rows
    )
    return header + body


def render_report(tables: list[str], args: argparse.Namespace) -> str:
    command = (
        f"python bench/profile_vs_benchmark_app.py --iterations {args.iterations} --time {args.time:g} "
        f"--rounds {args.rounds}"
    )
    machine = f"{cpu_name()}, {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}"
    return (
        f"Command: `{command}` on device {args.device}, hint latency, the device's default precision.\n"
        f"Machine: {machine}; run {time.strftime('%Y-%m-%d')}.\n"
        f"Each value is the median over {args.rounds} interleaved rounds; each ratio is ours / benchmark_app "
        f"of those medians.\n\n"
        + "\n".join(tables)
    )


def write_section(table: str) -> None:
    text = BENCHMARKS_DOC.read_text() if BENCHMARKS_DOC.exists() else "# Benchmarks\n"
    section = f"{START_MARKER}\n{table}{END_MARKER}"
    if START_MARKER in text:
        text = re.sub(re.escape(START_MARKER) + ".*?" + re.escape(END_MARKER), lambda _: section, text, flags=re.DOTALL)
    else:
        text += f"\n## Profiler vs benchmark_app\n\n{section}\n"
    BENCHMARKS_DOC.write_text(text)


def _parse_milliseconds(pattern: str, text: str) -> float:
    """Parse a latency that benchmark_app prints in ms, or in us when it is below 1 ms."""
    match = re.search(pattern, text)
    if not match:
        raise RuntimeError(f"benchmark_app output has no match for {pattern!r}:\n{text[-2000:]}")
    value = float(match.group(1))
    return value / 1000 if match.group(2) == "us" else value


def _parse_float(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    if not match:
        raise RuntimeError(f"benchmark_app output has no match for {pattern!r}:\n{text[-2000:]}")
    return float(match.group(1))


if __name__ == "__main__":
    main()
