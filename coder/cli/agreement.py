"""``coder agreement``: inter-rater reliability (a thin adapter over :mod:`coder.agreement`).

Registered by :mod:`coder.cli.main`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from coder.cli.common import errors, in_file, out_file, problems_option, show, table_output

if TYPE_CHECKING:
    from coder.agreement.model import ModelDecisions
    from coder.data.store import Project


@click.command()
@click.argument(
    "project_dir",
    required=False,
    type=click.Path(file_okay=False, path_type=Path),
    metavar="[PROJECT_DIR]",
)
@click.option(
    "--input",
    "input_file",
    type=in_file,
    help="A codings file instead of a project: item_id (or idea_id), coder, frame, code[, "
    "reason, question]; the file `coder codings import` reads (see docs/agreement.md).",
)
@click.option(
    "--codebook",
    "codebook_file",
    type=in_file,
    help="With --input: the codebook YAML the frames and codes must come from; unknown codes, "
    "wrong frames and conflicting rows are then errors, all listed at once.",
)
@click.option("--sheet", help="With --input: the sheet of a workbook to read (default: the first).")
@click.option(
    "--coders",
    help="Comma-separated coders to compare (default: all human coders). With --input, each "
    "must be in the file, and other coders' rows are left out.",
)
@click.option("--model", help="The coder to treat as the model (default: the project's model).")
@click.option(
    "--level",
    type=click.IntRange(min=1),
    help="Agreement on a code tree's codes at this depth (1: top-level codes): each deeper "
    "code counts as its ancestor there. Default: every code as coded. With --input and no "
    "--codebook, the tree is read from code names written as `parent->child`.",
)
@table_output("table")
@click.option(
    "--disagreements",
    type=out_file,
    help="Write the items coders disagree on, worst first, to this CSV.",
)
@click.option(
    "--n-boot",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Bootstrap resamples for the confidence intervals (0: none).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@problems_option
@errors
def agreement(
    project_dir: Path | None,
    input_file: Path | None,
    codebook_file: Path | None,
    sheet: str | None,
    coders: str | None,
    model: str | None,
    level: int | None,
    fmt: str,
    out: Path | None,
    disagreements: Path | None,
    n_boot: int,
    seed: int,
) -> None:
    """Inter-rater reliability: a headline per frame and overall, then per code, per frame,
    coder by coder, and for the model (scored only on what it decided)."""
    from coder.agreement.compare import project_codings, table_codings
    from coder.agreement.levels import at_level
    from coder.agreement.levels import depth as tree_depth
    from coder.agreement.report import disagreements as disagreeing
    from coder.agreement.report import reliability_report
    from coder.data.codebook import load_codebook
    from coder.data.store import open_project
    from coder.tables.layouts import agreement_sections

    chosen = [c.strip() for c in coders.split(",") if c.strip()] if coders else None
    why_not = ""
    if input_file is not None and project_dir is None:
        codebook = load_codebook(codebook_file) if codebook_file else None
        cs = table_codings(input_file, chosen, codebook=codebook, model=model, sheet=sheet)
    elif project_dir is not None and input_file is None:
        if codebook_file is not None or sheet is not None:
            raise click.UsageError("--codebook and --sheet are for --input FILE")
        with open_project(project_dir) as project:
            decisions, why_not = _out_of_fold(project, model)
            cs, model = project_codings(project, chosen, model, decisions)
            codebook = project.codebook
    else:
        raise click.UsageError("give PROJECT_DIR or --input FILE (one of them)")
    rolled = ""
    if level is not None:
        deepest = tree_depth(cs, codebook)
        cs = at_level(cs, level, codebook)
        rolled = (
            f"Codes rolled up to level {level} of {deepest}: a code counts as applied when it "
            "or any code under it was."
            if level < deepest
            else f"--level {level}: the code trees are {deepest} deep, so every code is as coded."
        )
    report = reliability_report(cs, model=model, seed=seed, n_boot=n_boot)
    if rolled:
        report.notes.insert(0, rolled)
    if why_not and model is not None:
        report.notes.append(why_not)
    if disagreements is not None:
        show(disagreeing(cs, report.coders), "csv", disagreements)
    if report.found is not None and fmt in ("csv", "json"):
        from coder.tables.render import to_text

        click.echo(to_text(report.found, "table", title="What the codings file holds"), err=True)
    show(agreement_sections(report), fmt, out, title="Inter-rater reliability")


def _out_of_fold(project: Project, model: str | None) -> tuple[ModelDecisions | None, str]:
    """The out-of-fold decisions of the project's model (``model``, or its newest), for
    :func:`coder.agreement.compare.project_codings`; or None and why there are none."""
    from coder.agreement.model import FrameDecisions, ModelDecisions
    from coder.data.queries import model_record

    record = model_record(project, model)
    if record is None:
        return None, ""
    from coder.suggest.models import ModelFolderError, load_model

    try:
        loaded = load_model(project.path / record.path, project.codebook)
    except ModelFolderError as exc:
        return None, f"The model's out-of-fold decisions could not be read ({exc})."
    if not loaded.oof:
        return None, (
            "The model folder holds no out-of-fold decisions (saved by an older coder); "
            "retrain with `coder train` to score the model on the items humans coded."
        )
    frames = {}
    for frame_id, oof in loaded.oof.items():
        codes = list(loaded.frames[frame_id]["codes"])
        head = loaded.heads[frame_id]
        frames[frame_id] = FrameDecisions(
            oof.ideas,
            codes,
            oof.decisions,
            {c: s for c, s in zip(codes, head.status_, strict=True) if s != "trained"},
            getattr(oof, "confidence", None),  # kept by models trained since routing by quality
            float(head.abstain_below),
        )
    return ModelDecisions(loaded.model_id, frames), ""


COMMANDS: list[click.Command] = [agreement]
