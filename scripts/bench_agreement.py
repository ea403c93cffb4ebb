"""Benchmark coder.agreement's Krippendorff's alpha against the krippendorff and irrCAC packages.

Two tasks on synthetic data with missing values (a coder who did not code a unit has no value
for it): per-code nominal alpha for each of 50 binary codes over 100,000 units x 5 coders, and
nominal alpha of one 20-category variable over the same units. Each implementation runs on the
same arrays in the same process, ``--repeat`` times (default 3) each, interleaved (round by
round, every implementation once per round), and every time is reported as median (min-max),
with every run in the JSON; ratios are the median (min-max) of the round-by-round ratios. The
values are checked to agree. BLAS is limited to one thread (threadpoolctl) so that no
implementation gains from the machine's cores; the table says which BLAS ran.

Run from the project root::

    .venv/bin/python scripts/bench_agreement.py --out bench_agreement.json

irrCAC is timed when it can be imported; otherwise ``irrcac_s`` is null, with the reason.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from threadpoolctl import threadpool_info, threadpool_limits  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchstats import REPEAT, fmt, ratios, summary

from coder.agreement import krippendorff_alpha

FloatArray = npt.NDArray[np.float64]


def make_data(
    n_units: int, n_coders: int, n_codes: int, n_categories: int, missing: float, seed: int
) -> tuple[FloatArray, FloatArray]:
    """Synthetic reliability data.

    Returns
    -------
    binary : ndarray, shape (n_codes, n_coders, n_units)
        1/0 presence of each code, NaN where the coder did not code the unit.
    nominal : ndarray, shape (n_coders, n_units)
        One of ``n_categories`` values, NaN where missing.
    """
    rng = np.random.default_rng(seed)
    coded = rng.random((n_coders, n_units)) >= missing
    prevalence = rng.uniform(0.01, 0.3, size=(n_codes, 1, 1))
    truth = rng.random((n_codes, 1, n_units)) < prevalence
    flip = rng.random((n_codes, n_coders, n_units)) < 0.08
    binary = np.where(truth ^ flip, 1.0, 0.0)
    binary[:, ~coded] = np.nan
    category = rng.integers(0, n_categories, size=n_units)
    other = rng.integers(0, n_categories, size=(n_coders, n_units))
    nominal = np.where(rng.random((n_coders, n_units)) < 0.2, other, category).astype(float)
    nominal[~coded] = np.nan
    return binary, nominal


def timed(func: Callable[[], list[float]]) -> tuple[float, list[float]]:
    """Wall time of one run, and its values."""
    start = time.perf_counter()
    values = func()
    return time.perf_counter() - start, values


def implementations() -> tuple[dict[str, Callable[[FloatArray], float]], str | None]:
    """Alpha functions by name, and why irrCAC is missing (None when it is there)."""
    import krippendorff

    impls: dict[str, Callable[[FloatArray], float]] = {
        "coder": lambda d: krippendorff_alpha(d, level="nominal"),
        "krippendorff": lambda d: float(
            krippendorff.alpha(reliability_data=d, level_of_measurement="nominal")
        ),
    }
    try:
        raw: Any = importlib.import_module("irrCAC.raw")
    except ImportError as exc:
        return impls, (
            f"irrCAC is not importable here ({exc}). irrCAC 0.4.4, the only release on PyPI, "
            "pins pandas<3 and scipy==1.12.0; installing it into this venv would downgrade "
            "numpy, pandas and scipy, so it is not a dev dependency; run "
            "`bash scripts/bench_agreement.sh` to time it in a venv of its own"
        )

    def irrcac(d: FloatArray) -> float:
        with warnings.catch_warnings():  # irrCAC's own pandas SettingWithCopyWarning
            warnings.simplefilter("ignore")
            result = raw.CAC(pd.DataFrame(d.T), digits=15).krippendorff()
        return float(result["est"]["coefficient_value"])

    impls["irrcac"] = irrcac
    return impls, None


def run(args: argparse.Namespace) -> dict[str, Any]:
    binary, nominal = make_data(
        args.units, args.coders, args.codes, args.categories, args.missing, args.seed
    )
    impls, irrcac_reason = implementations()
    tasks: dict[str, Callable[[Callable[[FloatArray], float]], list[float]]] = {
        f"per-code alpha, {args.codes} binary codes": lambda f: [f(b) for b in binary],
        f"alpha, 1 nominal variable of {args.categories} categories": lambda f: [f(nominal)],
    }
    times: dict[str, dict[str, list[float]]] = {t: {n: [] for n in impls} for t in tasks}
    values: dict[str, dict[str, list[float]]] = {t: {} for t in tasks}
    with threadpool_limits(limits=1):
        blas = [
            f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}), "
            f"{i['num_threads']} thread(s)"
            for i in threadpool_info()
            if i["user_api"] == "blas"
        ]
        for _ in range(args.repeat):  # round by round: the machine's load falls on all alike
            for task, run_task in tasks.items():
                for name, func in impls.items():
                    seconds, vals = timed(lambda f=func, r=run_task: r(f))  # type: ignore[misc]
                    times[task][name].append(seconds)
                    values[task][name] = vals
    results = {t: {n: summary(v) for n, v in by.items()} for t, by in times.items()}
    max_diff = {
        name: max(
            float(np.max(np.abs(np.subtract(values[task][name], values[task]["coder"]))))
            for task in values
        )
        for name in impls
        if name != "coder"
    }
    per_run = {
        name: [sum(times[task][name][r] for task in times) for r in range(args.repeat)]
        for name in impls
    }
    totals = {name: summary(v) for name, v in per_run.items()}
    vs_coder = {
        name: summary(ratios(per_run[name], per_run["coder"]), 2)
        for name in impls
        if name != "coder"
    }
    return {
        "units": args.units,
        "coders": args.coders,
        "binary_codes": args.codes,
        "categories": args.categories,
        "missing_share": args.missing,
        "seed": args.seed,
        "repeat": args.repeat,
        "how": "every implementation run --repeat times, round by round; median (min-max)",
        "blas": blas,
        "blas_threads_limit": 1,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "tasks": results,
        "max_abs_difference_vs_coder": max_diff,
        "coder_s": totals["coder"],
        "krippendorff_s": totals["krippendorff"],
        "irrcac_s": totals.get("irrcac"),
        "ratio_to_coder": vs_coder,
        "irrcac_reason": irrcac_reason,
    }


def table(result: dict[str, Any]) -> str:
    """The result as a fixed-width text table (seconds, median (min-max)), with the total's
    ratios to coder."""
    names = ["coder", "krippendorff", "irrcac"]
    head = f"{'task':<48} " + " ".join(f"{n + ' s':>22}" for n in names)
    lines = [head, "-" * len(head)]
    rows = [*result["tasks"].items(), ("total", {n: result[f"{n}_s"] for n in names})]
    for task, times in rows:
        cells = [times.get(n) for n in names]
        text = " ".join(f"{fmt(c, 3):>22}" if c is not None else f"{'n/a':>22}" for c in cells)
        lines.append(f"{task:<48} {text}")
    lines.append("")
    lines.append(
        "total, ratio to coder (median (min-max) of the rounds): "
        + ", ".join(f"{n} {fmt(r, 1)}x" for n, r in result["ratio_to_coder"].items())
    )
    lines.append(
        f"{result['units']:,} units x {result['coders']} coders, "
        f"{result['missing_share']:.0%} of (coder, unit) cells missing; {result['repeat']} "
        f"round(s), every implementation once per round; BLAS limited to 1 thread: "
        f"{'; '.join(result['blas'])}"
    )
    diffs = result["max_abs_difference_vs_coder"]
    lines.append(
        "max |alpha difference| from coder: "
        + ", ".join(f"{name} {diff:.1e}" for name, diff in diffs.items())
    )
    if result["irrcac_s"] is None:
        lines.append(f"irrCAC: not timed: {result['irrcac_reason']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--coders", type=int, default=5)
    parser.add_argument("--codes", type=int, default=50)
    parser.add_argument("--categories", type=int, default=20)
    parser.add_argument("--missing", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=REPEAT, help="rounds (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    result = run(args)
    print(table(result))
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
