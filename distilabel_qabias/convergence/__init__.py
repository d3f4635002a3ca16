"""Convergence dedup: which generated questions ask the same thing (plain module, no distilabel import).

``normalize`` (exact-repeat keys, fact signatures), ``graph`` (neighbour search), ``merge`` (guarded
union-find), ``result`` (what was found and why), ``dedup`` (:func:`deduplicate`, the stages in order),
``partition`` (partitions deduplicated apart, then a merge pass over their representatives).
"""
