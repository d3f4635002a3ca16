"""A BERT-style sentence-transformers model (mean pooling) run by ONNX Runtime with int8 weights.

:func:`quantized_onnx_model` exports the model's local weights to ONNX with torch, quantises its
matrix products to int8 per output channel (ONNX Runtime dynamic quantisation) and keeps the file in
a cache directory, so the export (about 15 s) happens once per machine; nothing is downloaded.
:class:`OnnxSentenceEncoder` tokenises with the model's own ``tokenizer.json``, groups texts of
similar token length into batches (little padding), runs batches on as many threads as it is given
(one ONNX Runtime thread per batch) and mean-pools the last hidden state. Its session is created
lazily in each process, so forked workers never use their parent's.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import numpy as np

# Bump when the export or quantisation recipe changes, so cached files from an older recipe are not reused.
RECIPE_VERSION = 1
BATCH_SIZE = 64


def cache_dir() -> Path:
    """``QABIAS_CACHE_DIR``, else ``$XDG_CACHE_HOME/distilabel-qabias`` (``~/.cache/distilabel-qabias``)."""
    configured = os.environ.get("QABIAS_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "distilabel-qabias"


def _cache_key(model_dir: Path) -> str:
    import onnxruntime

    weights = model_dir / "model.safetensors"
    size = weights.stat().st_size if weights.exists() else 0
    return f"{model_dir.name}-{size}-ort{onnxruntime.__version__}-r{RECIPE_VERSION}"


def _export_float32(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    sample = tokenizer(["A short question?", "A somewhat longer sample sentence for tracing."], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(model),
            tuple(sample[name] for name in names),
            str(target),
            dynamo=False,
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]},
            opset_version=17,
        )


class _DropLogRecords(logging.Filter):
    """Hides one advisory message (ONNX Runtime logs it on the root logger at every quantisation)."""

    def __init__(self, fragment: str):
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.getMessage()


def quantized_onnx_model(model_dir: Path) -> Path:
    """Path of the int8 ONNX export of the model in ``model_dir``, exporting it on first use."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = cache_dir() / f"{_cache_key(model_dir)}-int8.onnx"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        float32 = Path(work) / "model.onnx"
        _export_float32(model_dir, float32)
        quantized = Path(work) / "model-int8.onnx"
        # MatMul only (quantising the embedding Gather costs accuracy, not time); per channel keeps the
        # cosine to the float32 model near 0.99 where per tensor drops it to about 0.97.
        hint_filter = _DropLogRecords("pre-processing before quantization")
        logging.getLogger().addFilter(hint_filter)
        try:
            quantize_dynamic(float32, quantized, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
        finally:
            logging.getLogger().removeFilter(hint_filter)
        os.replace(quantized, target)  # atomic: concurrent first uses each write a whole file
    return target


class OnnxSentenceEncoder:
    """``encoder(texts) -> (len(texts), dim)`` float32 mean-pooled embeddings (not yet normalised)."""

    def __init__(self, onnx_file: Path, model_dir: Path, *, threads: Callable[[], int], batch_size: int = BATCH_SIZE):
        from tokenizers import Tokenizer

        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens"):
            raise ValueError(f"{model_dir} does not use mean pooling; only mean-pooled models are supported")
        self.dim = int(pooling["word_embedding_dimension"])
        max_tokens = json.loads((model_dir / "sentence_bert_config.json").read_text()).get("max_seq_length", 256)
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=int(max_tokens))
        self._onnx_file = onnx_file
        self._threads = threads
        self._batch_size = batch_size
        self._session = None
        self._session_pid = -1

    def _session_of_this_process(self):
        if self._session_pid != os.getpid():
            import onnxruntime

            options = onnxruntime.SessionOptions()
            # One thread per run: threads take whole batches instead (see __call__), which scales better
            # on these small matrices, and a session without a thread pool survives fork().
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            self._session = onnxruntime.InferenceSession(str(self._onnx_file), options, providers=["CPUExecutionProvider"])
            self._session_pid = os.getpid()
        return self._session

    def __call__(self, texts: list[str]) -> np.ndarray:
        session = self._session_of_this_process()
        encodings = self._tokenizer.encode_batch(texts)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        order = np.argsort(lengths, kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)

        def embed(batch: np.ndarray) -> None:
            width = int(lengths[batch].max())
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, index in enumerate(batch):
                ids[row, : lengths[index]] = encodings[index].ids
                mask[row, : lengths[index]] = 1
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
            weights = mask[..., None].astype(np.float32)
            out[batch] = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)

        batches = [order[start : start + self._batch_size] for start in range(0, len(order), self._batch_size)]
        threads = min(self._threads(), len(batches))
        if threads <= 1:
            for batch in batches:
                embed(batch)
        else:  # ONNX Runtime releases the GIL while it runs
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(embed, batches))
        return out
