"""Process settings the dedup switches off while it runs: huge pages for numpy arrays, and the cyclic
garbage collector.

numpy asks the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``) on every array of 4 MiB
or more. Where memory is fragmented the kernel then compacts memory for each fresh array before its
first use: on the 2-core benchmark machine that was about a fifth of the dedup's time at 1M rows, all
of it system time (a 300 MB array: 2.2 s in the kernel, 0.12 s with plain pages). The dedup reads its
arrays a few times each, so huge pages buy it nothing. ``NUMPY_MADVISE_HUGEPAGE=0`` does the same for a
whole process.

Python's cyclic collector walks every live container object in a full collection, and the dedup makes
millions (fact signatures, word sets, per-cluster lists) without reference cycles: at 1M rows its full
collections took 6 of the 28 clustering seconds, a share that grows with the rows.

Each switch is off for the time of a call and restored afterwards, so nothing else in the process is
affected; nested and concurrent calls share one switch, and the setting found by the outermost call is
restored when the last one leaves.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

try:  # numpy >= 2
    from numpy._core.multiarray import _set_madvise_hugepage
except ImportError:  # pragma: no cover - numpy 1.x
    try:
        from numpy.core.multiarray import _set_madvise_hugepage
    except ImportError:
        _set_madvise_hugepage = None


class _Switch:
    """A process-wide setting: ``turn_off()`` returns the previous setting, ``restore(previous)`` puts it back."""

    def __init__(self, turn_off: Callable[[], Any], restore: Callable[[Any], Any]):
        self._turn_off, self._restore = turn_off, restore
        self._lock = threading.Lock()
        self._depth = 0  # calls inside, across threads
        self._previous: Any = None  # the setting when the outermost call began

    @contextmanager
    def off(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._previous = self._turn_off()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    self._restore(self._previous)


def _collector_off() -> bool:
    was_enabled = gc.isenabled()
    gc.disable()
    return was_enabled


def _collector_restore(was_enabled: bool) -> None:
    if was_enabled:
        gc.enable()


_huge_pages = _Switch(lambda: _set_madvise_hugepage(False), _set_madvise_hugepage) if _set_madvise_hugepage else None
_collector = _Switch(_collector_off, _collector_restore)


@contextmanager
def memory_settings() -> Iterator[None]:
    """Inside the block numpy allocates without asking for huge pages and the cyclic collector is paused."""
    with _collector.off():
        if _huge_pages is None:
            yield
        else:
            with _huge_pages.off():
                yield
