"""Model folders: a trained suggestion model as plain files that load without executing code.

A folder ``<models>/<model_id>/`` holds:

``config.json``
    format version, model id, codebook id and hash, the frames with their codes in order, the
    questions each frame applies to, thresholds per code, the embedding model id, the feature
    settings (TF-IDF vocabulary), the training-data hash and label policy, the training settings
    (``"settings"``, see :mod:`coder.suggest.settings`; folders written before they were kept
    give them back from the heads' parameters), library versions.
``head.npz``
    the fitted arrays (coefficients, calibration, thresholds, IDF weights); read with
    ``allow_pickle=False``. Models trained since out-of-fold decisions are kept also hold, per
    frame, ``_oof.<frame>.ideas`` (the idea ids of the training items that have an out-of-fold
    prediction) and ``_oof.<frame>.decisions`` (0/1, items x codes in the frame's order): what
    the model suggested for each training item in the cross-validation fold that left it out.
    Models trained since routing by target quality add ``_oof.<frame>.confidence`` (the
    model's confidence in each of those decisions) and ``_oof.<frame>.labels`` (the items'
    0/1 training labels): the cross-validated coverage-quality curve
    (:meth:`OutOfFold.curve`, :mod:`coder.suggest.coverage`) is made from them.
    A folder without them loads as before; its :attr:`SuggestionModel.oof` is empty.
``README.md``
    the model card: per code the training examples and cross-validated precision, recall and
    F1, library versions and the date.

The model id is a digest of ``config.json`` and the arrays, so a model folder's id names exactly
one model; loading checks the files against it. Loading against a project whose codebook hash
differs raises :class:`CodebookMismatchError`.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from coder.data.codebook import Codebook
from coder.errors import CoderError
from coder.suggest.classifier import TRAINED, CodeClassifier
from coder.suggest.coverage import CoverageCurve, coverage_curve
from coder.suggest.features import TextFeatures
from coder.suggest.settings import SettingsError, TrainingSettings, settings_of_folder

FORMAT = 1
CONFIG = "config.json"
HEAD = "head.npz"
CARD = "README.md"
OOF_PREFIX = "_oof."  # frame ids start with a letter or digit: no clash with a head's arrays
# the out-of-fold arrays of a frame: decisions only (older folders), or with confidence and labels
OOF_PARTS = ({"ideas", "decisions"}, {"ideas", "decisions", "confidence", "labels"})
LIBRARIES = ("coder", "scikit-learn", "scipy", "sentence-transformers", "torch")


class ModelFolderError(CoderError):
    """A model folder is missing, incomplete or of an unknown format."""


class CodebookMismatchError(ModelFolderError):
    """The model was trained on another version of the codebook than the project's."""


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass
class OutOfFold:
    """One frame's out-of-fold decisions on its training items.

    Parameters
    ----------
    ideas : list of str, length n_items
        Idea ids of the training items that have an out-of-fold prediction.
    decisions : ndarray of shape (n_items, n_codes)
        0/1: the codes the model suggested for each item when that item was held out of its
        training (codes in the frame's order).
    confidence : ndarray of shape (n_items,), optional
        The model's confidence in each of those decisions (models trained since routing by
        target quality; None before).
    labels : ndarray of shape (n_items, n_codes), optional
        0/1: the training labels of those items (the same models; None before).
    """

    ideas: list[str]
    decisions: npt.NDArray[np.int8]
    confidence: npt.NDArray[np.float64] | None = None
    labels: npt.NDArray[np.int8] | None = None

    def __post_init__(self) -> None:
        n = len(self.ideas)
        if self.decisions.ndim != 2 or self.decisions.shape[0] != n:
            raise ModelFolderError(
                f"out-of-fold decisions of shape {self.decisions.shape} for {n} "
                "ideas; expected one row per idea. Retrain with `coder train`"
            )
        if (self.confidence is None) != (self.labels is None) or (
            self.confidence is not None
            and self.labels is not None
            and (self.confidence.shape != (n,) or self.labels.shape != self.decisions.shape)
        ):
            raise ModelFolderError(
                f"out-of-fold confidence and labels do not match the decisions of {n} ideas; "
                "retrain with `coder train`"
            )

    def curve(self) -> CoverageCurve | None:
        """The cross-validated coverage-quality curve (None for a model saved without the
        out-of-fold confidence and labels)."""
        if self.confidence is None or self.labels is None or not self.ideas:
            return None
        return coverage_curve(self.labels, self.decisions, self.confidence)


