"""A BERT-style sentence-transformers model (mean pooling) run by ONNX Runtime with int8 matrix products
whose quantisation does not depend on the batch.

:func:`quantized_onnx_model` exports the model's local weights to ONNX with torch, quantises the weights
of its matrix products to int8 per output channel and fixes the int8 scale of every activation that
enters one: ONNX Runtime's dynamic quantisation would compute that scale from the whole batch, so a
text's vector would move with the other texts in its batch. The fixed scales are the activation ranges
seen on the calibration texts bundled in ``data/embedder_calibration.txt`` (values beyond them
saturate). The graph takes token ids only: every batch holds texts of one token length, so there is
no padding and no attention mask, and each matrix product adds its bias itself. The file is written
atomically into a cache directory, so the export (under a minute) happens once per machine; nothing
is downloaded.
:class:`OnnxSentenceEncoder` tokenises with the model's own ``tokenizer.json``, batches texts of
equal token length, runs batches on as many threads as it is given (one ONNX Runtime thread per
batch) and mean-pools the last hidden state. Its session is created lazily in each process, so
forked workers never use their parent's.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from distilabel_qabias.errors import StepLoadError

# Bump when the export or quantisation recipe changes, so cached files from an older recipe are not reused.
RECIPE_VERSION = 3
BATCH_SIZE = 64
# Texts tokenised at a time, so the tokenizer's encodings of a million texts are never held at once.
CHUNK_SIZE = 16_384
CALIBRATION_FILE = Path(__file__).parent / "data" / "embedder_calibration.txt"
# Calibrated ranges are widened by this factor, so texts a little outside the calibration set saturate less.
RANGE_MARGIN = 1.0


def require(*modules: str) -> None:
    """Raise a one-line :class:`StepLoadError` naming the first missing module."""
    for module in modules:
        try:
            import_module(module)
        except ImportError as error:
            raise StepLoadError(f"the minilm-int8 embedder needs the Python package {module!r} ({error}); "
                                f"install it with `pip install {module}`") from None


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

    # Eager attention exports as plain MatMul/Softmax, which ONNX Runtime runs faster on these short
    # sequences than its fused attention kernels (or the masking ops of the SDPA export).
    model = AutoModel.from_pretrained(model_dir, local_files_only=True, attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)

    class LastHiddenState(torch.nn.Module):
        """Token ids in, last hidden state out: no padding, so no attention mask; one segment."""

        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids):
            return self.inner(input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids)).last_hidden_state

    sample = tokenizer(["A short sample question?"] * 2, return_tensors="pt")["input_ids"]
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(model),
            (sample,),
            str(target),
            dynamo=False,
            input_names=["input_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in ["input_ids", "last_hidden_state"]},
            opset_version=17,
        )


class _DropLogRecords(logging.Filter):
    """Hides one advisory message (ONNX Runtime logs it on the root logger at every quantisation)."""

    def __init__(self, fragment: str):
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.getMessage()


def _quantize_weights(float32: Path, target: Path) -> None:
    """int8 weights per output channel for every MatMul (ONNX Runtime's dynamic quantisation recipe)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # MatMul only (quantising the embedding Gather costs accuracy, not time); per channel keeps the
    # cosine to the float32 model near 0.99 where per tensor drops it to about 0.97.
    hint_filter = _DropLogRecords("pre-processing before quantization")
    logging.getLogger().addFilter(hint_filter)
    try:
        quantize_dynamic(float32, target, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
    finally:
        logging.getLogger().removeFilter(hint_filter)


def calibration_texts() -> list[str]:
    lines = CALIBRATION_FILE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def _activation_ranges(model, tokenizer, tensors: list[str], work: Path) -> dict[str, tuple[float, float]]:
    """``tensor -> (min, max)`` over the tokens of the calibration texts, 0 included."""
    import onnx
    import onnxruntime

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for name in tensors:
        probe.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    probe_file = work / "probe.onnx"
    onnx.save(probe, str(probe_file))
    session = onnxruntime.InferenceSession(str(probe_file), providers=["CPUExecutionProvider"])
    low = dict.fromkeys(tensors, 0.0)
    high = dict.fromkeys(tensors, 0.0)
    encodings = tokenizer.encode_batch(calibration_texts())
    for batch in _equal_length_batches(encodings, 16):
        for name, values in zip(tensors, session.run(tensors, {"input_ids": _token_ids(encodings, batch)})):
            low[name] = min(low[name], float(values.min()))
            high[name] = max(high[name], float(values.max()))
    return {name: (low[name] * RANGE_MARGIN, high[name] * RANGE_MARGIN) for name in tensors}


def _fix_activation_scales(model, work: Path, tokenizer) -> None:
    """Replace each ``DynamicQuantizeLinear`` (scale from the batch) with a ``QuantizeLinear`` whose uint8
    scale and zero point come from the calibrated range, the way DynamicQuantizeLinear derives them."""
    from onnx import helper, numpy_helper

    dynamic = [node for node in model.graph.node if node.op_type == "DynamicQuantizeLinear"]
    if not dynamic:
        raise RuntimeError("the quantised export has no DynamicQuantizeLinear node to give a fixed scale")
    ranges = _activation_ranges(model, tokenizer, [node.input[0] for node in dynamic], work)
    nodes = []
    for node in model.graph.node:
        if node.op_type != "DynamicQuantizeLinear":
            nodes.append(node)
            continue
        low, high = ranges[node.input[0]]
        scale = max(high - low, 1e-8) / 255.0
        zero_point = int(np.clip(round(-low / scale), 0, 255))
        quantized, scale_name, zero_point_name = node.output
        model.graph.initializer.append(numpy_helper.from_array(np.array(scale, dtype=np.float32), scale_name))
        model.graph.initializer.append(numpy_helper.from_array(np.array(zero_point, dtype=np.uint8), zero_point_name))
        nodes.append(helper.make_node("QuantizeLinear", [node.input[0], scale_name, zero_point_name], [quantized], name=f"{node.name}_fixed"))
    del model.graph.node[:]
    model.graph.node.extend(nodes)


def _fuse_integer_matmuls(model) -> None:
    """``MatMulInteger -> Cast -> Mul(a_scale * b_scale)`` into ONNX Runtime's ``MatMulIntegerToFloat``
    (it fuses this itself only after a DynamicQuantizeLinear); unmatched nodes are left as they are."""
    from onnx import helper

    graph = model.graph
    producer = {output: node for node in graph.node for output in node.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    replaced, dropped = {}, set()
    for node in graph.node:
        if node.op_type != "MatMulInteger" or len(node.input) != 4:
            continue
        cast = consumers.get(node.output[0], [])
        scaled = consumers.get(cast[0].output[0], []) if len(cast) == 1 and cast[0].op_type == "Cast" else []
        if len(scaled) != 1 or scaled[0].op_type != "Mul":
            continue
        scale_input = next(name for name in scaled[0].input if name != cast[0].output[0])
        scales = producer.get(scale_input)
        if scales is None or scales.op_type != "Mul":
            continue
        a, b, a_zero_point, b_zero_point = node.input
        replaced[id(node)] = helper.make_node(
            "MatMulIntegerToFloat", [a, b, scales.input[0], scales.input[1], a_zero_point, b_zero_point],
            [scaled[0].output[0]], name=f"{node.name}_to_float", domain="com.microsoft",
        )
        dropped |= {id(cast[0]), id(scaled[0])}
        if len(consumers[scales.output[0]]) == 1:
            dropped.add(id(scales))
    nodes = [replaced.get(id(node), node) for node in graph.node if id(node) not in dropped]
    del graph.node[:]
    graph.node.extend(nodes)
    if not any(opset.domain == "com.microsoft" for opset in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))


def _fold_bias_adds(model) -> None:
    """``MatMulIntegerToFloat -> Add(bias vector)`` into the product's own bias input (one pass less)."""
    graph = model.graph
    vectors = {init.name for init in graph.initializer if len(init.dims) == 1}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    dropped = set()
    for node in graph.node:
        if node.op_type != "MatMulIntegerToFloat" or len(node.input) != 6:
            continue
        users = consumers.get(node.output[0], [])
        if len(users) != 1 or users[0].op_type != "Add":
            continue
        add = users[0]
        bias = [name for name in add.input if name != node.output[0]]
        if len(bias) != 1 or bias[0] not in vectors:
            continue
        node.input.append(bias[0])
        node.output[0] = add.output[0]
        dropped.add(id(add))
    nodes = [node for node in graph.node if id(node) not in dropped]
    del graph.node[:]
    graph.node.extend(nodes)


def quantized_onnx_model(model_dir: Path) -> Path:
    """Path of the int8 ONNX export of the model in ``model_dir``, exporting it on first use."""
    require("onnxruntime", "onnx", "torch", "transformers", "tokenizers")
    import onnx

    target = cache_dir() / f"{_cache_key(model_dir)}-int8.onnx"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work_dir:
        work = Path(work_dir)
        _export_float32(model_dir, work / "model.onnx")
        _quantize_weights(work / "model.onnx", work / "model-int8-dynamic.onnx")
        model = onnx.load(str(work / "model-int8-dynamic.onnx"))
        _fix_activation_scales(model, work, _tokenizer(model_dir))
        _fuse_integer_matmuls(model)
        _fold_bias_adds(model)
        onnx.save(model, str(work / "model-int8.onnx"))
        os.replace(work / "model-int8.onnx", target)  # atomic: concurrent first uses each write a whole file
    return target


def _tokenizer(model_dir: Path):
    from tokenizers import Tokenizer

    max_tokens = json.loads((model_dir / "sentence_bert_config.json").read_text()).get("max_seq_length", 256)
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=int(max_tokens))
    return tokenizer


def _equal_length_batches(encodings: Sequence, batch_size: int) -> list[np.ndarray]:
    """Indices of the tokenised texts in batches of at most ``batch_size``, each of one token length."""
    lengths = np.fromiter((len(encoding.ids) for encoding in encodings), dtype=np.int64, count=len(encodings))
    order = np.argsort(lengths, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(lengths[order])) + 1)
    return [group[start : start + batch_size] for group in groups for start in range(0, len(group), batch_size)]


