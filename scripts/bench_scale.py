"""Benchmark ingestion and the analyst's tables at scale: the example workshop replicated K times.

The bundled example (``coder/data/example``: 231 ideas, 453 comments, 3,478 votes, 1,061
participants) is written K times into a temporary folder, every id suffixed per copy (``-x1``,
``-x2``, ...; copy 0 keeps the original ids) so that ids stay unique and every reference (a
comment's idea, a vote's target, an author, a move, the gold coding) points inside its copy.
For each K it times, in the same run:

- **floor**: the bare csv module -> ``sqlite3`` ``executemany`` load of the same four files
  into a fresh database (one plain table per file, no keys or indexes, one transaction, WAL
  and ``synchronous=NORMAL`` as in a project) -- what reading and storing the bytes costs;
- **ingest**: :func:`coder.data.contributions.ingest` of the four files into a fresh project
  (created with the bundled codebook, as ``coder init`` does; creating it is not timed);
- **setup** (not a target): the example's moves and its gold coding, replicated, applied the way
  the demo applies them (``move_ideas``, ``read_codings``, ``store_codings``);
- **reingest**: ``ingest`` of the same, unchanged files again (it must change nothing);
- **crosstab**, **balance**, **profile**: :mod:`coder.tables.crosstab` on the gold coding;
- **report**: ``coder.tables.report.build_report`` (gold coding) and ``write_report`` to HTML,
  the first time on the project (it loads spaCy and redacts the quotes it shows, once); and
  **report_again**, the same with the redactions cached in the store.

Each step runs in a fresh Python process (this script with ``--step``); its time is the
operation alone (after imports, without creating or opening the project), and its memory is the
peak resident set size of that process (``ru_maxrss``, interpreter and imports included; the
resident size before the step is recorded too). ``--repeat N`` runs every step N times the same
way (each ingest into a new project) and reports the median with the min-max range.

Prints a table and the targets of issue 14 (ingest within 4x the floor at K = 100 and 300,
peak memory under 500 MB at K = 300, re-ingest faster than ingest, crosstab and report within
3x of their K = 1 time, cost growing no faster than linearly from K = 100 to K = 300) and writes
the results as JSON, by default to ``scripts/results/bench_scale.json`` in the repository (the
folder is created). Run on demand; K = 300 takes a few minutes::

    .venv/bin/python scripts/bench_scale.py [--k 1 10 100 300] [--repeat 3] [--json PATH]

To measure another checkout of coder (e.g. the code before a change, from
``git worktree add /tmp/base HEAD``), put it first on the path:
``PYTHONPATH=/tmp/base .venv/bin/python scripts/bench_scale.py --k 1 10``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JSON = ROOT / "scripts" / "results" / "bench_scale.json"
KINDS = ("participants", "ideas", "comments", "votes")
# The columns holding ids, per file of the example: suffixed in every copy but the first.
ID_COLUMNS = {
    "participants.csv": ("participant_id",),
    "ideas.csv": ("idea_id", "author_id"),
    "comments.csv": ("comment_id", "idea_id", "author_id", "in_reply_to"),
    "votes.csv": ("voter_id", "target_id"),
    "moves.csv": ("idea_id",),
    "gold_coding.csv": ("idea_id",),
}
STEPS = (
    "floor",
    "ingest",
    "setup",
    "reingest",
    "crosstab",
    "balance",
    "profile",
    "report",
    "report_again",
)
REPEATED = ("floor", "ingest", "reingest", "crosstab", "balance", "profile", "report_again")
MB = 1024 * 1024


# --- the data ------------------------------------------------------------------------------------


def example_dir() -> Path:
    import coder

    return Path(coder.__file__).resolve().parent / "data" / "example"


def replicate(out: Path, k: int) -> dict[str, int]:
    """Write the example ``k`` times into ``out``; return the rows per file."""
    out.mkdir(parents=True, exist_ok=True)
    source = example_dir()
    rows_out: dict[str, int] = {}
    for name, id_columns in ID_COLUMNS.items():
        with (source / name).open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows = list(reader)
        which = [header.index(c) for c in id_columns if c in header]
        with (out / name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            for copy in range(k):
                suffix = f"-x{copy}" if copy else ""
                for row in rows:
                    new = list(row)
                    for i in which:
                        if new[i]:
                            new[i] += suffix
                    writer.writerow(new)
        rows_out[name.removesuffix(".csv")] = len(rows) * k
    shutil.copyfile(source / "questionnaire.yaml", out / "questionnaire.yaml")
    return rows_out


# --- the steps, each run in its own process ------------------------------------------------------


class Clock:
    """Wall-clock and CPU seconds (user + system) of the block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu() - self.cpu

    def result(self, **extra: Any) -> dict[str, Any]:
        return {"seconds": self.wall, "cpu_seconds": self.cpu, **extra}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _files(data: Path) -> dict[str, Path]:
    return {kind: data / f"{kind}.csv" for kind in KINDS}