@dataclass
class SuggestionModel:
    """Feature settings and one :class:`CodeClassifier` per frame, with their provenance.

    ``settings`` are what training was told; ``training`` records what it learned from (the
    embedding model's name and int8 flag, the items, a hash of the data, the coders and the
    label policy). ``oof`` holds, per frame, the out-of-fold decisions on the training items
    (empty for a model saved before they were kept).
    """

    codebook_id: str
    codebook_hash: str
    embedding_model: str
    features: TextFeatures
    heads: dict[str, CodeClassifier]
    frames: dict[str, dict[str, Any]]  # frame id -> {codes, questions, selection}
    training: dict[str, Any] = field(default_factory=dict)  # data hash, policy, coders, counts
    settings: TrainingSettings = field(default_factory=TrainingSettings)
    created_at: str = ""
    versions: dict[str, str] = field(default_factory=library_versions)
    model_id: str = ""
    oof: dict[str, OutOfFold] = field(default_factory=dict)

    def check_codebook(self, codebook: Codebook) -> None:
        """Refuse a codebook other than the one the model was trained on."""
        if codebook.hash != self.codebook_hash:
            raise CodebookMismatchError(
                f"model {self.model_id} was trained on codebook {self.codebook_id!r} version "
                f"{self.codebook_hash}, but the project's codebook is {codebook.id!r} version "
                f"{codebook.hash}; its codes may have changed meaning. Train a new model on "
                "this codebook with `coder train PROJECT_DIR`"
            )

    def thresholds(self) -> dict[str, dict[str, float | None]]:
        out: dict[str, dict[str, float | None]] = {}
        for frame_id, head in self.heads.items():
            codes = self.frames[frame_id]["codes"]
            out[frame_id] = {
                c: (None if np.isnan(t) else float(t))
                for c, t in zip(codes, head.thresholds_, strict=True)
            }
        return out

    def cv_macro_f1(self) -> dict[str, float]:
        """Cross-validated macro-F1 per frame (mean over its trained codes)."""
        return {f: float(np.nanmean(h.cv_scores_[:, 2])) for f, h in self.heads.items()}

    def _parts(self) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
        feat_config, feat_arrays = self.features.to_parts()
        arrays: dict[str, npt.NDArray[Any]] = {f"features.{k}": v for k, v in feat_arrays.items()}
        heads: dict[str, Any] = {}
        for frame_id, head in self.heads.items():
            head_config, head_arrays = head.to_parts()
            heads[frame_id] = head_config
            arrays.update({f"{frame_id}.{k}": v for k, v in head_arrays.items()})
        for frame_id, oof in self.oof.items():
            arrays[f"{OOF_PREFIX}{frame_id}.ideas"] = np.asarray(oof.ideas, dtype=np.str_)
            arrays[f"{OOF_PREFIX}{frame_id}.decisions"] = np.asarray(oof.decisions, dtype=np.int8)
            if oof.confidence is not None and oof.labels is not None:
                arrays[f"{OOF_PREFIX}{frame_id}.confidence"] = np.asarray(
                    oof.confidence, dtype=np.float64
                )
                arrays[f"{OOF_PREFIX}{frame_id}.labels"] = np.asarray(oof.labels, dtype=np.int8)
        config = {
            "format": FORMAT,
            "codebook": {"id": self.codebook_id, "hash": self.codebook_hash},
            "embedding_model": self.embedding_model,
            "frames": self.frames,
            "thresholds": self.thresholds(),
            "heads": heads,
            "features": feat_config,
            "training": self.training,
            "settings": self.settings.to_dict(),
            "created_at": self.created_at,
            "versions": self.versions,
        }
        return config, arrays

    def compute_id(self) -> str:
        return _digest(*self._parts())

    def save(self, models_dir: str | Path) -> Path:
        """Write the folder ``models_dir/<model_id>/`` and return its path."""
        self.model_id = self.compute_id()
        folder = Path(models_dir) / self.model_id
        folder.mkdir(parents=True, exist_ok=True)
        config, arrays = self._parts()
        config = {"model_id": self.model_id, **config}
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
        (folder / HEAD).write_bytes(buf.getvalue())
        (folder / CONFIG).write_text(
            json.dumps(config, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (folder / CARD).write_text(model_card(self), encoding="utf-8")
        return folder


def _digest(config: dict[str, Any], arrays: dict[str, npt.NDArray[Any]]) -> str:
    """The model id of a folder's config and arrays (its id, date and versions left out)."""
    config = {k: v for k, v in config.items() if k not in ("model_id", "created_at", "versions")}
    h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for name in sorted(arrays):
        h.update(name.encode())
        h.update(np.ascontiguousarray(arrays[name]).tobytes())
    return "m-" + h.hexdigest()[:12]


def load_model(folder: str | Path, codebook: Codebook | None = None) -> SuggestionModel:
    """Read a model folder; with ``codebook``, refuse it unless it is the one trained on.

    Raises
    ------
    ModelFolderError
        when the folder or one of its files is missing or of another format.
    CodebookMismatchError
        when ``codebook`` differs from the model's codebook.
    """
    folder = Path(folder)
    for name in (CONFIG, HEAD):
        if not (folder / name).is_file():
            raise ModelFolderError(
                f"{folder} is not a model folder (no {name}); give a folder written by "
                "`coder train`"
            )
    try:
        config = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFolderError(f"{folder / CONFIG} is not valid JSON ({exc})") from exc
    if config.get("format") != FORMAT:
        raise ModelFolderError(
            f"{folder} has model format {config.get('format')!r}; this coder reads format "
            f"{FORMAT}. Retrain with `coder train`, or use the coder version that wrote it"
        )
    with np.load(folder / HEAD, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    oof = _read_oof(folder, arrays, set(config["heads"]))
    if _digest(config, arrays) != config.get("model_id"):
        raise ModelFolderError(
            f"{folder}: its files do not match its id {config.get('model_id')} (edited or "
            "damaged); retrain with `coder train`"
        )
    try:
        settings = settings_of_folder(config)
    except SettingsError as exc:
        raise ModelFolderError(f"{folder / CONFIG}: {exc}") from exc
    arrays = {k: v for k, v in arrays.items() if not k.startswith(OOF_PREFIX)}
    features = TextFeatures.from_parts(
        config["features"],
        {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("features.")},
    )
    heads = {
        frame_id: CodeClassifier.from_parts(
            head_config,
            {k[len(frame_id) + 1 :]: v for k, v in arrays.items() if k.startswith(f"{frame_id}.")},
            codes=config["frames"][frame_id]["codes"],
        )
        for frame_id, head_config in config["heads"].items()
    }
    model = SuggestionModel(
        codebook_id=config["codebook"]["id"],
        codebook_hash=config["codebook"]["hash"],
        embedding_model=config["embedding_model"],
        features=features,
        heads=heads,
        frames=config["frames"],
        training=config["training"],
        settings=settings,
        created_at=config["created_at"],
        versions=config["versions"],
        model_id=config["model_id"],
        oof=oof,
    )
    if codebook is not None:
        model.check_codebook(codebook)
    return model


def _read_oof(
    folder: Path, arrays: dict[str, npt.NDArray[Any]], frames: set[str]
) -> dict[str, OutOfFold]:
    """The ``_oof.<frame>.ideas`` / ``_oof.<frame>.decisions`` pairs of a head file, if any."""
    found: dict[str, dict[str, npt.NDArray[Any]]] = {}
    for key, value in arrays.items():
        if key.startswith(OOF_PREFIX):
            frame_id, _, part = key[len(OOF_PREFIX) :].rpartition(".")
            found.setdefault(frame_id, {})[part] = value
    out = {}
    for frame_id, parts in found.items():
        if frame_id not in frames or set(parts) not in OOF_PARTS:
            raise ModelFolderError(
                f"{folder / HEAD}: out-of-fold data for frame {frame_id!r} is incomplete or "
                "names no frame of the model (edited or damaged); retrain with `coder train`"
            )
        conf, labels = parts.get("confidence"), parts.get("labels")
        out[frame_id] = OutOfFold(
            [str(i) for i in parts["ideas"]],
            np.asarray(parts["decisions"], dtype=np.int8),
            None if conf is None else np.asarray(conf, dtype=np.float64),
            None if labels is None else np.asarray(labels, dtype=np.int8),
        )
    return out


def _fmt(x: float) -> str:
    return "" if np.isnan(x) else f"{x:.2f}"


def model_card(model: SuggestionModel) -> str:
    """The model card (Markdown): provenance, settings and cross-validated scores per code."""
    lines = [
        f"# Suggestion model {model.model_id}",
        "",
        f"- Created: {model.created_at}",
        f"- Codebook: {model.codebook_id} (version {model.codebook_hash})",
        f"- Embedding model: {model.embedding_model}",
        f"- Training data: {model.training.get('items', '?')} items, hash "
        f"{model.training.get('data_hash', '?')}, coders: "
        f"{', '.join(model.training.get('coders', [])) or '?'}",
        f"- Label policy: {model.training.get('policy', '?')}",
        "- Settings: " + ", ".join(f"{k} {v}" for k, v in model.settings.to_dict().items()),
        "- Libraries: " + ", ".join(f"{k} {v}" for k, v in model.versions.items()),
        "",
        "Features: TF-IDF of words and word pairs + sentence embedding + question. Head: one "
        "logistic regression per code (multinomial for exclusive frames), Platt-calibrated on "
        "out-of-fold scores; per-code thresholds maximise the out-of-fold F1. Scores below are "
        "cross-validated on the training data. Codes marked 'not enough examples' are never "
        "suggested.",
        "",
    ]
    for frame_id, head in model.heads.items():
        info = model.frames[frame_id]
        lines += [
            f"## Frame {frame_id} ({info['selection']}; questions {', '.join(info['questions'])})",
            "",
            "| code | examples | status | threshold | precision | recall | F1 |",
            "|---|---|---|---|---|---|---|",
        ]
        for j, code in enumerate(info["codes"]):
            p, r, f = head.cv_scores_[j]
            lines.append(
                f"| {code} | {int(head.positives_[j])} | {head.status_[j]} | "
                f"{_fmt(head.thresholds_[j])} | {_fmt(p)} | {_fmt(r)} | {_fmt(f)} |"
            )
        trained = [j for j, s in enumerate(head.status_) if s == TRAINED]
        if trained:
            macro = float(np.mean(head.cv_scores_[trained, 2]))
            lines += ["", f"Macro-F1 over trained codes (cross-validated): {macro:.3f}"]
        if frame_id in model.oof:
            lines += [
                "",
                f"Out-of-fold decisions kept for {len(model.oof[frame_id].ideas)} training "
                "items (for agreement with each coder on items the model did not learn from).",
            ]
        lines.append("")
    return "\n".join(lines)
