"""The int8 forward pass: a sentence-transformers model exported to ONNX, quantised to int8 and
run with onnxruntime and the model's own tokenizer, without torch.

- **Built once, cached, offline.** :func:`build` exports the model's transformer with
  ``torch.onnx.export`` (opset 17, the TorchScript exporter), quantises its weights to int8 with
  one scale per output channel (``onnxruntime.quantization.quantize_dynamic(per_channel=True)``;
  one scale per tensor lost too much: mean cosine ~0.96 to fp32) except each layer's
  feed-forward down-projection, which stays fp32 (:data:`FP32_NODES`: quantised too, the mean
  cosine to fp32 was 0.991 and suggestion F1 fell by 0.007-0.009), and keeps only the int8 file,
  under :func:`cache_dir` in a folder named by :func:`build_key`: a SHA-256 of the model folder's
  files and the versions of the libraries that made it. Nothing is downloaded; torch is needed
  only to build.
- **A text's vector does not depend on its batch.** Dynamic quantisation scales each
  activation tensor by its own range, so in a padded batch a text's vector would depend on the
  texts beside it. Each text is therefore run alone, unpadded, with one onnxruntime thread per
  call; throughput comes from running texts side by side on ``threads`` Python threads
  (onnxruntime releases the GIL). The same text gives the same bits alone, in any batch and with
  any number of threads.
- **The sentence-transformers pipeline, by hand.** Tokenise (truncated to the model's
  ``max_seq_length``), the transformer, mean pooling over the tokens, L2 normalisation. Only
  pipelines of exactly that shape are supported (Transformer, mean Pooling, optional
  Normalize); :func:`unsupported_reason` says why another is not.

Measured on the NHS benchmark (``docs/suggestions.md``): several times torch fp32's throughput
on 2 shared cores, mean cosine 0.99 to the fp32 vectors.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from coder.errors import CoderError

FORMAT = "onnx-int8-2"  # bump when the export or quantisation changes
# the feed-forward down-projections (intermediate -> hidden) of each layer stay in fp32: their
# inputs (after GELU) have the widest range, and quantising them cost most of the error
FP32_NODES = re.compile(r"layer\.\d+/output/dense/MatMul$")
MODEL_FILE = "model.int8.onnx"
META_FILE = "build.json"
OPSET = 17
Matrix = npt.NDArray[np.float32]


class Int8Error(CoderError):
    """The int8 path cannot be built or run for this model."""


def cache_dir() -> Path:
    """Where built int8 models are kept: ``CODER_CACHE_DIR``, else ``$XDG_CACHE_HOME/coder``,
    else ``~/.cache/coder``; the models go to its ``onnx/`` folder."""
    root = os.environ.get("CODER_CACHE_DIR")
    if root:
        return Path(root).expanduser() / "onnx"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "coder" / "onnx"


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "none"


def build_key(source: str | Path) -> str:
    """SHA-256 (first 16 hex digits) of every file of the model folder, the format and the
    versions of torch, onnx and onnxruntime: a changed model or library gets a new build."""
    folder = Path(source)
    h = hashlib.sha256(f"{FORMAT} {_version('torch')} {_version('onnx')}".encode())
    h.update(f" {_version('onnxruntime')}".encode())
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = f.relative_to(folder).as_posix()
        if rel.startswith(".") or rel == "README.md":
            continue
        h.update(rel.encode() + b"\0")
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:16]


def _pipeline(source: Path) -> tuple[dict[str, Any], str | None]:
    """The folder's sentence-transformers settings, and why the int8 path cannot run it."""
    try:
        modules = json.loads((source / "modules.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}, "it is not a sentence-transformers model folder (no readable modules.json)"
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return {}, f"its modules are {', '.join(kinds)}, not Transformer, Pooling[, Normalize]"
    base = source / str(modules[0].get("path", ""))
    pooling_path = source / str(modules[1].get("path", "")) / "config.json"
    try:
        pooling = json.loads(pooling_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}, "its Pooling module has no readable config.json"
    modes = sorted(k for k, v in pooling.items() if k.startswith("pooling_mode_") and v is True)
    if modes != ["pooling_mode_mean_tokens"]:
        return {}, f"its pooling is {', '.join(modes) or 'none'}, not mean pooling alone"
    if not (base / "tokenizer.json").is_file():
        return {}, "it has no tokenizer.json for the tokenizers library"
    st: dict[str, Any] = {}
    with contextlib.suppress(OSError, json.JSONDecodeError):
        st = json.loads((base / "sentence_bert_config.json").read_text(encoding="utf-8"))
    return {
        "base": str(base),
        "max_seq_length": int(st.get("max_seq_length") or 512),
        "do_lower_case": bool(st.get("do_lower_case", False)),
    }, None


def unsupported_reason(source: str | Path) -> str | None:
    """Why the int8 path cannot run the model folder ``source`` (None when it can)."""
    return _pipeline(Path(source))[1]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the exporter's tracer warnings and the quantiser's advice on the root logger."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def build(source: str | Path, dest: str | Path | None = None) -> Path:
    """Export and quantise the model folder ``source``; return the int8 ONNX file.

    The file is ``dest`` or ``cache_dir() / build_key(source) / model.int8.onnx``; when it is
    there already, nothing is built. Building takes a few seconds and needs torch and
    transformers (installed with coder); it writes to a temporary folder and moves the result
    into place, so processes building at once do not see half a file.
    """
    source = Path(source)
    settings, reason = _pipeline(source)
    if reason is not None:
        raise Int8Error(
            f"the int8 embedding path cannot run {source}: {reason}. Use the torch backend "
            "(`--backend torch`)"
        )
    target = Path(dest) if dest is not None else cache_dir() / build_key(source) / MODEL_FILE
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        fp32, int8 = Path(tmp) / "model.onnx", Path(tmp) / MODEL_FILE
        inputs = _export(Path(settings["base"]), fp32)
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        keep = [n.name for n in onnx.load(str(fp32)).graph.node if FP32_NODES.search(n.name)]
        with _quiet():
            quantize_dynamic(
                fp32, int8, per_channel=True, weight_type=QuantType.QInt8, nodes_to_exclude=keep
            )
        meta = {
            "format": FORMAT,
            "source": str(source),
            "inputs": inputs,
            "fp32_nodes": keep,
            "versions": {n: _version(n) for n in ("torch", "onnx", "onnxruntime")},
        }
        (target.parent / META_FILE).write_text(json.dumps(meta, indent=1) + "\n")
        os.replace(int8, target)
    return target


def _export(base: Path, out: Path) -> list[str]:
    """Export the transformer of ``base`` (last hidden state, dynamic batch and length)."""
    import importlib
    import inspect

    import torch
    from transformers import AutoModel

    hf_logging: Any = importlib.import_module("transformers.utils.logging")
    hf_logging.disable_progress_bar()
    with _quiet():
        model = AutoModel.from_pretrained(str(base)).eval()
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in inspect.signature(model.forward).parameters:
        names.append("token_type_ids")

    class Hidden(torch.nn.Module):  # keyword arguments: forward's order differs between models
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(names, args, strict=True))).last_hidden_state

    ids = torch.ones(1, 8, dtype=torch.int64)
    example = (ids, torch.ones_like(ids), torch.zeros_like(ids))[: len(names)]
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
    with _quiet(), torch.no_grad():
        torch.onnx.export(
            Hidden(model).eval(),
            example,
            str(out),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    return names


class Int8Encoder:
    """Run a built int8 model: tokenise, forward each text alone, mean-pool, normalise.

    Parameters
    ----------
    source
        The sentence-transformers model folder (for its tokenizer and settings).
    model_file
        The int8 ONNX file (default: :func:`build` it, or find it in the cache).
    threads
        Texts run side by side, each on one onnxruntime thread.
    """

    def __init__(
        self, source: str | Path, model_file: str | Path | None = None, threads: int = 2
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        settings, reason = _pipeline(Path(source))
        if reason is not None:
            raise Int8Error(
                f"the int8 embedding path cannot run {source}: {reason}. Use the torch backend "
                "(`--backend torch`)"
            )
        self.model_file = Path(model_file) if model_file is not None else build(source)
        self.threads = max(1, int(threads))
        self.lower = bool(settings["do_lower_case"])
        self.tokenizer = Tokenizer.from_file(str(Path(settings["base"]) / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(int(settings["max_seq_length"]))
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # the same arithmetic whatever ``threads`` is
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(
                str(self.model_file), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise Int8Error(
                f"cannot load the int8 model {self.model_file} ({exc}); delete that folder to "
                "rebuild it"
            ) from exc
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def _one(self, ids: Sequence[int]) -> Matrix:
        row = np.asarray([ids], dtype=np.int64)
        feed = {
            "input_ids": row,
            "attention_mask": np.ones_like(row),
            "token_type_ids": np.zeros_like(row),
        }
        hidden: Matrix = self.session.run(None, {k: feed[k] for k in self.inputs})[0][0]
        vec = hidden.astype(np.float64).mean(axis=0)  # every token counts: nothing is padding
        out: Matrix = (vec / max(float(np.linalg.norm(vec)), 1e-12)).astype(np.float32)
        return out

    def encode(self, texts: Sequence[str], progress: bool = False) -> Matrix:
        """Vectors for ``texts``, shape (n_texts, dim), float32, L2-normalised, in order."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        batch = [t.lower() for t in texts] if self.lower else list(texts)
        ids = [e.ids for e in self.tokenizer.encode_batch(batch)]
        bar: Any = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(ids), desc="Embedding (int8)", unit="text")

        def one(row: Sequence[int]) -> Matrix:
            vec = self._one(row)
            if bar is not None:
                bar.update(1)
            return vec

        try:
            if self.threads == 1:
                out = [one(r) for r in ids]
            else:
                with ThreadPoolExecutor(self.threads) as pool:
                    out = list(pool.map(one, ids))
        finally:
            if bar is not None:
                bar.close()
        return np.stack(out)
