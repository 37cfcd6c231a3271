"""Run ovstudio's profiler and OpenVINO's benchmark_app side by side on the same models.

For each model and round, in one run and interleaved so machine noise hits both alike:
  1. ``benchmark_app`` without counters: median latency and throughput;
  2. ``python -m ovstudio profile``: our pass-1 median latency and throughput, and its wall time;
  3. ``benchmark_app -pc``: wall time of a run that also reports per-layer counters.
Each tool runs as its own process, so interpreter start and model reading count for both.
The table of ratios goes to docs/benchmarks.md between this script's markers.

    python bench/profile_vs_benchmark_app.py [--iterations 200] [--rounds 3] [--models a,b]
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

from tests.real_models import CATALOG, fetch  # noqa: E402

DEFAULT_MODELS = ("light_resnet50", "light_squeezenet", "ppocr_rec", "magika", "face_detection_short_range")
BENCHMARKS_DOC = REPO / "docs" / "benchmarks.md"
START_MARKER = "<!-- profile_vs_benchmark_app:start -->"
END_MARKER = "<!-- profile_vs_benchmark_app:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200, help="inferences per pass (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per model; ratios are medians (default 3)")
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS), help="comma-separated catalog keys")
    parser.add_argument("--device", default="CPU")
    parser.add_argument("--no-write", action="store_true", help="print the table without updating docs/benchmarks.md")
    args = parser.parse_args()

    rows = []
    for key in args.models.split(","):
        rounds = [measure_round(key, args.device, args.iterations) for _ in range(args.rounds)]
        rows.append(summarize(key, rounds))
        print(json.dumps(rows[-1]), flush=True)

    table = render_table(rows, args)
    print(table)
    if not args.no_write:
        write_section(table)


def measure_round(key: str, device: str, iterations: int) -> dict[str, float]:
    model = fetch(key)
    shapes = CATALOG[key].shapes
    plain = run_benchmark_app(model, device, iterations, shapes, counters=False)
    ours = run_ovstudio(model, device, iterations, shapes)
    with_counters = run_benchmark_app(model, device, iterations, shapes, counters=True)
    return {
        "bench_median_ms": plain["median_ms"],
        "bench_fps": plain["fps"],
        "bench_pc_wall_s": with_counters["wall_s"],
        "ours_median_ms": ours["median_ms"],
        "ours_fps": ours["fps"],
        "ours_wall_s": ours["wall_s"],
    }


def run_benchmark_app(model: Path, device: str, iterations: int, shapes: dict, counters: bool) -> dict[str, float]:
    command = [
        shutil.which("benchmark_app") or "benchmark_app", "-m", str(model), "-d", device,
        "-hint", "latency", "-niter", str(iterations),
    ]
    if shapes:
        command += ["-shape", ",".join(f"{name}[{','.join(map(str, dims))}]" for name, dims in shapes.items())]
    if counters:
        command += ["-pc"]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    wall_s = time.perf_counter() - started
    return {
        "median_ms": _parse_float(r"Median:\s+([\d.]+) ms", completed.stdout),
        "fps": _parse_float(r"Throughput:\s+([\d.]+) FPS", completed.stdout),
        "wall_s": wall_s,
    }


def run_ovstudio(model: Path, device: str, iterations: int, shapes: dict) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="ovstudio-bench-") as sessions:
        command = [
            sys.executable, "-m", "ovstudio", "profile", str(model), "--device", device, "--hint", "latency",
            "--iterations", str(iterations), "--sessions", sessions,
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

    def median_ratio(numerator: str, denominator: str) -> float:
        return statistics.median(r[numerator] / r[denominator] for r in rounds)

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


def render_table(rows: list[dict], args: argparse.Namespace) -> str:
    header = (
        "| model | benchmark_app median ms | ours median ms | latency ratio | benchmark_app FPS | ours FPS "
        "| throughput ratio | benchmark_app -pc wall s | ours wall s | wall ratio |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {r['model']} | {r['bench_median_ms']:.2f} | {r['ours_median_ms']:.2f} | {r['latency_ratio']:.3f} "
        f"| {r['bench_fps']:.1f} | {r['ours_fps']:.1f} | {r['throughput_ratio']:.3f} "
        f"| {r['bench_pc_wall_s']:.2f} | {r['ours_wall_s']:.2f} | {r['wall_ratio']:.2f} |\n"
        for r in rows
    )
    command = f"python bench/profile_vs_benchmark_app.py --iterations {args.iterations} --rounds {args.rounds}"
    machine = f"{_cpu_name()}, {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}"
    return (
        f"Command: `{command}` on device {args.device}, hint latency, device default precision.\n"
        f"Machine: {machine}; run {time.strftime('%Y-%m-%d')}.\n"
        f"Ratios are ours / benchmark_app, medians over {args.rounds} interleaved rounds.\n\n" + header + body
    )


def write_section(table: str) -> None:
    text = BENCHMARKS_DOC.read_text() if BENCHMARKS_DOC.exists() else "# Benchmarks\n"
    section = f"{START_MARKER}\n{table}{END_MARKER}"
    if START_MARKER in text:
        text = re.sub(re.escape(START_MARKER) + ".*?" + re.escape(END_MARKER), lambda _: section, text, flags=re.S)
    else:
        text += f"\n## Profiler vs benchmark_app\n\n{section}\n"
    BENCHMARKS_DOC.write_text(text)


def _parse_float(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    if not match:
        raise RuntimeError(f"benchmark_app output has no match for {pattern!r}:\n{text[-2000:]}")
    return float(match.group(1))


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
