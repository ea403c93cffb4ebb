"""Which codings an agreement report compares: a project's coders, or a long table's."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from coder.agreement.report import CodingSet, from_long_table, from_project
from coder.data.codings import coders as coder_kinds
from coder.data.store import Project


def project_codings(
    project: Project, coders: Sequence[str] | None = None, model: str | None = None
) -> tuple[CodingSet, str | None]:
    """The codings to compare in a project, and the coder to treat as the model.

    Parameters
    ----------
    coders
        The coders to compare (default: every human coder).
    model
        The coder to treat as the model (default: the project's model coder, if any).

    Returns
    -------
    The coding set of ``coders`` and the model, and the model's coder id (None: no model).
    """
    known = coder_kinds(project)
    if model is None:
        model = next((c for c, k in known.items() if k == "model"), None)
    wanted = list(coders) if coders else [c for c, k in known.items() if k == "human"]
    return from_project(project, [*wanted, *([model] if model else [])]), model


def table_codings(path: str | Path, coders: Sequence[str] | None = None) -> CodingSet:
    """The codings of a long table ``item_id, coder, frame, code`` (only ``coders``, when
    given; coders the table lacks are left out)."""
    cs = from_long_table(path)
    if coders:
        cs.codings = {c: cs.codings[c] for c in coders if c in cs.codings}
    return cs