def step_floor(data: Path, project: Path) -> dict[str, Any]:
    project.mkdir(parents=True, exist_ok=True)
    db = project / "floor.db"
    for old in project.glob("floor.db*"):
        old.unlink()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    rows = 0
    with Clock() as clock:
        conn.execute("BEGIN")
        for kind, path in _files(data).items():
            with path.open(newline="", encoding="utf-8") as f:
                reader = csv.reader(f)
                header = next(reader)
                names = ", ".join(f"c{i}" for i in range(len(header)))
                conn.execute(f"CREATE TABLE {kind} ({names})")
                marks = ", ".join("?" * len(header))
                rows += conn.executemany(f"INSERT INTO {kind} VALUES ({marks})", reader).rowcount
        conn.execute("COMMIT")
    conn.close()
    return clock.result(rows=rows)


def step_ingest(data: Path, project: Path) -> dict[str, Any]:
    from coder.data.contributions import ingest
    from coder.data.store import init_project

    if project.exists():
        shutil.rmtree(project)
    with init_project(project) as proj:
        shutil.copyfile(data / "questionnaire.yaml", project / "questionnaire.yaml")
        with Clock() as clock:
            report = ingest(proj, **_files(data))
    counts = {k: [c.inserted, c.updated, c.unchanged] for k, c in report.counts.items()}
    return clock.result(counts=counts)


def _moves_api() -> tuple[Callable[..., int], Callable[..., Any]]:
    """``move_ideas`` and ``read_moves``: in coder.data.moves, or (in the code before issue 14,
    for a before/after comparison) in coder.data.contributions."""
    import importlib

    try:
        module = importlib.import_module("coder.data.moves")
    except ModuleNotFoundError:
        module = importlib.import_module("coder.data.contributions")
    return module.move_ideas, module.read_moves


def step_setup(data: Path, project: Path) -> dict[str, Any]:
    from coder.data.codings import read_codings, store_codings
    from coder.data.store import open_project

    move_ideas, read_moves = _moves_api()
    with open_project(project) as proj, Clock() as clock:
        moved = move_ideas(proj, read_moves(data / "moves.csv"))
        gold = read_codings(proj, data / "gold_coding.csv")
        stored = store_codings(proj, gold, kind="reference", reason="the example's gold coding")
    return clock.result(moved=moved, codings=stored)


def step_reingest(data: Path, project: Path) -> dict[str, Any]:
    from coder.data.contributions import ingest
    from coder.data.store import open_project

    with open_project(project) as proj, Clock() as clock:
        report = ingest(proj, **_files(data))
    if report.changed:
        raise SystemExit("re-ingesting the same files changed the store")
    return clock.result(unchanged=sum(c.unchanged for c in report.counts.values()))


def step_tables(name: str) -> Callable[[Path, Path], dict[str, Any]]:
    def run(data: Path, project: Path) -> dict[str, Any]:
        from coder.data.store import open_project
        from coder.tables import crosstab

        with open_project(project) as proj, Clock() as clock:
            if name == "crosstab":
                out = len(crosstab.crosstabs(proj, "gold").table)
            elif name == "balance":
                out = len(crosstab.balance(proj))
            else:
                out = len(crosstab.profile(proj))
        return clock.result(table_rows=out)

    return run


def step_report(data: Path, project: Path) -> dict[str, Any]:
    from coder.data.store import open_project
    from coder.tables.report import build_report, write_report

    page = project.parent / "report.html"
    with open_project(project) as proj, Clock() as clock:
        parts = build_report(proj, "gold", 5)
        write_report(proj, page, parts)
    return clock.result(html_bytes=page.stat().st_size)


