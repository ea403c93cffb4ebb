"""Benchmark: suggestions for the replicated example workshop, in process and on a Dask cluster.

The example (231 ideas) is replicated K times (ids suffixed, as ``bench_scale.py`` does; K = 100
gives 23,100 ideas), ingested, and a model is trained once on the example coders' codings. Then,
``--repeat`` times each and interleaved, with no embedding cache (so every run embeds every
text):

- ``in process``: :func:`coder.suggest.predict.predict` after embedding in this process, with
  the embedder's own threads (the default of ``coder suggest``);
- ``dask``: :func:`coder.suggest.scaleout.predict_on_cluster` on the LocalCluster of two
  single-threaded worker processes that ``coder suggest --scheduler local`` starts, cluster
  start-up included; its throughput per worker is what one machine of a
  real cluster adds.

Prints a table and writes JSON (``--json``; default ``scripts/results/bench_dask.json``):
median and min-max of seconds, ideas per second overall and per worker, and the ratio dask /
in process run by run. On a 2-core machine the cluster cannot beat the in-process run; the
figure to carry to a cluster is the per-worker throughput.

    .venv/bin/python scripts/bench_dask.py --k 100 --repeat 3
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_scale import example_dir, replicate  # noqa: E402
from benchstats import fmt, ratios, summary  # noqa: E402

DEFAULT_JSON = ROOT / "scripts" / "results" / "bench_dask.json"


def _distinct_texts(path: Path) -> None:
    """Make every copy's text distinct (a copy number at the end), so that no run embeds a
    text once and reuses it for its copies."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    i, t = header.index("idea_id"), header.index("text")
    for row in body:
        copy = row[i].rpartition("-x")[2] if "-x" in row[i] else ""
        if copy:
            row[t] = f"{row[t]} ({copy})"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *body])


def build(work: Path, k: int) -> tuple[Path, Path]:
    """The replicated project with a trained model; returns (project folder, model folder)."""
    from coder.data.codings import read_codings, store_codings
    from coder.data.contributions import ingest
    from coder.data.moves import move_ideas, read_moves
    from coder.data.store import init_project
    from coder.suggest.train import train

    data = work / "data"
    replicate(data, k)
    _distinct_texts(data / "ideas.csv")
    project = init_project(work / "project")
    with project:
        ingest(project, ideas=data / "ideas.csv")
        move_ideas(project, read_moves(example_dir() / "moves.csv"))
        codings = read_codings(project, example_dir() / "coder_codings.csv")
        store_codings(project, codings, reason="the example coders' codings, for the benchmark")
        report = train(project)
    return work / "project", report.folder


def run_in_process(project_dir: Path, folder: Path) -> tuple[float, int]:
    from coder.data.store import open_project
    from coder.suggest.embeddings import Embedder, backend_of
    from coder.suggest.ideas import all_ideas
    from coder.suggest.models import load_model
    from coder.suggest.predict import predict

    with open_project(project_dir) as project:
        ideas = all_ideas(project)
    start = time.perf_counter()
    model = load_model(folder)
    embedder = Embedder(
        model.training.get("embedding_name"), cache=None, backend=backend_of(model.training)
    )
    vectors = embedder.encode(ideas.texts)
    predict(model, ideas, vectors)
    embedder.close()
    return time.perf_counter() - start, len(ideas.ids)


WORKERS = 2  # the LocalCluster of coder.suggest.scaleout


def run_dask(project_dir: Path, folder: Path) -> tuple[float, int]:
    from coder.data.store import open_project
    from coder.suggest.ideas import all_ideas
    from coder.suggest.scaleout import predict_on_cluster

    with open_project(project_dir) as project:
        ideas = all_ideas(project)
    start = time.perf_counter()
    predict_on_cluster(ideas, folder, "local", cache=None)
    return time.perf_counter() - start, len(ideas.ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", type=int, default=100, help="Copies of the example (default 100).")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each (default 3).")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    with tempfile.TemporaryDirectory(prefix="bench_dask_") as tmp:
        project_dir, folder = build(Path(tmp), args.k)
        times: dict[str, list[float]] = {"in process": [], "dask": []}
        n = 0
        for _ in range(args.repeat):  # interleaved: both see the same machine
            seconds, n = run_in_process(project_dir, folder)
            times["in process"].append(seconds)
            seconds, n = run_dask(project_dir, folder)
            times["dask"].append(seconds)

    result: dict[str, Any] = {
        "benchmark": "bench_dask",
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "k": args.k,
        "ideas": n,
        "repeat": args.repeat,
        "workers": WORKERS,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "seconds": {name: summary(v) for name, v in times.items()},
        "ideas_per_second": {name: summary([n / s for s in v]) for name, v in times.items()},
        "dask_ideas_per_second_per_worker": summary([n / s / WORKERS for s in times["dask"]]),
        "ratio_dask_over_in_process": summary(ratios(times["dask"], times["in process"])),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")

    print(f"Suggestions for {n:,} ideas (example x {args.k}), median (min-max) of {args.repeat}:")
    print(f"{'run':<12} {'seconds':>22} {'ideas/s':>22}")
    for name in times:
        print(
            f"{name:<12} {fmt(result['seconds'][name], 1):>22} "
            f"{fmt(result['ideas_per_second'][name], 0):>22}"
        )
    print(f"dask per worker: {fmt(result['dask_ideas_per_second_per_worker'], 0)} ideas/s")
    print(f"dask / in process: {fmt(result['ratio_dask_over_in_process'])} (time ratio)")
    print(f"Wrote {args.json}")


if __name__ == "__main__":
    main()
