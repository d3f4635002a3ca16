"""Plumbing shared by the example pipelines (not part of the package): the bundled corpus, the
generator (LLM selection, prompts, the question and answer Tasks) and running a Pipeline to disk.

Each example in ``pipelines/`` builds its distilabel Pipeline inline; only these pieces are shared.
"""

import os
import warnings

# distilabel 1.5.3 on current pydantic: schema warnings at import and a validator of LlamaCppLLM
# returning None; both harmless, both noise in every run.
warnings.filterwarnings("ignore", message="The 'default' attribute with value None")
warnings.filterwarnings("ignore", message="A custom validator is returning a value other than `self`")

# llama.cpp is built with OpenMP; its default busy-waiting threads collapse (3-5x slower, measured)
# when the cores are shared with another process, e.g. the question and answer Tasks running side by
# side. Must be set before the OpenMP runtime starts, i.e. before any generation.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