RUNNERS: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "floor": step_floor,
    "ingest": step_ingest,
    "setup": step_setup,
    "reingest": step_reingest,
    "crosstab": step_tables("crosstab"),
    "balance": step_tables("balance"),
    "profile": step_tables("profile"),
    "report": step_report,
    "report_again": step_report,
}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(step: str, data: Path, project: Path) -> None:
    """Run one step in this process and print its result as one JSON line."""
    # the imports are not part of the step
    import coder.data.contributions
    import coder.data.store  # noqa: F401

    before = rss_mb()
    result = RUNNERS[step](data, project)
    result.update(rss_before_mb=round(before, 1), peak_rss_mb=round(rss_mb(), 1))
    print(json.dumps(result))


def run_step(step: str, data: Path, project: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--step", step]
    cmd += ["--data", str(data), "--project", str(project)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"step {step} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the run -------------------------------------------------------------------------------------


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    secs = [r["seconds"] for r in runs]
    peaks = [r["peak_rss_mb"] for r in runs]
    out = {k: v for k, v in runs[0].items() if k not in ("seconds", "cpu_seconds", "peak_rss_mb")}
    out.update(
        seconds=round(statistics.median(secs), 3),
        cpu_seconds=round(statistics.median(r["cpu_seconds"] for r in runs), 3),
        seconds_min=round(min(secs), 3),
        seconds_max=round(max(secs), 3),
        peak_rss_mb=round(statistics.median(peaks), 1),
        peak_rss_mb_max=round(max(peaks), 1),
        runs=len(runs),
        all_seconds=[round(x, 3) for x in secs],
    )
    return out


def bench(k: int, repeat: int, work: Path, echo: Callable[[str], None]) -> dict[str, Any]:
    data = work / f"k{k}" / "data"
    rows = replicate(data, k)
    megabytes = sum((data / f"{kind}.csv").stat().st_size for kind in KINDS) / MB
    echo(f"K={k}: {sum(rows[x] for x in KINDS):,} rows, {megabytes:.1f} MB of CSV")
    project = work / f"k{k}" / "project"
    runs: dict[str, list[dict[str, Any]]] = {step: [] for step in STEPS}
    # Round by round, so that a change in the machine's load touches every step alike; the
    # first round's project is the one the later steps read.
    for i in range(repeat):
        for step in STEPS if i == 0 else REPEATED:
            target = project
            if step == "floor":
                target = work / f"k{k}" / "floor"
            elif step == "ingest" and i:
                target = work / f"k{k}" / f"ingest{i}"
            runs[step].append(run_step(step, data, target))
            if target.name.startswith("ingest"):
                shutil.rmtree(target)
            last = runs[step][-1]
            echo(
                f"  {step:<12} {last['seconds']:8.2f} s  cpu {last['cpu_seconds']:8.2f} s"
                f"  peak {last['peak_rss_mb']:7.1f} MB"
            )
    steps = {step: summarise(r) for step, r in runs.items()}
    shutil.rmtree(work / f"k{k}")
    return {
        "k": k,
        "rows": rows,
        "total_rows": sum(rows[x] for x in KINDS),
        "csv_mb": round(megabytes, 1),
        "steps": steps,
    }


def ratios(results: list[dict[str, Any]]) -> dict[str, Any]:
    by_k = {r["k"]: r for r in results}
    out: dict[str, Any] = {
        "ingest_over_floor": {
            k: round(r["steps"]["ingest"]["seconds"] / r["steps"]["floor"]["seconds"], 2)
            for k, r in by_k.items()
        },
        "ingest_over_floor_cpu": {
            k: round(r["steps"]["ingest"]["cpu_seconds"] / r["steps"]["floor"]["cpu_seconds"], 2)
            for k, r in by_k.items()
        },
        "reingest_over_ingest": {
            k: round(r["steps"]["reingest"]["seconds"] / r["steps"]["ingest"]["seconds"], 2)
            for k, r in by_k.items()
        },
    }
    ks = sorted(by_k)
    if len(ks) >= 2:
        lo, hi = ks[0], ks[-1]
        out[f"k{hi}_over_k{lo}"] = {
            step: round(by_k[hi]["steps"][step]["seconds"] / by_k[lo]["steps"][step]["seconds"], 2)
            for step in STEPS
        }
    if len(ks) >= 2:
        mid, hi = ks[-2], ks[-1]
        # the cost per row at the largest K over the cost per row at the next: 1.0 is linear
        for name, measure in (("per_row_cost", "seconds"), ("per_row_cpu_cost", "cpu_seconds")):
            grow = {}
            for step in STEPS:
                t_mid, t_hi = (by_k[x]["steps"][step][measure] for x in (mid, hi))
                grow[step] = round((t_hi / hi) / (t_mid / mid), 2)
            out[f"{name}_k{hi}_over_k{mid}"] = grow
    return out


def targets(results: list[dict[str, Any]], r: dict[str, Any]) -> list[tuple[str, str, bool]]:
    by_k = {x["k"]: x for x in results}
    ks = sorted(by_k)
    checks = []
    for k in (100, 300):
        if k in by_k:
            v, cpu = r["ingest_over_floor"][k], r["ingest_over_floor_cpu"][k]
            checks.append((f"ingest within 4x the floor at K={k}", f"{v:.2f}x", v <= 4))
            checks.append((f"ingest within 4x the floor at K={k} (cpu)", f"{cpu:.2f}x", cpu <= 4))
    if 300 in by_k:
        peak = max(s["peak_rss_mb_max"] for s in by_k[300]["steps"].values())
        checks.append(
            ("peak memory within 500 MB at K=300 (any step)", f"{peak:.0f} MB", peak <= 500)
        )
    for k in ks:
        v = r["reingest_over_ingest"][k]
        checks.append((f"re-ingest faster than ingest at K={k}", f"{v:.2f}x", v < 1))
    if len(ks) >= 2:
        key = f"k{ks[-1]}_over_k{ks[0]}"
        for step in ("crosstab", "report", "report_again"):
            v = r[key][step]
            checks.append((f"{step} within 3x at K={ks[-1]} vs K={ks[0]}", f"{v:.2f}x", v <= 3))
        for what in ("", "cpu_"):
            key = f"per_row_{what}cost_k{ks[-1]}_over_k{ks[-2]}"
            for step in ("ingest", "reingest", "crosstab", "report", "report_again"):
                v = r[key][step]
                name = (
                    f"{step}: {what.replace('_', ' ')}cost per row K={ks[-2]} -> K={ks[-1]} "
                    "at most linear (10% for noise)"
                )
                checks.append((name, f"{v:.2f}x", v <= 1.1))
    return checks


def table(results: list[dict[str, Any]], r: dict[str, Any]) -> str:
    lines = [
        "| K | rows | MB | step | median s | min-max s | cpu s | peak RSS MB | vs floor "
        "| cpu vs floor |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        floor = res["steps"]["floor"]
        for step in STEPS:
            s = res["steps"][step]
            lines.append(
                f"| {res['k']} | {res['total_rows']:,} | {res['csv_mb']} | {step} "
                f"| {s['seconds']:.2f} | {s['seconds_min']:.2f}-{s['seconds_max']:.2f} "
                f"| {s['cpu_seconds']:.2f} | {s['peak_rss_mb']:.0f} "
                f"| {s['seconds'] / floor['seconds']:.2f}x "
                f"| {s['cpu_seconds'] / floor['cpu_seconds']:.2f}x |"
            )
    return "\n".join(lines)


def code_version() -> dict[str, Any]:
    import coder

    where = Path(coder.__file__).resolve().parent.parent
    git = ["git", "-C", str(where)]
    rev = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "coder"], capture_output=True, text=True
    ).stdout
    return {"coder_path": str(where), "commit": rev.strip(), "coder_dirty": bool(dirty.strip())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--k", type=int, nargs="+", default=[1, 10, 100, 300])
    parser.add_argument("--repeat", type=int, default=1, help="runs per step (median, range)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write results")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        child(args.step, args.data, args.project)
        return
    started = dt.datetime.now(dt.UTC)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        for k in sorted(set(args.k)):
            results.append(bench(k, args.repeat, Path(tmp), lambda s: print(s, flush=True)))
    r = ratios(results)
    checks = targets(results, r)
    print()
    print(table(results, r))
    print()
    for name, value, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")
    out = {
        "benchmark": "bench_scale",
        "started": started.isoformat(timespec="seconds"),
        "seconds_total": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "repeat": args.repeat,
        "timing": "the operation alone, in a fresh process per run; median of the runs; wall "
        "clock (seconds) and user + system CPU (cpu_seconds)",
        "memory": "peak RSS of the step's process (ru_maxrss), interpreter and imports included",
        "machine": {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "code": code_version(),
        "results": results,
        "ratios": r,
        "targets": [{"target": n, "value": v, "met": ok} for n, v, ok in checks],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
