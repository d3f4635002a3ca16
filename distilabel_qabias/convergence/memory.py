"""Plain pages for the dedup's large numpy arrays.

numpy asks the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``) on every array of 4 MiB
or more. Where memory is fragmented the kernel then compacts memory for each fresh array before its
first use: on the 2-core benchmark machine that was about a fifth of the dedup's time at 1M rows, all
of it system time (a 300 MB array: 2.2 s in the kernel, 0.12 s with plain pages). The dedup reads its
arrays a few times each, so huge pages buy it nothing. :func:`plain_pages` switches numpy's request
off for the time of a call and restores the previous setting afterwards, so nothing else in the
process is affected; ``NUMPY_MADVISE_HUGEPAGE=0`` does the same for a whole process.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

try:  # numpy >= 2
    from numpy._core.multiarray import _set_madvise_hugepage
except ImportError:  # pragma: no cover - numpy 1.x
    try:
        from numpy.core.multiarray import _set_madvise_hugepage
    except ImportError:
        _set_madvise_hugepage = None

_lock = threading.Lock()
_depth = 0  # calls inside plain_pages(), across threads
_previous = True  # numpy's setting when the outermost call began


@contextmanager
def plain_pages() -> Iterator[None]:
    """numpy allocates without asking for huge pages inside the block (nested and concurrent blocks share
    one switch; the setting found by the outermost one is restored when the last one leaves)."""
    global _depth, _previous
    if _set_madvise_hugepage is None:
        yield
        return
    with _lock:
        if _depth == 0:
            _previous = _set_madvise_hugepage(False)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _set_madvise_hugepage(_previous)
