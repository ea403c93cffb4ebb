"""``coder agreement``: inter-rater reliability (a thin adapter over :mod:`coder.agreement`).

Registered by :mod:`coder.cli.main`.
"""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.common import errors, in_file, out_file, problems_option, show, table_output


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
    help="A long table item_id, coder, frame, code instead of a project.",
)
@click.option("--coders", help="Comma-separated coders to compare (default: all human coders).")
@click.option("--model", help="The coder to treat as the model (default: the project's model).")
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
    coders: str | None,
    model: str | None,
    fmt: str,
    out: Path | None,
    disagreements: Path | None,
    n_boot: int,
    seed: int,
) -> None:
    """Inter-rater reliability: per code, per frame, coder by coder, and for the model."""
    from coder.agreement.compare import project_codings, table_codings
    from coder.agreement.report import disagreements as disagreeing
    from coder.agreement.report import reliability_report
    from coder.data.store import open_project
    from coder.tables.layouts import agreement_sections

    chosen = [c.strip() for c in coders.split(",")] if coders else None
    if input_file is not None and project_dir is None:
        cs = table_codings(input_file, chosen)
    elif project_dir is not None and input_file is None:
        with open_project(project_dir) as project:
            cs, model = project_codings(project, chosen, model)
    else:
        raise click.UsageError("give PROJECT_DIR or --input FILE (one of them)")
    report = reliability_report(cs, model=model, seed=seed, n_boot=n_boot)
    if disagreements is not None:
        show(disagreeing(cs, report.coders), "csv", disagreements)
    show(agreement_sections(report), fmt, out, title="Inter-rater reliability")


COMMANDS: list[click.Command] = [agreement]
