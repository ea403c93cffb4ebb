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


int8_option = click.option(
    "--int8",
    is_flag=True,
    help="Quantise the embedding model to int8 (about 3x faster, same suggestion quality on "
    "the NHS benchmark; see docs/suggestions.md).",
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
@int8_option
@errors
def train(
    project_dir: Path,
    include_reference: bool,
    min_examples: int,
    abstain_below: float,
    embedding_model: str | None,
    int8: bool,
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
        embedder = project_embedder(project, embedding_model, progress=True, int8=int8)
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
@embedding_option
@errors
def suggest(
    project_dir: Path,
    model_id: str | None,
    all_ideas: bool,
    scheduler: str | None,
    route_share: float | None,
    embedding_model: str | None,
) -> None:
    """Write code suggestions with scores into the store; human codings are never touched."""
    from coder.data.store import open_project
    from coder.suggest.lookup import load_latest_model, project_embedder
    from coder.suggest.write import suggest as run

    with open_project(project_dir) as project:
        model = load_latest_model(project, model_id)
        embedder = None
        if scheduler is None:
            name = embedding_model or model.training.get("embedding_name")
            int8 = bool(model.training.get("embedding_int8", False))
            embedder = project_embedder(project, name, progress=True, int8=int8)
        report = run(
            project,
            model,
            embedder,
            all_ideas_too=all_ideas,
            scheduler=scheduler,
            route_share=route_share,
            echo=lambda s: click.echo(s, err=True),
        )
    rate = report.abstained / report.ideas if report.ideas else 0.0
    click.echo(
        f"{report.ideas} ideas: {report.suggested_codes} codes suggested by {report.model_id}; "
        f"{report.abstained} ({rate:.0%}) routed to a human (low confidence)"
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
