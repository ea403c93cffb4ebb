"""A project's suggestion models: the folder they live in, the embedder that caches its vectors
there, and the model to use, found once (:func:`load_latest_model`).

Which model is the newest is a store query, :func:`coder.data.queries.latest_model_id`; this
module loads it. Also the stage's error, :class:`SuggestError`.
"""

from __future__ import annotations

from collections.abc import Callable

from coder.data.queries import model_ids, model_record
from coder.data.store import Project
from coder.errors import CoderError, NotFoundError
from coder.suggest.embeddings import AUTO, CACHE_NAME, Embedder, backend_of
from coder.suggest.models import SuggestionModel, load_model

MODELS_DIR = "models"
Echo = Callable[[str], None]


class SuggestError(CoderError):
    """Nothing to train on, no model yet, or a request the store cannot satisfy."""


def quiet(_: str) -> None:
    """An :data:`Echo` that says nothing."""
    return None


def project_embedder(
    project: Project, model: str | None = None, progress: bool = False, backend: str = AUTO
) -> Embedder:
    """An :class:`Embedder` caching its vectors in the project folder."""
    return Embedder(
        model, cache=project.path / MODELS_DIR / CACHE_NAME, progress=progress, backend=backend
    )


def model_embedder(
    project: Project, model: SuggestionModel, progress: bool = False, name: str | None = None
) -> Embedder:
    """The project's :class:`Embedder` for the embedding model and backend ``model`` was
    trained with (``name`` overrides the embedding model's name or path, e.g. a folder that
    has moved)."""
    return project_embedder(
        project,
        name or model.training.get("embedding_name"),
        progress=progress,
        backend=backend_of(model.training),
    )


def load_latest_model(project: Project, model_id: str | None = None) -> SuggestionModel:
    """Load the named model of the project, or its newest; refused if the codebook changed.

    Raises
    ------
    SuggestError
        when the project has no trained model.
    NotFoundError
        when it has no model ``model_id``.
    CodebookMismatchError
        when the model was trained on another version of the project's codebook.
    """
    record = model_record(project, model_id)
    if record is None and model_id is None:
        raise SuggestError(
            f"{project.path} has no trained model yet; run `coder train {project.path}`"
        )
    if record is None:
        known = model_ids(project)
        raise NotFoundError(
            f"no model {model_id!r} in this project (models: {', '.join(known) or 'none'})"
        )
    return load_model(project.path / record.path, project.codebook)
