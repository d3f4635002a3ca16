"""Confidence intervals for metrics measured over documents: the bootstrap over documents,
paired differences between arms on the same documents, and the Wilson interval for a proportion.

Every metric of the bias report is a *ratio estimator over documents*: each document contributes
a numerator and a denominator, and the metric is ``sum(numerators) / sum(denominators)``. A mean
over documents is the special case denominator 1 (0 for a document where the metric is
undefined, e.g. a Gini without hits); a pooled share (hijacked hits / hits) is the general case.
Documents, not rows, are resampled: rows of one document are not independent (they share the
text, the chunks and the model's habits on it), so a row-level interval would be too narrow.

A resample is a vector of counts, how often each document was drawn, so one matrix product
evaluates every resample at once; a paired difference draws each resample once and applies it to
both arms, which is what makes it paired. Intervals are percentile intervals.

Many metrics compared over several pairs of arms make some intervals exclude 0 by chance alone, so a
paired difference also carries its bootstrap p-value (the percentile interval's dual: twice the share of
resamples on the far side of 0) and ``holm`` adjusts a family of them (Holm's step-down method controls
the chance of any false "significant" in the family at 5%).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional, Sequence

import numpy as np

CONFIDENCE = 0.95
RESAMPLES = 2000


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval; ``documents`` = units that defined it."""

    estimate: Optional[float]
    low: Optional[float]
    high: Optional[float]
    documents: int
    confidence: float = CONFIDENCE
    p_value: Optional[float] = None  # paired differences only: two-sided bootstrap p-value of "no difference"

    @property
    def excludes_zero(self) -> bool:
        """True when the interval lies strictly on one side of 0 (a significant difference)."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)

    def to_dict(self) -> dict:
        return {
            "estimate": self.estimate,
            "low": self.low,
            "high": self.high,
            "documents": self.documents,
            "confidence": self.confidence,
            **({"p_value": self.p_value} if self.p_value is not None else {}),
        }


@dataclass(frozen=True)
class Ratio:
    """Per-document numerators and denominators of one metric, documents in a fixed order."""

    numerators: np.ndarray
    denominators: np.ndarray

    @classmethod
    def of(cls, numerators: Sequence[float], denominators: Sequence[float] | None = None) -> "Ratio":
        num = np.asarray(numerators, dtype=float)
        den = np.ones_like(num) if denominators is None else np.asarray(denominators, dtype=float)
        if num.shape != den.shape or num.ndim != 1:
            raise ValueError(f"numerators {num.shape} and denominators {den.shape} must be 1-d and the same length")
        undefined = ~np.isfinite(num) | ~np.isfinite(den)
        return cls(np.where(undefined, 0.0, num), np.where(undefined, 0.0, den))

    @classmethod
    def mean_of(cls, values: Sequence[Optional[float]]) -> "Ratio":
        """The mean over documents of ``values``; None/NaN documents are left out of it."""
        arr = np.array([math.nan if v is None else float(v) for v in values], dtype=float)
        defined = np.isfinite(arr)
        return cls(np.where(defined, arr, 0.0), defined.astype(float))

    def __len__(self) -> int:
        return self.numerators.size

    @property
    def documents(self) -> int:
        return int(np.count_nonzero(self.denominators))

    def value(self, weights: np.ndarray | None = None) -> np.ndarray | float:
        """The metric, or one value per row of ``weights`` (resample counts); NaN where undefined."""
        if weights is None:
            den = self.denominators.sum()
            return float(self.numerators.sum() / den) if den else math.nan
        num = weights @ self.numerators
        den = weights @ self.denominators
        return np.divide(num, den, out=np.full(num.shape, np.nan), where=den != 0)


def resample_weights(n: int, *, resamples: int = RESAMPLES, seed: int = 0) -> np.ndarray:
    """``resamples`` x ``n`` counts: row r says how often each of ``n`` documents was drawn."""
    if n <= 0:
        return np.zeros((resamples, 0))
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(float)


def _interval(estimate: float, draws: np.ndarray, documents: int, confidence: float) -> Interval:
    if not math.isfinite(estimate):
        return Interval(None, None, None, documents, confidence)
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return Interval(estimate, None, None, documents, confidence)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return Interval(float(estimate), float(low), float(high), documents, confidence)


def bootstrap(
    metric: Ratio, *, resamples: int = RESAMPLES, confidence: float = CONFIDENCE, seed: int = 0
) -> Interval:
    """The metric with its percentile bootstrap interval over documents."""
    weights = resample_weights(len(metric), resamples=resamples, seed=seed)
    return _interval(metric.value(), metric.value(weights), metric.documents, confidence)


def paired_difference(
    first: Ratio, second: Ratio, *, resamples: int = RESAMPLES, confidence: float = CONFIDENCE, seed: int = 0
) -> Interval:
    """``second - first`` on the same documents (same order), each resample applied to both arms."""
    if len(first) != len(second):
        raise ValueError(f"paired arms need the same documents: {len(first)} vs {len(second)}")
    weights = resample_weights(len(first), resamples=resamples, seed=seed)
    both = int(np.count_nonzero((first.denominators != 0) & (second.denominators != 0)))
    estimate = second.value() - first.value()
    draws = second.value(weights) - first.value(weights)
    interval = _interval(estimate, draws, both, confidence)
    finite = draws[np.isfinite(draws)]
    if interval.low is None or finite.size == 0:
        return interval
    # a resample exactly at 0 counts on both sides, so a zero-width null gives p = 1
    far_side = min(np.mean(finite <= 0), np.mean(finite >= 0))
    return replace(interval, p_value=float(min(1.0, 2 * far_side)))


def holm(p_values: Sequence[Optional[float]], *, alpha: float = 1 - CONFIDENCE) -> list[Optional[bool]]:
    """Holm's step-down test over a family of p-values: True where "no difference" is rejected with the
    family-wise error rate held at ``alpha``; None where there is no p-value (left out of the family)."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    verdict: list[Optional[bool]] = [None] * len(p_values)
    rejecting = True
    for rank, (p, i) in enumerate(tested):
        rejecting = rejecting and p <= alpha / (len(tested) - rank)
        verdict[i] = rejecting
    return verdict


def wilson(successes: int, trials: int, *, confidence: float = CONFIDENCE) -> Interval:
    """The Wilson score interval of a proportion (good at 0/n and n/n, unlike the normal one)."""
    if trials <= 0:
        return Interval(None, None, None, 0, confidence)
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the bounds, not 1e-17 off
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Interval(p, low, high, trials, confidence)