def _token_ids(encodings: Sequence, batch: np.ndarray) -> np.ndarray:
    return np.array([encodings[index].ids for index in batch], dtype=np.int64)


class OnnxSentenceEncoder:
    """``encoder(texts) -> (len(texts), dim)`` float32 mean-pooled embeddings (not yet normalised)."""

    def __init__(self, onnx_file: Path, model_dir: Path, *, threads: Callable[[], int], batch_size: int = BATCH_SIZE):
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens"):
            raise ValueError(f"{model_dir} does not use mean pooling; only mean-pooled models are supported")
        self.dim = int(pooling["word_embedding_dimension"])
        self._tokenizer = _tokenizer(model_dir)
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
            # ONNX Runtime's fused SkipLayerNormalization runs about 5x slower on CPU than the Add and
            # LayerNormalization it replaces (1.32, these shapes): the embedder is about 10% faster without it.
            self._session = onnxruntime.InferenceSession(str(self._onnx_file), options, providers=["CPUExecutionProvider"],
                                                         disabled_optimizers=["SkipLayerNormFusion"])
            self._session_pid = os.getpid()
        return self._session

    def __call__(self, texts: list[str]) -> np.ndarray:
        session = self._session_of_this_process()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        threads = self._threads()
        for start in range(0, len(texts), CHUNK_SIZE):
            encodings = self._tokenizer.encode_batch(texts[start : start + CHUNK_SIZE])
            chunk = out[start : start + len(encodings)]

            def embed(batch: np.ndarray) -> None:
                chunk[batch] = session.run(None, {"input_ids": _token_ids(encodings, batch)})[0].mean(axis=1)

            batches = _equal_length_batches(encodings, self._batch_size)
            if min(threads, len(batches)) <= 1:
                for batch in batches:
                    embed(batch)
            else:  # ONNX Runtime releases the GIL while it runs
                with ThreadPoolExecutor(max_workers=min(threads, len(batches))) as pool:
                    list(pool.map(embed, batches))
        return out
