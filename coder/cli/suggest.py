"""The suggestion commands: ``coder train``, ``coder suggest`` and ``coder sample``.

A thin adapter over :mod:`coder.suggest.train`, :mod:`coder.suggest.write` and
:mod:`coder.suggest.sampling`; registered on the main group by
:mod:`coder.cli.main`.
Nothing here prints contribution text: ideas are named by id.
"""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.common import errors, project_dir, show, table_output

STRATEGIES = ("stratified", "uncertainty", "diversity")

embedding_option = click.option(
    "--embedding-model",
    default=None,
    metavar="NAME|PATH",
    help="Sentence-transformers model: a local folder or a cached hub name "
    "(default: the packaged all-MiniLM-L6-v2). Nothing is downloaded.",
)


backend_option = click.option(
    "--backend",
    type=click.Choice(("auto", "onnx-int8", "torch", "torch-int8")),
    default="auto",
    show_default=True,
    help="How to run the embedding model. auto: onnx-int8 for the packaged model (int8 with "
    "onnxruntime, about 2.5x faster, built once and cached), torch for any other; torch: "
    "fp32; torch-int8: torch's int8, batch-dependent (see docs/suggestions.md).",
)


@click.command()
@project_dir
@click.option(
    "--include-reference",
    is_flag=True,
    help="Also learn from reference codings (e.g. an analysts' gold coding).",
)
@click.option(
    "--min-examples",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Fewest examples a code needs; codes with fewer are reported, never guessed.",
)
@click.option(
    "--abstain-below",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Route an item to a human when the model's confidence in it is below this.",
)
@embedding_option
@backend_option
@errors
def train(
    project_dir: Path,
    include_reference: bool,
    min_examples: int,
    abstain_below: float,
    embedding_model: str | None,
    backend: str,
) -> None:
    """Train a suggestion model on the human codings in the store (PROJECT_DIR/models/)."""
    from coder.data.store import open_project
    from coder.suggest.lookup import project_embedder
    from coder.suggest.settings import TrainingSettings
    from coder.suggest.train import train as run

    settings = TrainingSettings(
        include_reference=include_reference,
        min_examples=min_examples,
        abstain_below=abstain_below,
    )
    with open_project(project_dir) as project:
        embedder = project_embedder(project, embedding_model, progress=True, backend=backend)
        report = run(project, embedder, settings, echo=lambda s: click.echo(s, err=True))
    click.echo(f"Model {report.model.model_id} written to {report.folder}")
    for frame, n in report.items.items():
        few = report.too_few.get(frame, [])
        note = f"; not enough examples for: {', '.join(few)}" if few else ""
        click.echo(f"  {frame}: {n} training ideas{note}")
    click.echo(f"Model card: {report.folder / 'README.md'}")


@click.command()
@project_dir
@click.option("--model", "model_id", help="Model id (default: the newest trained model).")
@click.option("--all", "all_ideas", is_flag=True, help="Also suggest for ideas humans have coded.")
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run embedding and prediction on a Dask cluster at ADDRESS ('local' starts a "
    "two-worker LocalCluster).",
)
@click.option(
    "--route-share",
    type=click.FloatRange(0, 1),
    help="Route at most this share of the ideas to humans (the least confident of those "
    "below the model's confidence cut), e.g. 0.25 for a human budget of a quarter.",
)
@click.option(
    "--target-f1",
    type=click.FloatRange(0, 1, min_open=True),
    help="Route to humans the ideas below the confidence at which the model's cross-validated "
    "micro-F1 reaches this (e.g. 0.85, about two human coders' agreement); the model decides "
    "the rest.",
)
@embedding_option
@errors
def suggest(
    project_dir: Path,
    model_id: str | None,
    all_ideas: bool,
    scheduler: str | None,
    route_share: float | None,
    target_f1: float | None,
    embedding_model: str | None,
) -> None:
    """Write code suggestions with scores into the store; human codings are never touched."""
    from coder.data.store import open_project
    from coder.suggest.lookup import load_latest_model, model_embedder
    from coder.suggest.write import suggest as run

    with open_project(project_dir) as project:
        model = load_latest_model(project, model_id)
        embedder = None
        if scheduler is None:  # the embedding model and backend the model was trained with
            embedder = model_embedder(project, model, progress=True, name=embedding_model)
        report = run(
            project,
            model,
            embedder,
            all_ideas_too=all_ideas,
            scheduler=scheduler,
            route_share=route_share,
            target_f1=target_f1,
            echo=lambda s: click.echo(s, err=True),
        )
    rate = report.abstained / report.ideas if report.ideas else 0.0
    why = "low confidence" if target_f1 is None else f"below the cut for micro-F1 {target_f1:g}"
    click.echo(
        f"{report.ideas} ideas: {report.suggested_codes} codes suggested by {report.model_id}; "
        f"{report.abstained} ({rate:.1%}) routed to a human ({why}); the model decides "
        f"{report.ideas - report.abstained} ({1 - rate if report.ideas else 0.0:.1%})"
    )
    for frame, cut in report.cuts.items():
        if cut is None:
            click.echo(
                f"  {frame}: no confidence reaches micro-F1 {target_f1:g} out of fold; "
                "every idea is routed"
            )
        else:
            click.echo(
                f"  {frame}: confidence >= {cut.confidence:.3f}; out of fold that decided "
                f"{cut.coverage:.1%} of the training ideas at micro-F1 {cut.micro_f1:.3f}"
            )
    for frame, codes in report.not_trained.items():
        if codes:
            click.echo(f"  {frame}: not enough examples for {', '.join(codes)} (not suggested)")


@click.command()
@project_dir
@click.option("--n", "n", type=click.IntRange(min=1), required=True, help="How many ideas.")
@click.option(
    "--strategy",
    type=click.Choice(STRATEGIES),
    default="stratified",
    show_default=True,
    help="stratified: by question and suggested code; uncertainty: least confident "
    "suggestions first; diversity: farthest from what is coded.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@table_output("table")
@errors
def sample(project_dir: Path, n: int, strategy: str, seed: int, fmt: str, out: Path | None) -> None:
    """Choose the next N uncoded ideas worth coding (ids only, never their text)."""
    from coder.data.store import open_project
    from coder.loop import next_ideas

    with open_project(project_dir) as project:
        table = next_ideas(project, n, strategy, seed=seed)
    show(table, fmt, out, title=f"Next {n} ideas to code ({strategy})")


COMMANDS: list[click.Command] = [train, suggest, sample]
