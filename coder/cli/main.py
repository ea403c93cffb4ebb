"""The ``coder`` command: a thin adapter over the library.

Each command parses its arguments, calls the library and turns coder's exceptions into a clean
message on stderr and a non-zero exit code. No logic lives here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from coder.cli.common import errors as _errors
from coder.cli.common import in_file, project_dir
from coder.data import cells
from coder.errors import CoderError

FORMATS = ("csv", "json", "markdown", "xlsx")


@click.group()
@click.version_option(package_name="coder")
def main() -> None:
    """coder: thematic coding of crowdsourced contributions, with vote-weighted crosstabs.

    Start with `coder demo --out demo` to see the whole job on the bundled example workshop.
    """


@main.command()
@project_dir
@click.option("--codebook", type=in_file, help="Codebook YAML (default: the report's codebook).")
@_errors
def init(project_dir: Path, codebook: Path | None) -> None:
    """Create PROJECT_DIR with a codebook and an empty store."""
    from coder.data.store import init_project

    with init_project(project_dir, codebook) as project:
        click.echo(
            f"Created {project.path} (codebook {project.codebook.id}, "
            f"version {project.codebook.hash})"
        )


@main.command()
@project_dir
@click.option("--ideas", type=in_file, help="Ideas: idea_id, question, text, author_id, ...")
@click.option("--comments", type=in_file, help="Comments: comment_id, idea_id, text, author_id.")
@click.option("--votes", type=in_file, help="Votes: voter_id, target_id, value (+1 or -1).")
@click.option(
    "--participants", type=in_file, help="Participants: participant_id and questionnaire columns."
)
@_errors
def ingest(
    project_dir: Path,
    ideas: Path | None,
    comments: Path | None,
    votes: Path | None,
    participants: Path | None,
) -> None:
    """Validate and store a platform export (CSV, XLSX or JSONL), all or nothing."""
    from rich.console import Console

    from coder.data.contributions import ingest as run
    from coder.data.store import open_project

    with open_project(project_dir) as project, Console(stderr=True).status("Ingesting..."):
        report = run(
            project, ideas=ideas, comments=comments, votes=votes, participants=participants
        )
    for kind, c in report.counts.items():
        click.echo(f"{kind}: {c.inserted} new, {c.updated} updated, {c.unchanged} unchanged")


@main.command()
@project_dir
@click.argument("idea_id", required=False)
@click.option("--to", "to_question", help="The question to analyse the idea under.")
@click.option("--reason", default="", help="Why it was moved (kept with the idea).")
@click.option(
    "--file", "moves_file", type=in_file, help="A table of moves: idea_id, to_question, reason."
)
@_errors
def move(
    project_dir: Path,
    idea_id: str | None,
    to_question: str | None,
    reason: str,
    moves_file: Path | None,
) -> None:
    """Analyse an idea under another question; its original question is kept."""
    from coder.data.contributions import move_ideas, read_moves
    from coder.data.store import open_project

    if moves_file is not None:
        moves = read_moves(moves_file)
    elif idea_id and to_question:
        moves = [(idea_id, to_question, reason)]
    else:
        raise click.UsageError("give IDEA_ID with --to QUESTION, or --file MOVES")
    with open_project(project_dir) as project:
        n = move_ideas(project, moves)
    click.echo(f"{n} ideas moved")


@main.group()
def codings() -> None:
    """Import and list codings (sets of codes per idea and coder)."""


@codings.command("import")
@project_dir
@click.argument("file", type=in_file)
@click.option(
    "--kind",
    type=click.Choice(["human", "reference", "final"]),
    default="human",
    show_default=True,
    help="What the coders in the file are.",
)
@_errors
def codings_import(project_dir: Path, file: Path, kind: str) -> None:
    """Import a long coding table: idea_id, coder, frame, code[, reason]."""
    from coder.data.codings import read_codings, store_codings
    from coder.data.store import open_project

    with open_project(project_dir) as project:
        data = read_codings(project, file)
        n = store_codings(project, data, kind=kind)
    click.echo(f"{len(data)} codings read, {n} new or changed")


@codings.command("list")
@project_dir
@_errors
def codings_list(project_dir: Path) -> None:
    """List the coders of a project and how many ideas each coded."""
    from coder.data.store import open_project

    with open_project(project_dir) as project:
        for coder, kind, n in project.conn.execute(
            "SELECT c.coder_id, c.kind, COUNT(k.idea_id) FROM coders c "
            "LEFT JOIN codings k USING (coder_id) GROUP BY c.coder_id ORDER BY c.coder_id"
        ):
            click.echo(f"{coder}\t{kind}\t{n} ideas")


def _pick_coder(project: Any, coder: str | None) -> str:
    from coder.data.codings import coders

    known = coders(project)
    if coder:
        return coder
    if "final" in known:
        return "final"
    raise CoderError(
        "no final codes yet: pass --coder NAME to tabulate one coder's codes "
        f"(coders: {', '.join(known) or 'none; import codings first'})"
    )


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}", err=True)


@main.command()
@project_dir
@click.option("--coder", help="Whose codes to tabulate (default: the final, reconciled codes).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="markdown", show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (required for xlsx).",
)
@_errors
def crosstab(project_dir: Path, coder: str | None, fmt: str, out: Path | None) -> None:
    """Ideas and net votes per code (one frame) or per cell (two frames), per question."""
    from coder.data.store import open_project
    from coder.tables import render as export
    from coder.tables.crosstab import crosstabs

    with open_project(project_dir) as project:
        tables = crosstabs(project, _pick_coder(project, coder))
        if fmt == "xlsx":
            if out is None:
                raise click.UsageError("--format xlsx needs --out FILE.xlsx")
            export.write_xlsx(project, out, tables=tables)
            click.echo(f"Wrote {out}", err=True)
        elif fmt == "csv":
            _emit(cells.safe(tables.table).to_csv(index=False, lineterminator="\n"), out)
        elif fmt == "json":
            _emit(export.to_json(tables.table) + "\n", out)
        else:
            _emit(export.crosstabs_markdown(project, tables), out)


@main.command()
@project_dir
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="markdown", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path))
@_errors
def balance(project_dir: Path, fmt: str, out: Path | None) -> None:
    """Balance of contributions (ideas + comments + votes) per question."""
    from coder.data.store import open_project
    from coder.tables import render as export
    from coder.tables.crosstab import balance as run

    with open_project(project_dir) as project:
        df = run(project)
        _write(project, df, fmt, out, export.balance_markdown, "balance")


@main.command()
@project_dir
@click.option(
    "--suppress-below",
    type=click.IntRange(min=1),
    help="Blank counts under N (and percentages from them) for publication.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="markdown", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path))
@_errors
def profile(project_dir: Path, suppress_below: int | None, fmt: str, out: Path | None) -> None:
    """Participants and contributors per questionnaire answer."""
    from coder.data.store import open_project
    from coder.tables import render as export
    from coder.tables.crosstab import profile as run

    with open_project(project_dir) as project:
        df = run(project, suppress_below)
        _write(project, df, fmt, out, export.profile_markdown, "profile")


def _write(
    project: Any, df: Any, fmt: str, out: Path | None, markdown: Callable[[Any], str], name: str
) -> None:
    from coder.tables import render as export

    if fmt == "xlsx":
        if out is None:
            raise click.UsageError("--format xlsx needs --out FILE.xlsx")
        export.write_xlsx(project, out, **{name: df})
        click.echo(f"Wrote {out}", err=True)
    elif fmt == "csv":
        _emit(cells.safe(df).to_csv(index=False, lineterminator="\n"), out)
    elif fmt == "json":
        _emit(export.to_json(df) + "\n", out)
    else:
        _emit(markdown(df), out)


@main.command()
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
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "markdown"]),
    default="table",
    show_default=True,
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--disagreements",
    type=click.Path(dir_okay=False, path_type=Path),
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
@_errors
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
    from coder.agreement import report as reliability
    from coder.data.store import open_project
    from coder.tables import render as export

    if (project_dir is None) == (input_file is None):
        raise click.UsageError("give PROJECT_DIR or --input FILE (one of them)")
    chosen = [c.strip() for c in coders.split(",")] if coders else None
    if input_file is not None:
        cs = reliability.from_long_table(input_file)
        if chosen:
            cs.codings = {c: cs.codings[c] for c in chosen if c in cs.codings}
    else:
        assert project_dir is not None
        with open_project(project_dir) as project:
            from coder.data.codings import coders as kinds

            known = kinds(project)
            if model is None:
                model = next((c for c, k in known.items() if k == "model"), None)
            wanted = chosen or [c for c, k in known.items() if k == "human"]
            cs = reliability.from_project(project, [*wanted, *([model] if model else [])])
    report = reliability.reliability_report(cs, model=model, seed=seed, n_boot=n_boot)
    if disagreements is not None:
        export.write_csv(reliability.disagreements(cs, report.coders), disagreements)
        click.echo(f"Wrote {disagreements}", err=True)
    single = ", ".join(f"{c}: {n}" for c, n in report.single_coded.items())
    if fmt == "csv":
        _emit(cells.safe(report.table).to_csv(index=False, lineterminator="\n"), out)
    elif fmt == "json":
        _emit(export.to_json(report.table) + "\n", out)
    elif fmt == "markdown":
        parts = [f"Items coded by one coder only (not in the statistics): {single}"]
        for name, df in reliability.wide_tables(report).items():
            parts.append(f"### {reliability.TITLES[name]}\n\n" + export.frame_markdown(df))
        _emit("\n\n".join(parts) + "\n", out)
    else:
        from rich.console import Console
        from rich.table import Table

        console = Console(width=None if sys.stdout.isatty() else 200)
        for name, df in reliability.wide_tables(report).items():
            table = Table(title=reliability.TITLES[name], title_justify="left")
            for col in df.columns:
                table.add_column(str(col))
            for row in df.itertuples(index=False):
                table.add_row(*["" if v is None else str(v) for v in row])
            console.print(table)
        console.print(f"Items coded by one coder only (not in the statistics): {single}")


@main.command()
@project_dir
@click.option(
    "--include-unreviewed",
    is_flag=True,
    help="Let model suggestions no one reviewed count (they are flagged everywhere).",
)
@click.option("--model", "model_id", help="The suggestion model to use (default: the latest).")
@_errors
def reconcile(project_dir: Path, include_unreviewed: bool, model_id: str | None) -> None:
    """Merge coders', adjudicators' and reviewed model codes into final codes, with provenance."""
    from coder.data.store import open_project
    from coder.reconcile.rules import reconcile as run

    with open_project(project_dir) as project:
        summary = run(project, include_unreviewed=include_unreviewed, model_id=model_id)
    click.echo("Items: " + ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items())))
    click.echo(
        "Final codes by rule: "
        + (", ".join(f"{n} {r}" for r, n in sorted(summary.rules.items())) or "none")
    )
    click.echo(
        f"{summary.changed} final codings changed"
        + (f"; model {summary.model_version}" if summary.model_version else "")
    )
    queued = summary.statuses.get("queued", 0)
    if queued:
        click.echo(
            f"{queued} items wait for an adjudicator: coder adjudicate {project_dir} "
            "--export queue.xlsx"
        )


@main.command()
@project_dir
@click.option(
    "--export",
    "export_to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the adjudication queue to this XLSX workbook.",
)
@click.option(
    "--import",
    "import_from",
    type=in_file,
    help="Read an adjudicated workbook back and store its decisions.",
)
@click.option("--adjudicator", help="Who decided (required with --import).")
@click.option("--note", default="", help="A note kept with the decisions.")
@_errors
def adjudicate(
    project_dir: Path,
    export_to: Path | None,
    import_from: Path | None,
    adjudicator: str | None,
    note: str,
) -> None:
    """Hand the adjudication queue to an adjudicator as a workbook, and take decisions back."""
    from coder.data.redact import redact_cached
    from coder.data.store import open_project
    from coder.reconcile import adjudicate as adj

    if (export_to is None) == (import_from is None):
        raise click.UsageError("give --export FILE.xlsx or --import FILE.xlsx")
    with open_project(project_dir) as project:
        if export_to is not None:
            n = adj.write_queue(project, export_to, lambda t: redact_cached(project, t))
            click.echo(f"Wrote {n} queued items to {export_to}")
            return
        if not adjudicator:
            raise click.UsageError("--import needs --adjudicator NAME")
        assert import_from is not None
        decisions = adj.read_decisions(project, import_from)
        n = adj.store_decisions(project, decisions, adjudicator, note)
    click.echo(f"Stored {n} decisions by {adjudicator}; run `coder reconcile {project_dir}`")


@main.command()
@project_dir
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
    show_default=True, help="How to print the status.",
)  # fmt: skip
@_errors
def status(project_dir: Path, fmt: str) -> None:
    """Where the project stands in the coding loop, and the next step to take."""
    import json

    from coder.data.store import open_project
    from coder.loop import status as run

    with open_project(project_dir) as project:
        st = run(project)
    rows = st.rows()
    if fmt == "json":
        click.echo(json.dumps(dict(rows), indent=2))
    elif fmt == "csv":
        click.echo("what,value")
        for what, value in rows:
            click.echo(f"{what.strip()},{json.dumps(str(value))}")
    else:
        width = max(len(w) for w, _ in rows)
        for what, value in rows:
            click.echo(f"{what:<{width}}  {value}")


@main.command()
@project_dir
@click.argument("item_id")
@_errors
def history(project_dir: Path, item_id: str) -> None:
    """An item's whole story: ingestion, moves, codings, adjudication, final codes."""
    from coder.data.audit import history as run
    from coder.data.store import open_project

    with open_project(project_dir) as project:
        entries = run(project, item_id)
    for r in entries:
        change = f"{r['before'] or '-'} -> {r['after']}" if r["before"] or r["after"] else ""
        coder = r["coder_id"]
        who = r["actor"] + (f" (coder {coder})" if coder and coder != r["actor"] else "")
        why = "; ".join(x for x in (r["reason"], r["ref"]) if x)
        reason = f"  [{why}]" if why else ""
        click.echo(f"{r['at']}  {r['action']:<12} {who}: {change}{reason}")


