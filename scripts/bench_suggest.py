"""Benchmark code suggestions on the NHS Friends and Family Test data (framework v6).

Usage (from the project root)::

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_suggest.py --out bench_suggest.json

Data: ``../shared/datasets/nhs_fft_v6`` (The-Strategy-Unit/pxtextmining, MIT; see its SOURCE.md),
read in place, with the fixed split of ``split_test_ids.json``: empty texts dropped, themes with
fewer than 10 positives dropped (42 remain), 5,898 training and 1,496 test comments.

In one run, on the same split and machine:

- ``ours`` (and ``ours_int8``, the same with the embedding model quantised to int8):
  sentence embedding (packaged all-MiniLM-L6-v2, embedded from a cold cache) +
  TF-IDF + question one-hot, one calibrated logistic regression per theme with thresholds
  chosen by 5-fold cross-validation (:mod:`coder.suggest.classifier`);
- ``baseline``: pxtextmining's TF-IDF + SVC pipeline rebuilt from its published v6 settings
  (The-Strategy-Unit/pxtextmining, ``current_best_model/v6_framework/svc.txt``, commit
  4feb571e): question one-hot + ``TfidfVectorizer(ngram_range=(1, 2), max_df=0.9, min_df=0)``
  (``min_df=1`` here: scikit-learn 1.9 rejects the integer 0, and every term occurs at least
  once anyway) and ``MultiOutputClassifier(SVC(C=15, cache_size=1000, class_weight="balanced",
  max_iter=1000, probability=True))``, predicted at p > 0.5;
- micro-, macro- and samples-F1 with and without the "Labelling not possible" theme, per-theme
  F1, CPU seconds of fit + predict (ours including the embedding of every text);
- abstention: the share of test items routed to a human and the F1 on the rest;
- zero-shot: themes scored from the definitions and examples of the FFT-QDC framework CSV
  (matched to v6 themes by name), without labels;
- a learning curve (5% .. 100% of the training part), random against uncertainty selection;
- throughput of embed + suggest against the bare model's forward pass, and a cached rerun.

The machine is shared and noisy: compare ratios within a run, not across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import numpy.typing as npt
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coder.suggest.classifier import CodeClassifier  # noqa: E402
from coder.suggest.embeddings import Embedder  # noqa: E402
from coder.suggest.evaluate import f1_scores  # noqa: E402
from coder.suggest.features import TextFeatures, TextRows  # noqa: E402
from coder.suggest.models import library_versions  # noqa: E402
from coder.suggest.zeroshot import ZeroShotClassifier  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "nhs_fft_v6"
LNP = "Labelling not possible"
QUOTES = " '\"\u2018\u2019"  # spaces, straight and curly quotes around the CSV's examples
FRACTIONS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
IntMatrix = npt.NDArray[np.int64]


class Data:
    """The benchmark split: texts, questions and a 0/1 theme matrix, train and test."""

    def __init__(self, folder: Path) -> None:
        df = pd.read_csv(folder / "v6framework_230831.csv", dtype={"FFT answer": str})
        df = df[df["FFT answer"].fillna("").str.strip() != ""].reset_index(drop=True)
        themes = list(df.columns[11:])
        self.codes = [t for t in themes if df[t].fillna(0).sum() >= 10]
        split = json.loads((folder / "split_test_ids.json").read_text(encoding="utf-8"))
        test = df["Comment ID"].isin(set(split["test_ids"])).to_numpy()
        if int(test.sum()) != split["n_test"]:
            raise SystemExit(
                f"split mismatch: {int(test.sum())} test rows, expected {split['n_test']}"
            )
        self.texts = df["FFT answer"].tolist()
        self.questions = df["FFT question"].fillna("").str.split().str.join(" ").tolist()
        self.Y = df[self.codes].fillna(0).astype(int).to_numpy()
        self.train = np.flatnonzero(~test)
        self.test = np.flatnonzero(test)
        self.folder = folder

    def pick(self, rows: npt.NDArray[np.intp]) -> tuple[list[str], list[str]]:
        return [self.texts[i] for i in rows], [self.questions[i] for i in rows]


def scores(d: Data, Y: IntMatrix, P: IntMatrix) -> dict[str, Any]:
    keep = np.array([c != LNP for c in d.codes])
    full = f1_scores(Y, P)
    without = f1_scores(Y[:, keep], P[:, keep])
    per_code = {c: f1_scores(Y[:, [j]], P[:, [j]])["micro_f1"] for j, c in enumerate(d.codes)}
    return {
        "micro_f1": round(full["micro_f1"], 4),
        "macro_f1": round(float(np.mean(list(per_code.values()))), 4),
        "samples_f1": round(full["samples_f1"], 4),
        "micro_f1_without_lnp": round(without["micro_f1"], 4),
        "macro_f1_without_lnp": round(
            float(np.mean([v for c, v in per_code.items() if c != LNP])), 4
        ),
        "per_code_f1": {c: round(v, 4) for c, v in per_code.items()},
    }


def run_baseline(d: Data) -> dict[str, Any]:
    from sklearn.compose import ColumnTransformer  # type: ignore[import-untyped]
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.multioutput import MultiOutputClassifier  # type: ignore[import-untyped]
    from sklearn.pipeline import Pipeline  # type: ignore[import-untyped]
    from sklearn.preprocessing import OneHotEncoder  # type: ignore[import-untyped]
    from sklearn.svm import SVC  # type: ignore[import-untyped]
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    pipe = Pipeline(
        [
            (
                "columntransformer",
                ColumnTransformer(
                    [
                        ("onehotencoder", OneHotEncoder(handle_unknown="ignore"), ["question"]),
                        (
                            "tfidfvectorizer",
                            TfidfVectorizer(max_df=0.9, min_df=1, ngram_range=(1, 2)),
                            "text",
                        ),
                    ]
                ),
            ),
            (
                "multioutputclassifier",
                MultiOutputClassifier(
                    SVC(
                        C=15,
                        cache_size=1000,
                        class_weight="balanced",
                        max_iter=1000,
                        probability=True,
                        random_state=0,
                    )
                ),
            ),
        ]
    )
    frame = pd.DataFrame({"text": d.texts, "question": d.questions})
    cpu, wall = time.process_time(), time.perf_counter()
    with threadpool_limits(1):
        pipe.fit(frame.iloc[d.train], d.Y[d.train])
        probs = np.stack([p[:, 1] for p in pipe.predict_proba(frame.iloc[d.test])], axis=1)
    out = scores(d, d.Y[d.test], (probs > 0.5).astype(np.int64))
    out["cpu_s"] = round(time.process_time() - cpu, 1)
    out["wall_s"] = round(time.perf_counter() - wall, 1)
    return out


def fit_ours(
    d: Data, E: npt.NDArray[np.float32], rows: npt.NDArray[np.intp]
) -> tuple[TextFeatures, CodeClassifier]:
    texts, questions = d.pick(rows)
    X = TextRows(texts, E[rows], questions)
    features = TextFeatures().fit(X)
    head = CodeClassifier().fit(features.transform(X), d.Y[rows])
    return features, head


def predict_ours(
    d: Data, features: TextFeatures, head: CodeClassifier, E: npt.NDArray[np.float32], rows: Any
) -> tuple[IntMatrix, npt.NDArray[np.float64]]:
    texts, questions = d.pick(rows)
    X = features.transform(TextRows(texts, E[rows], questions))
    probs = head.predict_proba(X)
    return head.decide(probs), head.confidence(X, probs)


def run_ours(
    d: Data, cache: Path, int8: bool = False
) -> tuple[dict[str, Any], npt.NDArray[np.float32]]:
    cpu, wall = time.process_time(), time.perf_counter()
    embedder = Embedder(cache=cache, int8=int8)
    E = embedder.encode(d.texts)
    embed_cpu = time.process_time() - cpu
    features, head = fit_ours(d, E, d.train)
    pred, conf = predict_ours(d, features, head, E, d.test)
    out = scores(d, d.Y[d.test], pred)
    out["cpu_s"] = round(time.process_time() - cpu, 1)
    out["cpu_s_embedding"] = round(embed_cpu, 1)
    out["wall_s"] = round(time.perf_counter() - wall, 1)
    out["embedded_texts"] = embedder.stats.embedded
    out["distinct_texts"] = embedder.stats.distinct
    abst = []
    for limit in (0.3, 0.4, 0.5, 0.6):
        kept = conf >= limit
        s = scores(d, d.Y[d.test][kept], pred[kept])
        abst.append(
            {
                "abstain_below": limit,
                "routed_to_human": round(float(1 - kept.mean()), 4),
                "micro_f1_kept": s["micro_f1"],
                "macro_f1_kept": s["macro_f1"],
            }
        )
    out["abstention"] = abst
    out["not_enough_examples"] = [
        c for c, s in zip(d.codes, head.status_, strict=True) if s != "trained"
    ]
    return out, E


def run_zero_shot(d: Data, E: npt.NDArray[np.float32], embedder: Embedder) -> dict[str, Any]:
    book = pd.read_csv(
        d.folder / "codebook_FFT-QDC_framework_20230925_from_experiencesdashboard.csv"
    )
    by_name = {str(r["Sub-category"]).strip().casefold(): r for _, r in book.iterrows()}
    matched = [j for j, c in enumerate(d.codes) if c.casefold() in by_name]
    texts, owners = [], []
    for k, j in enumerate(matched):
        r = by_name[d.codes[j].casefold()]
        texts.append(f"{d.codes[j]}. {r['Sub-category description']}")
        owners.append(k)
        for example in str(r.get("Examples", "")).split("', '"):
            example = example.strip(QUOTES).removeprefix("POSITIVE: ").removeprefix("NEGATIVE: ")
            if example and example != "nan":
                texts.append(example.strip(QUOTES))
                owners.append(k)
    clf = ZeroShotClassifier().fit(embedder.encode(texts), owners)
    rows = d.test
    pred = clf.predict(E[rows])
    Y = d.Y[rows][:, matched]
    s = f1_scores(Y, pred)
    return {
        "themes_matched": len(matched),
        "themes": len(d.codes),
        "micro_f1": round(s["micro_f1"], 4),
        "macro_f1": round(s["macro_f1"], 4),
        "note": "scored only on the themes whose name is in the FFT-QDC framework CSV",
    }


def run_learning_curve(d: Data, E: npt.NDArray[np.float32], seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    order = rng.permutation(d.train)
    n = len(d.train)
    sizes = [max(20, round(f * n)) for f in FRACTIONS]
    curve: dict[str, list[dict[str, float]]] = {"random": [], "active": []}
    for size in sizes:
        features, head = fit_ours(d, E, order[:size])
        pred, _ = predict_ours(d, features, head, E, d.test)
        s = scores(d, d.Y[d.test], pred)
        curve["random"].append(
            {"labels": size, "micro_f1": s["micro_f1"], "macro_f1": s["macro_f1"]}
        )
    labelled = list(order[: sizes[0]])
    for k, size in enumerate(sizes):
        features, head = fit_ours(d, E, np.array(labelled))
        pred, _ = predict_ours(d, features, head, E, d.test)
        s = scores(d, d.Y[d.test], pred)
        curve["active"].append(
            {"labels": size, "micro_f1": s["micro_f1"], "macro_f1": s["macro_f1"]}
        )
        if k + 1 < len(sizes):
            pool = np.setdiff1d(d.train, labelled)
            _, conf = predict_ours(d, features, head, E, pool)
            labelled += list(pool[np.argsort(conf, kind="stable")[: sizes[k + 1] - size]])
    full = curve["random"][-1]
    for key in ("micro_f1", "macro_f1"):
        reached = [p["labels"] for p in curve["active"] if p[key] >= full[key] - 0.005]
        curve[f"active_labels_to_full_{key}"] = reached[0] if reached else None  # type: ignore[assignment]
    curve["train_size"] = n  # type: ignore[assignment]
    return curve


def run_throughput(d: Data, features: TextFeatures, head: CodeClassifier) -> dict[str, Any]:
    rows = d.test
    texts, questions = d.pick(rows)
    with tempfile.TemporaryDirectory() as tmp:
        embedder = Embedder(cache=Path(tmp) / "cache.sqlite")
        embedder.load()
        t = time.perf_counter()
        embedder.forward(texts)
        bare = time.perf_counter() - t

        def run() -> float:
            t = time.perf_counter()
            E = embedder.encode(texts)
            X = features.transform(TextRows(texts, E, questions))
            head.decide(head.predict_proba(X))
            return time.perf_counter() - t

        cold = run()
        warm = run()
    n = len(texts)
    return {
        "texts": n,
        "distinct_texts": len(set(texts)),
        "bare_forward_items_per_s": round(n / bare, 1),
        "embed_suggest_items_per_s": round(n / cold, 1),
        "cached_rerun_items_per_s": round(n / warm, 1),
    }


def make_project(d: Data, folder: Path) -> Path:
    """A coder project from the data: one multiple-choice frame of the 42 themes over the five
    FFT questions; the training part coded by human coder ``nhs-labellers``, the test part by
    the reference coder ``nhs-test`` (so suggestions can be compared with it)."""
    import re

    import yaml

    from coder.data.codings import read_codings, store_codings
    from coder.data.contributions import ingest
    from coder.data.store import init_project

    folder.mkdir(parents=True, exist_ok=False)
    qids = {q: f"q{i + 1}" for i, q in enumerate(sorted(set(d.questions)))}
    slug = {c: re.sub(r"[^a-z0-9]+", "_", c.lower()).strip("_") for c in d.codes}
    book = {
        "id": "nhs-fft-v6",
        "title": "NHS FFT patient experience framework v6 (pxtextmining)",
        "questions": [{"id": v, "label": k} for k, v in qids.items()],
        "frames": [
            {
                "id": "themes",
                "label": "Themes",
                "selection": "multiple",
                "questions": list(qids.values()),
                "codes": [{"id": slug[c], "label": c} for c in d.codes],
            }
        ],
    }
    (folder / "codebook.yaml").write_text(yaml.safe_dump(book, sort_keys=False), encoding="utf-8")
    df = pd.read_csv(d.folder / "v6framework_230831.csv", dtype={"FFT answer": str})
    df = df[df["FFT answer"].fillna("").str.strip() != ""].reset_index(drop=True)
    ids = df["Comment ID"].astype(str).tolist()
    pd.DataFrame(
        {
            "idea_id": ids,
            "question": [qids[q] for q in d.questions],
            "text": d.texts,
            "author_id": ["r-" + str(r) for r in df["Respondent ID"].fillna("unknown")],
        }
    ).to_csv(folder / "ideas.csv", index=False)
    test = set(d.test.tolist())
    rows = []
    for i, idea in enumerate(ids):
        coder = "nhs-test" if i in test else "nhs-labellers"
        codes = [d.codes[j] for j in np.flatnonzero(d.Y[i])]
        rows += [(idea, coder, "themes", c) for c in codes] or [(idea, coder, "", "")]
    codings = pd.DataFrame(rows, columns=["idea_id", "coder", "frame", "code"])
    codings[codings.coder == "nhs-labellers"].to_csv(folder / "train_codings.csv", index=False)
    codings[codings.coder == "nhs-test"].to_csv(folder / "test_codings.csv", index=False)
    with init_project(folder / "project", folder / "codebook.yaml") as project:
        ingest(project, ideas=folder / "ideas.csv")
        store_codings(project, read_codings(project, folder / "train_codings.csv"), "human")
        store_codings(project, read_codings(project, folder / "test_codings.csv"), "reference")
    return folder / "project"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="Write the results as JSON here.")
    parser.add_argument("--data", type=Path, default=DATA, help="The nhs_fft_v6 folder.")
    parser.add_argument("--skip-curve", action="store_true", help="Skip the learning curve.")
    parser.add_argument(
        "--make-project",
        type=Path,
        metavar="DIR",
        help="Instead of benchmarking, build a coder project from the data in DIR/project.",
    )
    args = parser.parse_args(argv)
    d = Data(args.data)
    if args.make_project is not None:
        print(f"Built {make_project(d, args.make_project)}")
        return 0
    if args.out is None:
        parser.error("--out FILE.json is required")
    print(
        f"{len(d.train)} training, {len(d.test)} test comments, {len(d.codes)} themes", flush=True
    )
    result: dict[str, Any] = {
        "dataset": "nhs_fft_v6 (The-Strategy-Unit/pxtextmining, datasets/v6framework_230831.csv)",
        "split": "split_test_ids.json",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "versions": library_versions(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        ours, E = run_ours(d, Path(tmp) / "cache.sqlite")
        print(f"ours done ({ours['cpu_s']} CPU s)", flush=True)
        result["ours"] = ours
        embedder = Embedder(cache=Path(tmp) / "cache.sqlite")
        result["zero_shot"] = run_zero_shot(d, E, embedder)
        int8, _ = run_ours(d, Path(tmp) / "cache_int8.sqlite", int8=True)
        print(f"ours with int8 embeddings done ({int8['cpu_s']} CPU s)", flush=True)
        result["ours_int8"] = int8
    result["baseline"] = run_baseline(d)
    print(f"baseline done ({result['baseline']['cpu_s']} CPU s)", flush=True)
    b, o = result["baseline"], result["ours"]
    result["ratios"] = {
        "macro_f1": round(o["macro_f1"] / b["macro_f1"], 3),
        "micro_f1": round(o["micro_f1"] / b["micro_f1"], 3),
        "cpu_s": round(o["cpu_s"] / b["cpu_s"], 3),
        "int8_cpu_s": round(result["ours_int8"]["cpu_s"] / b["cpu_s"], 3),
    }
    features, head = fit_ours(d, E, d.train)
    result["throughput"] = run_throughput(d, features, head)
    if not args.skip_curve:
        result["learning_curve"] = run_learning_curve(d, E)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print_table(result)
    print(f"Wrote {args.out}")
    return 0


def print_table(r: dict[str, Any]) -> None:
    o, b = r["ours"], r["baseline"]
    rows = [
        ("micro-F1", "micro_f1"),
        ("macro-F1", "macro_f1"),
        ("samples-F1", "samples_f1"),
        ("micro-F1 without LNP", "micro_f1_without_lnp"),
        ("macro-F1 without LNP", "macro_f1_without_lnp"),
        ("CPU s (fit + predict)", "cpu_s"),
        ("wall s", "wall_s"),
    ]
    print("\n| metric | ours | baseline (TF-IDF + SVC) | ours / baseline |\n|---|---|---|---|")
    for name, key in rows:
        print(f"| {name} | {o[key]} | {b[key]} | {o[key] / b[key]:.2f} |")
    print(f"\nOurs: embedding {o['cpu_s_embedding']} CPU s of {o['cpu_s']}")
    q = r["ours_int8"]
    print(
        f"Ours with int8 embeddings (--int8): micro-F1 {q['micro_f1']}, macro-F1 "
        f"{q['macro_f1']}, CPU s {q['cpu_s']} (embedding {q['cpu_s_embedding']}), "
        f"{q['cpu_s'] / b['cpu_s']:.2f} of the baseline's"
    )
    print(
        "\n| abstain below | routed to human | micro-F1 kept | macro-F1 kept |\n|---|---|---|---|"
    )
    for a in o["abstention"]:
        print(
            f"| {a['abstain_below']} | {a['routed_to_human']:.1%} | {a['micro_f1_kept']} | "
            f"{a['macro_f1_kept']} |"
        )
    z = r["zero_shot"]
    print(
        f"\nZero-shot (no labels, {z['themes_matched']} of {z['themes']} themes): "
        f"micro-F1 {z['micro_f1']}, macro-F1 {z['macro_f1']}"
    )
    t = r["throughput"]
    print(
        f"\nThroughput on {t['texts']} texts ({t['distinct_texts']} distinct), items/s: bare "
        f"forward {t['bare_forward_items_per_s']}, embed + suggest "
        f"{t['embed_suggest_items_per_s']}, cached rerun {t['cached_rerun_items_per_s']}"
    )
    if "learning_curve" in r:
        c = r["learning_curve"]
        print("\n| labels | random micro | random macro | active micro | active macro |")
        print("|---|---|---|---|---|")
        for p, q in zip(c["random"], c["active"], strict=True):
            print(
                f"| {p['labels']} | {p['micro_f1']} | {p['macro_f1']} | {q['micro_f1']} | "
                f"{q['macro_f1']} |"
            )
        print(
            f"Active reaches the full-data score (within 0.005) at: micro "
            f"{c['active_labels_to_full_micro_f1']}, macro {c['active_labels_to_full_macro_f1']}"
            f" labels of {c['train_size']}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
