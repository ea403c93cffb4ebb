"""Benchmark code suggestions on the NHS Friends and Family Test data (framework v6).

Usage (from the project root)::

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/bench_suggest.py --out bench_suggest.json

Data: ``../shared/datasets/nhs_fft_v6`` (The-Strategy-Unit/pxtextmining, MIT; see its SOURCE.md),
read in place, with the fixed split of ``split_test_ids.json``: empty texts dropped, themes with
fewer than 10 positives dropped (42 remain), 5,898 training and 1,496 test comments.

In one run, on the same split and machine:

- ``ours``: sentence embedding (packaged all-MiniLM-L6-v2 with the default ``onnx-int8``
  backend, embedded from a cold cache) + TF-IDF + question one-hot, one calibrated logistic
  regression per theme with thresholds chosen by 5-fold cross-validation
  (:mod:`coder.suggest.classifier`); ``ours_fp32``, the same with torch fp32 embeddings;
- ``baseline``: pxtextmining's TF-IDF + SVC pipeline rebuilt from its published v6 settings
  (The-Strategy-Unit/pxtextmining, ``current_best_model/v6_framework/svc.txt``, commit
  4feb571e): question one-hot + ``TfidfVectorizer(ngram_range=(1, 2), max_df=0.9, min_df=0)``
  (``min_df=1`` here: scikit-learn 1.9 rejects the integer 0, and every term occurs at least
  once anyway) and ``MultiOutputClassifier(SVC(C=15, cache_size=1000, class_weight="balanced",
  max_iter=1000, probability=True))``, predicted at p > 0.5;
- micro-, macro- and samples-F1 with and without the "Labelling not possible" theme, per-theme
  F1, CPU seconds of fit + predict (ours including the embedding of every text);
- the int8 path against fp32: throughput ratio, cosine of the vectors, F1 differences;
- coverage: the share of test items the model decides (the most confident) against micro- and
  macro-F1 on them; the coverage at micro-F1 >= 0.85; and routing as ``coder suggest
  --target-f1 0.85`` does it (the cut read off the cross-validated curve of the training part);
- zero-shot: themes scored from the definitions and examples of the FFT-QDC framework CSV
  (matched to v6 themes by name), without labels;
- a learning curve (5% .. 100% of the training part), random against uncertainty selection;
- throughput of embed + suggest from a cold cache, and a cached rerun.

Every timed implementation (ours, ours_fp32, baseline; the throughput runs) runs ``--repeat``
times (default 3), interleaved, and each time is reported as median (min-max) with every run
in the JSON. The F1 figures are deterministic (the script stops if a repeat differs). The test
part is never used to choose anything. The machine is shared and noisy: compare ratios within
a run, not across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import numpy.typing as npt
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchstats import REPEAT, fmt, ratios, summary  # noqa: E402

from coder.suggest.classifier import CodeClassifier  # noqa: E402
from coder.suggest.coverage import coverage_curve  # noqa: E402
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
    with threadpool_limits(1), warnings.catch_warnings():
        # scikit-learn 1.9 deprecates SVC(probability=True); the published settings use it
        warnings.filterwarnings("ignore", category=FutureWarning)
        pipe.fit(frame.iloc[d.train], d.Y[d.train])
        probs = np.stack([p[:, 1] for p in pipe.predict_proba(frame.iloc[d.test])], axis=1)
    out = scores(d, d.Y[d.test], (probs > 0.5).astype(np.int64))
    out["cpu_s"] = time.process_time() - cpu
    out["wall_s"] = time.perf_counter() - wall
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


class Ours:
    """One run of ours with one embedding backend: embed every text from a cold cache, fit on
    the training part, predict the test part. Timed as a whole (CPU and wall) and per step."""

    def __init__(self, d: Data, backend: str, cache: Path) -> None:
        cpu, wall = time.process_time(), time.perf_counter()
        embedder = Embedder(cache=cache, backend=backend)
        self.E = embedder.encode(d.texts)
        self.embed_cpu = time.process_time() - cpu
        self.embed_wall = time.perf_counter() - wall
        self.distinct = embedder.stats.distinct
        self.features, self.head = fit_ours(d, self.E, d.train)
        self.pred, self.conf = predict_ours(d, self.features, self.head, self.E, d.test)
        self.cpu = time.process_time() - cpu
        self.wall = time.perf_counter() - wall
        self.scores = scores(d, d.Y[d.test], self.pred)
        embedder.close()


def timed_runs(d: Data, repeat: int, tmp: Path) -> tuple[dict[str, Any], Ours, Ours]:
    """``repeat`` rounds of ours (onnx-int8, the default), ours with torch fp32 embeddings and
    the baseline, interleaved so that the machine's load falls on all three alike. F1 figures
    are deterministic (checked); times are kept per run."""
    runs: dict[str, list[Any]] = {"ours": [], "ours_fp32": [], "baseline": []}
    first: dict[str, Ours] = {}
    for r in range(repeat):
        for name, backend in (("ours", "onnx-int8"), ("ours_fp32", "torch")):
            run = Ours(d, backend, tmp / f"cache-{name}-{r}.sqlite")
            first.setdefault(name, run)
            if run.scores != first[name].scores:
                raise SystemExit(f"{name}: run {r + 1} gave other F1 figures than run 1")
            runs[name].append(run)
            print(f"  round {r + 1}: {name} {run.cpu:.0f} CPU s", flush=True)
        base = run_baseline(d)
        runs["baseline"].append(base)
        print(f"  round {r + 1}: baseline {base['cpu_s']:.0f} CPU s", flush=True)
    out: dict[str, Any] = {}
    for name in ("ours", "ours_fp32"):
        rs: list[Ours] = runs[name]
        out[name] = {
            **first[name].scores,
            "cpu_s": summary([x.cpu for x in rs], 1),
            "cpu_s_embedding": summary([x.embed_cpu for x in rs], 1),
            "wall_s": summary([x.wall for x in rs], 1),
            "wall_s_embedding": summary([x.embed_wall for x in rs], 1),
            "distinct_texts": first[name].distinct,
            "embedding_texts_per_s": summary([x.distinct / x.embed_wall for x in rs], 1),
            "not_enough_examples": [
                c for c, s in zip(d.codes, first[name].head.status_, strict=True) if s != "trained"
            ],
        }
    bs = runs["baseline"]
    out["baseline"] = {
        **{k: v for k, v in bs[0].items() if k not in ("cpu_s", "wall_s")},
        "cpu_s": summary([b["cpu_s"] for b in bs], 1),
        "wall_s": summary([b["wall_s"] for b in bs], 1),
    }
    cpu = {n: [x.cpu for x in runs[n]] for n in ("ours", "ours_fp32")}
    base_cpu = [b["cpu_s"] for b in bs]
    int8, fp32 = runs["ours"], runs["ours_fp32"]
    a, b = first["ours"].E, first["ours_fp32"].E
    cos = (a * b).sum(axis=1)
    drift = max(float(np.abs(x.E - a).max()) for x in int8)
    out["ratios"] = {
        "cpu_s": summary(ratios(cpu["ours"], base_cpu), 3),
        "cpu_s_fp32": summary(ratios(cpu["ours_fp32"], base_cpu), 3),
        "macro_f1": round(out["ours"]["macro_f1"] / out["baseline"]["macro_f1"], 3),
        "micro_f1": round(out["ours"]["micro_f1"] / out["baseline"]["micro_f1"], 3),
    }
    out["int8"] = {
        "what": "onnx-int8 (the default) against torch fp32 embeddings of the same texts, "
        "same runs",
        "throughput_ratio": summary(
            ratios([x.embed_wall for x in fp32], [x.embed_wall for x in int8]), 3
        ),
        "embedding_cpu_ratio": summary(
            ratios([x.embed_cpu for x in fp32], [x.embed_cpu for x in int8]), 3
        ),
        "cosine_to_fp32_mean": round(float(cos.mean()), 4),
        "cosine_to_fp32_min": round(float(cos.min()), 4),
        "micro_f1_minus_fp32": round(out["ours"]["micro_f1"] - out["ours_fp32"]["micro_f1"], 4),
        "macro_f1_minus_fp32": round(out["ours"]["macro_f1"] - out["ours_fp32"]["macro_f1"], 4),
        "max_abs_difference_between_runs": drift,
    }
    return out, first["ours"], first["ours_fp32"]


COVERAGES = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
TARGET = 0.85


def run_coverage(d: Data, ours: Ours) -> dict[str, Any]:
    """The coverage-quality curve on the test part, and routing by target quality as
    ``coder suggest --target-f1`` does it: the cut read off the cross-validated (out-of-fold)
    curve of the training part, applied to the test part."""
    Y, P, conf = d.Y[d.test], ours.pred, ours.conf
    curve = coverage_curve(Y, P, conf)

    def decided(keep: npt.NDArray[np.bool_]) -> dict[str, float]:
        s = f1_scores(Y[keep], P[keep])
        return {
            "coverage": round(float(keep.mean()), 4),
            "micro_f1": round(s["micro_f1"], 4),
            "macro_f1": round(s["macro_f1"], 4),
        }

    rows = [decided(conf >= curve.at_coverage(share).confidence) for share in COVERAGES]
    head = ours.head
    oof = coverage_curve(d.Y[d.train], head.oof_decisions_, head.oof_confidence_)
    cv_cut = oof.cut_for(TARGET)
    test_cut = curve.cut_for(TARGET)
    routed = decided(conf >= cv_cut.confidence) if cv_cut else None
    return {
        "macro_note": "macro-F1 over the codes with a true or predicted positive among the "
        "decided items",
        "curve": rows,
        "target_micro_f1": TARGET,
        "test_coverage_at_target": test_cut._asdict() if test_cut else None,
        "cross_validated_cut": cv_cut._asdict() if cv_cut else None,
        "routed_by_cross_validated_cut": routed,
        "abstain_below": [{"abstain_below": t, **decided(conf >= t)} for t in (0.3, 0.4, 0.5, 0.6)],
    }


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


def run_throughput(d: Data, ours: Ours, repeat: int) -> dict[str, Any]:
    """Embed + suggest for the test texts with the default backend, from a cold cache and
    then from the cache, ``repeat`` times (a fresh cache each time); the model loaded first."""
    texts, questions = d.pick(d.test)
    cold, warm = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            embedder = Embedder(cache=Path(tmp) / "cache.sqlite")
            embedder.load()

            def run(embedder: Embedder = embedder) -> float:
                t = time.perf_counter()
                E = embedder.encode(texts)
                X = ours.features.transform(TextRows(texts, E, questions))
                ours.head.decide(ours.head.predict_proba(X))
                return time.perf_counter() - t

            cold.append(len(texts) / run())
            warm.append(len(texts) / run())
            embedder.close()
    return {
        "texts": len(texts),
        "distinct_texts": len(set(texts)),
        "embed_suggest_items_per_s": summary(cold, 1),
        "cached_rerun_items_per_s": summary(warm, 1),
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
        "--repeat",
        type=int,
        default=REPEAT,
        help="Runs of each timed implementation, interleaved (default %(default)s); every "
        "time is reported as median (min-max).",
    )
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
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    print(
        f"{len(d.train)} training, {len(d.test)} test comments, {len(d.codes)} themes", flush=True
    )
    result: dict[str, Any] = {
        "dataset": "nhs_fft_v6 (The-Strategy-Unit/pxtextmining, datasets/v6framework_230831.csv)",
        "split": "split_test_ids.json",
        "date": time.strftime("%Y-%m-%d"),
        "command": "scripts/bench_suggest.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "repeat": args.repeat,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "versions": {**library_versions(), "onnxruntime": _version("onnxruntime")},
    }
    with tempfile.TemporaryDirectory() as tmp:
        # build the int8 model (once, cached) before any timing
        Embedder(cache=None).load()
        timed, ours, _ = timed_runs(d, args.repeat, Path(tmp))
        result.update(timed)
        result["coverage"] = run_coverage(d, ours)
        embedder = Embedder(cache=Path(tmp) / "cache-ours-0.sqlite")
        result["zero_shot"] = run_zero_shot(d, ours.E, embedder)
        embedder.close()
    result["throughput"] = run_throughput(d, ours, args.repeat)
    if not args.skip_curve:
        result["learning_curve"] = run_learning_curve(d, ours.E)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print_table(result)
    print(f"Wrote {args.out}")
    return 0


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def print_table(r: dict[str, Any]) -> None:
    o, f, b = r["ours"], r["ours_fp32"], r["baseline"]
    n = r["repeat"]
    print(f"\nTimes: median (min-max) of {n} interleaved runs of each; F1 is deterministic.")
    print(
        "\n| metric | ours (int8, default) | ours (torch fp32) | baseline (TF-IDF + SVC) "
        "| ours / baseline |\n|---|---|---|---|---|"
    )
    for name, key in [
        ("micro-F1", "micro_f1"),
        ("macro-F1", "macro_f1"),
        ("samples-F1", "samples_f1"),
        ("micro-F1 without LNP", "micro_f1_without_lnp"),
        ("macro-F1 without LNP", "macro_f1_without_lnp"),
    ]:
        print(f"| {name} | {o[key]:.3f} | {f[key]:.3f} | {b[key]:.3f} | {o[key] / b[key]:.2f} |")
    ra = r["ratios"]
    print(
        f"| CPU s (fit + predict) | {fmt(o['cpu_s'], 0)} | {fmt(f['cpu_s'], 0)} | "
        f"{fmt(b['cpu_s'], 0)} | {fmt(ra['cpu_s'])} |"
    )
    print(
        f"| of which embedding | {fmt(o['cpu_s_embedding'], 0)} | "
        f"{fmt(f['cpu_s_embedding'], 0)} | | |"
    )
    print(f"| wall s | {fmt(o['wall_s'], 0)} | {fmt(f['wall_s'], 0)} | {fmt(b['wall_s'], 0)} | |")
    q = r["int8"]
    print(
        f"\nint8 against fp32 ({o['distinct_texts']} distinct texts): throughput "
        f"{fmt(o['embedding_texts_per_s'], 0)} against {fmt(f['embedding_texts_per_s'], 0)} "
        f"texts/s, ratio {fmt(q['throughput_ratio'])} (embedding CPU ratio "
        f"{fmt(q['embedding_cpu_ratio'])}); cosine to fp32 mean {q['cosine_to_fp32_mean']}, "
        f"min {q['cosine_to_fp32_min']}; micro-F1 {q['micro_f1_minus_fp32']:+.4f}, macro-F1 "
        f"{q['macro_f1_minus_fp32']:+.4f}; largest difference of a vector between runs "
        f"{q['max_abs_difference_between_runs']:.1e}"
    )
    c = r["coverage"]
    print(
        "\nCoverage (test part; the most confident items decided by the model, the rest routed "
        "to a human):\n\n| decided | micro-F1 on them | macro-F1 on them |\n|---|---|---|"
    )
    for row in c["curve"]:
        print(f"| {row['coverage']:.1%} | {row['micro_f1']:.3f} | {row['macro_f1']:.3f} |")
    t = c["test_coverage_at_target"]
    cv = c["cross_validated_cut"]
    rt = c["routed_by_cross_validated_cut"]
    print(
        f"\nHeadline: micro-F1 >= {c['target_micro_f1']} on "
        + (f"{t['coverage']:.1%} of the test items (cut {t['confidence']:.3f})" if t else "none")
    )
    if cv and rt:
        print(
            f"--target-f1 {c['target_micro_f1']} (cut {cv['confidence']:.3f} from the "
            f"cross-validated curve, {cv['coverage']:.1%} of training items out of fold): on "
            f"the test part it decides {rt['coverage']:.1%} at micro-F1 {rt['micro_f1']:.3f}, "
            f"macro-F1 {rt['macro_f1']:.3f}"
        )
    print("\n| abstain below | decided | micro-F1 | macro-F1 |\n|---|---|---|---|")
    for a in c["abstain_below"]:
        print(
            f"| {a['abstain_below']} | {a['coverage']:.1%} | {a['micro_f1']:.3f} | "
            f"{a['macro_f1']:.3f} |"
        )
    z = r["zero_shot"]
    print(
        f"\nZero-shot (no labels, {z['themes_matched']} of {z['themes']} themes): "
        f"micro-F1 {z['micro_f1']}, macro-F1 {z['macro_f1']}"
    )
    t = r["throughput"]
    print(
        f"\nThroughput on {t['texts']} texts ({t['distinct_texts']} distinct), items/s: embed + "
        f"suggest {fmt(t['embed_suggest_items_per_s'], 0)}, cached rerun "
        f"{fmt(t['cached_rerun_items_per_s'], 0)}"
    )
    if "learning_curve" in r:
        lc = r["learning_curve"]
        print("\n| labels | random micro | random macro | active micro | active macro |")
        print("|---|---|---|---|---|")
        for p, a in zip(lc["random"], lc["active"], strict=True):
            print(
                f"| {p['labels']} | {p['micro_f1']} | {p['macro_f1']} | {a['micro_f1']} | "
                f"{a['macro_f1']} |"
            )
        print(
            f"Active reaches the full-data score (within 0.005) at: micro "
            f"{lc['active_labels_to_full_micro_f1']}, macro "
            f"{lc['active_labels_to_full_macro_f1']} labels of {lc['train_size']}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