@main.command()
@project_dir
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="report.html (one self-contained page) or report.xlsx.",
)
@click.option("--coder", default="final", show_default=True, help="Whose codes to report.")
@click.option(
    "--suppress-below",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Blank profile counts under N (0: none).",
)
@_errors
def report(project_dir: Path, out: Path, coder: str, suppress_below: int) -> None:
    """The report: tables, heatmaps, reliability, the model, quotes and the profile."""
    from coder.data.store import open_project
    from coder.tables.report import build_report, write_report

    with open_project(project_dir) as project:
        parts = build_report(project, coder, suppress_below or None)
        write_report(project, out, parts)
    click.echo(f"Wrote {out}")


@main.group()
def codebook() -> None:
    """Check and show codebooks."""


@codebook.command("check")
@click.argument("file", type=in_file, required=False)
@_errors
def codebook_check(file: Path | None) -> None:
    """Validate a codebook YAML file (default: the report's) and print its version hash."""
    from coder.data.codebook import load_codebook

    cb = load_codebook(file)
    codes = sum(len(f.codes) for f in cb.frames)
    click.echo(
        f"{cb.id}: {len(cb.questions)} questions, {len(cb.frames)} frames, {codes} codes; "
        f"version {cb.hash}"
    )


@codebook.command("migrate")
@project_dir
@click.argument("new_codebook", type=in_file)
@click.option("--rename", "renames", multiple=True, help="FRAME:OLD=NEW (repeatable).")
@click.option("--merge", "merges", multiple=True, help="FRAME:A+B=C (repeatable).")
@click.option(
    "--split",
    "splits",
    multiple=True,
    help="FRAME:OLD=X+Y (repeatable): OLD is removed and its ideas listed to recode.",
)
@_errors
def codebook_migrate(
    project_dir: Path,
    new_codebook: Path,
    renames: tuple[str, ...],
    merges: tuple[str, ...],
    splits: tuple[str, ...],
) -> None:
    """Move a project to a changed codebook, carrying stored codes across (with audit)."""
    from coder.data.migrate import migrate_codebook
    from coder.data.store import open_project

    with open_project(project_dir) as project:
        report = migrate_codebook(project, new_codebook, renames, merges, splits)
    click.echo(
        f"Codebook is now version {report.codebook_hash}; {report.changed} codings "
        "rewritten. Models trained on the old codebook are refused from now on."
    )
    if report.to_recode:
        click.echo(f"{len(report.to_recode)} codings lost a split code and need recoding:")
        for idea, coder, code in report.to_recode:
            click.echo(f"  {idea}\t{coder}\t{code}")


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Folder for the demo project and its outputs.",
)
@click.option(
    "--with-studio",
    is_flag=True,
    help="Run every coding and review round through a real Label Studio (started locally).",
)
@click.option(
    "--keep-studio",
    is_flag=True,
    help="With --with-studio: leave the Label Studio server running at the end.",
)
@click.option(
    "--tables-only",
    is_flag=True,
    help="Stop after the report's tables from the gold coding (no model, no report).",
)
@_errors
def demo(out: Path, with_studio: bool, keep_studio: bool, tables_only: bool) -> None:
    """Run the main job on the bundled example workshop and write its outputs to --out."""
    from coder.demo.example import run_demo

    result = run_demo(
        out,
        echo=click.echo,
        full=not tables_only,
        with_studio=with_studio,
        keep_studio=keep_studio,
    )
    click.echo("Wrote:")
    for path in result.files:
        click.echo(f"  {path}")


from coder.cli.suggest import COMMANDS as _SUGGEST  # noqa: E402

for _command in _SUGGEST:
    main.add_command(_command)

from coder.cli.studio import COMMANDS as _STUDIO  # noqa: E402

for _command in _STUDIO:
    main.add_command(_command)
