"""How many threads torch, faiss and BLAS may use, and how they stay usable across fork().

distilabel forks its step workers. The OpenMP thread pool of a parent that already ran torch or faiss
does not survive fork(): a child that then runs either on several threads waits forever. So every
library that starts an OpenMP pool registers a one-thread limit for forked children here, and
:func:`available_cores` answers 1 in such a child.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Callable

_forked_after_openmp = False


def available_cores() -> int:
    """Cores this process may use: its CPU affinity, capped by ``OMP_NUM_THREADS`` when set; 1 in a
    process forked from one that had started an OpenMP pool."""
    if _forked_after_openmp:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    requested = os.environ.get("OMP_NUM_THREADS", "")
    if requested.isdigit() and int(requested) > 0:
        cores = min(cores, int(requested))
    return max(cores, 1)


@lru_cache(maxsize=None)
def single_thread_after_fork(limit_to_one_thread: Callable[[], None]) -> None:
    """Call before a library first starts its OpenMP pool: forked children then run it on one thread."""

    def in_child() -> None:
        global _forked_after_openmp
        _forked_after_openmp = True
        limit_to_one_thread()

    os.register_at_fork(after_in_child=in_child)
