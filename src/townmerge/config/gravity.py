"""The gravity model of unobserved flows (domain notes §4) and its fit (``[gravity]``).

:class:`GravityParams` holds the distance decay, the scale, the fit method (:data:`FitMethod`)
and the GDP proxy's weights by settlement kind (:data:`GDP_WEIGHT`).

Examples
--------
>>> GravityParams().method, GDP_WEIGHT["town seat"]
('poisson', 2.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from ..errors import InputError

__all__ = ["GDP_WEIGHT", "FitMethod", "GravityParams"]

#: How the gravity model is fitted: Poisson pseudo-maximum-likelihood or log-linear least
#: squares (see :attr:`GravityParams.method`).
FitMethod = Literal["poisson", "loglinear"]

#: Per-capita output of each settlement kind relative to a village, for the GDP proxy.
GDP_WEIGHT: Mapping[str, float] = MappingProxyType({
    "county seat": 3.0, "town seat": 2.0, "community": 1.5, "village": 1.0,
})


@dataclass(frozen=True)
class GravityParams:
    """Settings of the gravity model; every default is documented here.

    Attributes
    ----------
    b : float, default 2.0
        Distance-decay exponent for flow types that are not observed (or not
        fitted). 2 is the classic 引力模型 value (domain notes §4, b = 1–2).
    k : float, default 1.0
        Scale for flow types that are not observed: unobserved flows are then
        a relative index (memberships, dominant directions and
        self-containment do not depend on ``k``).
    min_minutes : float, default 5.0
        Travel times below this count as this (``t_0``): it keeps flows
        between settlements of one market town finite, standing for the
        terminal time of any trip.
    fit : bool, default True
        Fit ``k`` and ``b`` of every observed flow type and report them.
    method : {"poisson", "loglinear"}, default "poisson"
        ``"poisson"``: Poisson pseudo-maximum-likelihood by IRLS (Santos Silva
        & Tenreyro 2006): consistent under heteroskedastic noise, keeps zero
        flows. ``"loglinear"``: least squares of ``log I − log M_i M_j`` on
        ``log t`` (the classic appendix method): faster, but drops zeros and
        is biased when the noise's variance changes with the flow.
    fill_unobserved : bool, default False
        ``False``: the flow table is complete for the types it has (a pair
        it does not list carries none of them), and fits use every pair
        within the cut-off, zeros included. ``True``: the table is a sample of
        pairs; the fit uses the listed pairs and pairs within the cut-off that
        it does not list get the fitted gravity estimate.
    gdp_weight : mapping of str to float
        Per-capita output of each settlement ``kind`` relative to a village,
        for the GDP proxy ``G = P × w`` used when settlements have no ``gdp``
        column: county seat 3, town seat 2, community 1.5, village 1. Towns
        hold the shops, services and firms (Sichuan's 100 central towns average
        ¥27.21亿 GDP for 3.76万 residents, about ¥7.2万 a head, domain notes
        §1.1); the ratios between kinds are assumptions: give a ``gdp`` column
        where it is known.
    default_gdp_weight : float, default 1.0
        Weight of kinds missing from ``gdp_weight``.
    traffic_reference_kmh : float, default 25.0
        Road speed ``v`` of the traffic road weight ``max(S, v) / 2v`` (a
        village road).

    Examples
    --------
    >>> GravityParams().b, GravityParams(b=1.5).b
    (2.0, 1.5)
    """

    b: float = 2.0
    k: float = 1.0
    min_minutes: float = 5.0
    fit: bool = True
    method: FitMethod = "poisson"
    fill_unobserved: bool = False
    gdp_weight: Mapping[str, float] = field(default_factory=lambda: GDP_WEIGHT)
    default_gdp_weight: float = 1.0
    traffic_reference_kmh: float = 25.0

    def __hash__(self) -> int:
        return hash(tuple(tuple(sorted(v.items())) if isinstance(v, Mapping) else v
                          for v in vars(self).values()))

    def __post_init__(self) -> None:
        object.__setattr__(self, "gdp_weight", MappingProxyType(
            {str(k): float(v) for k, v in self.gdp_weight.items()}))
        bad = [n for n in ("k", "min_minutes", "default_gdp_weight", "traffic_reference_kmh")
               if not getattr(self, n) > 0]
        bad += [f"gdp_weight[{k!r}]" for k, v in self.gdp_weight.items() if not v > 0]
        if not self.b >= 0:
            bad.append("b")
        if bad:
            raise InputError(f"GravityParams must be positive; got {bad} out of range.")
        if self.method not in ("poisson", "loglinear"):
            raise InputError(f"Unknown fit method {self.method!r}; expected 'poisson' or "
                             "'loglinear'.")
