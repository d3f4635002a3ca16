"""Convergence dedup: which generated questions ask the same thing (plain module, no distilabel import).

``normalize`` (exact-repeat keys, fact signatures), ``graph`` (neighbour search), ``fact_guard`` (number
and entity codes of the nodes), ``merge`` (guarded merging: whole components, the rest through
``union_find``, the guarded union-find in Kruskal's order), ``result`` (what was found and why), ``dedup``
(:func:`deduplicate`, the stages in order), ``partition`` (partitions deduplicated apart, then a merge
pass over their representatives), ``memory`` (plain pages for the large arrays).
"""
