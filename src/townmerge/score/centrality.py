"""Composite centrality of settlements: indicators scaled to [0, 1], entropy-weighted.

:func:`centrality_index` gives every settlement a score Z from indicators such
as population, potential, road strength and facilities, weighted by
:func:`entropy_weights` (熵权法) unless fixed weights are given; seats and
tiers are chosen by it (:mod:`townmerge.score.seats`, :mod:`townmerge.score.tiers`).

Examples
--------
>>> x = pd.DataFrame({"population": [100.0, 400.0]}, index=["a", "b"])
>>> centrality_index(x)["Z"].tolist()
[0.25, 1.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["centrality_index", "entropy_weights"]


def entropy_weights(indicators: pd.DataFrame) -> pd.Series:
    r"""Entropy weights (熵权法) of indicator columns scaled to [0, 1].

    With :math:`p_{ij} = x_{ij} / \sum_i x_{ij}` and
    :math:`e_j = -\frac{1}{\ln n} \sum_i p_{ij} \ln p_{ij}`, the weight is
    :math:`w_j = (1 - e_j) / \sum_k (1 - e_k)`: indicators that separate the
    settlements more get more weight; a constant indicator gets 0. Equal
    weights when every indicator is constant.

    Parameters
    ----------
    indicators : DataFrame
        Non-negative columns (rows: settlements).

    Returns
    -------
    Series
        Weights summing to 1, indexed by column.

    Examples
    --------
    >>> x = pd.DataFrame({"a": [0.0, 0.5, 1.0], "b": [1.0, 1.0, 1.0]})
    >>> entropy_weights(x).round(3).tolist()
    [1.0, 0.0]
    """
    x = indicators.to_numpy(dtype=float)
    n = x.shape[0]
    cols = indicators.columns
    if n <= 1 or x.size == 0:
        return pd.Series(np.full(len(cols), 1.0 / max(len(cols), 1)), index=cols, name="weight")
    total = x.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(total > 0, x / total, 0.0)
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / math.log(n)
    d = np.where(total > 0, np.clip(1.0 - e, 0.0, None), 0.0)
    w = np.full(len(cols), 1.0 / len(cols)) if d.sum() <= 0 else d / d.sum()
    return pd.Series(w, index=cols, name="weight")


def centrality_index(
    indicators: pd.DataFrame, weights: Mapping[str, float] | Sequence[tuple[str, float]] = (),
) -> pd.DataFrame:
    r"""Composite centrality Z of settlements: indicators scaled to [0, 1], weighted.

    Each indicator is divided by its maximum (:math:`x / \max x`, so 0 stays
    0 and the strongest settlement is 1), then :math:`Z = \sum_j w_j x_j`
    with entropy weights (:func:`entropy_weights`) unless fixed ``weights``
    are given (renormalised over the indicators present).

    Parameters
    ----------
    indicators : DataFrame
        Non-negative columns such as ``population``, ``potential``, ``road``,
        ``facilities``, ``gdp`` (NaN counts as 0).
    weights : mapping or pairs, optional
        Fixed weights by indicator name.

    Returns
    -------
    DataFrame
        The scaled indicators and ``Z``; ``attrs["weights"]`` holds the
        weights used.

    Raises
    ------
    InputError
        When fixed weights name no indicator present.

    Examples
    --------
    >>> x = pd.DataFrame({"population": [100.0, 400.0], "road": [2.0, 1.0]}, index=["a", "b"])
    >>> centrality_index(x, {"population": 1.0, "road": 1.0})["Z"].tolist()
    [0.625, 0.75]
    """
    x = indicators.astype(float).fillna(0.0).clip(lower=0.0)
    mx = x.max(axis=0)
    scaled = x.divide(mx.where(mx > 0, 1.0), axis=1)
    fixed = dict(weights)
    if fixed:
        present = {k: float(v) for k, v in fixed.items() if k in scaled.columns}
        if not present or sum(present.values()) <= 0:
            raise InputError(f"The centrality weights {fixed} name no indicator present; "
                             f"indicators: {list(scaled.columns)}.")
        w = pd.Series({c: present.get(c, 0.0) for c in scaled.columns}, dtype=float)
        w = w / w.sum()
    else:
        w = entropy_weights(scaled)
    out = scaled.copy()
    out["Z"] = scaled.to_numpy() @ w.to_numpy() if len(scaled.columns) else 0.0
    out.attrs["weights"] = {str(k): float(v) for k, v in w.items()}
    return out
