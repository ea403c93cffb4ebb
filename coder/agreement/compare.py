"""Which codings an agreement report compares: a project's coders, or a codings file's."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from coder.agreement.codingset import CodingSet, from_long_table, from_project
from coder.agreement.model import ModelDecisions, add_decisions, stored_scope
from coder.data.codebook import Codebook
from coder.data.codings import coders as coder_kinds
from coder.data.store import Project
from coder.errors import NotFoundError


def project_codings(
    project: Project,
    coders: Sequence[str] | None = None,
    model: str | None = None,
    decisions: ModelDecisions | None = None,
) -> tuple[CodingSet, str | None]:
    """The codings to compare in a project, and the coder to treat as the model.

    Parameters
    ----------
    coders
        The coders to compare (default: every human coder).
    model
        The coder to treat as the model (default: the model of ``decisions``, else the
        project's model coder, if any).
    decisions
        The model's out-of-fold decisions (see :mod:`coder.agreement.model`): its codes on the
        items humans coded, each decided by a model trained without it. Without them a model
        coder is scored on its stored suggestions, routed items and untrained codes left out.

    Returns
    -------
    The coding set of ``coders`` and the model, and the model's coder id (None: no model).
    """
    known = coder_kinds(project)
    if decisions is not None and model in (None, decisions.model_id):
        model = decisions.model_id
    elif model is None:
        model = next((c for c, k in known.items() if k == "model"), None)
    wanted = list(coders) if coders else [c for c, k in known.items() if k == "human"]
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise NotFoundError(
            f"no coder {', '.join(map(repr, unknown))} in this project (coders: "
            f"{', '.join(known) or 'none'}); give coders of `coder codings list`"
        )
    stored = [model] if model in known else []
    cs = from_project(project, [*wanted, *stored])
    if decisions is not None and model == decisions.model_id:
        add_decisions(cs, decisions)
    elif model in known and (scope := stored_scope(project, model)) is not None:
        cs.scopes[model] = scope
    elif model is not None and model not in known:
        raise NotFoundError(
            f"no coder {model!r} in this project to treat as the model (coders: "
            f"{', '.join(known) or 'none'})"
        )
    return cs, model


def table_codings(
    path: str | Path,
    coders: Sequence[str] | None = None,
    *,
    codebook: Codebook | None = None,
    model: str | None = None,
    sheet: str | None = None,
) -> CodingSet:
    """The codings of a codings file, checked (see
    :func:`~coder.agreement.codingset.from_long_table`): ``coders`` are the humans to compare,
    ``model`` the coder that is the model; other coders' rows are left out, and said."""
    return from_long_table(path, codebook, coders, model, sheet)
