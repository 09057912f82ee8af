"""Raw signal -> 0-1 component, and the weighted mean that lets missing signals drop out.

The scaling is OpenSSF criticality_score's: v = log(1 + min(x, T)) / log(1 + T), flipped where
smaller is better. A null signal stays null, so it leaves the mean instead of counting as zero.
"""

from __future__ import annotations

import math

import polars as pl


def log_scaled(signal: pl.Expr, threshold: float, *, flip: bool = False) -> pl.Expr:
    """The criticality scaling of `signal` against `threshold`, in 0-1 (nulls stay null)."""
    if threshold <= 0:
        raise ValueError("threshold must be positive")
    clipped = signal.cast(pl.Float64).clip(lower_bound=0.0, upper_bound=threshold)
    value = (clipped + 1.0).log() / math.log1p(threshold)
    return 1.0 - value if flip else value


def weighted_mean(components: dict[str, float]) -> pl.Expr:
    """Mean of the named component columns weighted by `components`, ignoring null columns.

    A negative weight is a penalty: it subtracts from the mean of the positive terms present
    without joining the denominator, so a penalty of 0 ranks the same as one never measured.
    With no positive term present, the penalties are averaged on their own (a negative score).
    Null when every component is null: nothing was collected, so there is no score.
    """
    active = {name: weight for name, weight in components.items() if weight != 0}
    if not active:
        return pl.lit(None, dtype=pl.Float64)
    numerator = pl.sum_horizontal(pl.col(n).fill_null(0.0) * w for n, w in active.items())

    def present(weights: dict[str, float]) -> pl.Expr:
        """The summed |weight| of the components a row has."""
        return pl.sum_horizontal(
            pl.lit(0.0),
            *(
                pl.when(pl.col(n).is_not_null()).then(abs(w)).otherwise(0.0)
                for n, w in weights.items()
            ),
        )

    positive = present({n: w for n, w in active.items() if w > 0})
    every = present(active)
    denominator = pl.when(positive > 0).then(positive).otherwise(every)
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)
