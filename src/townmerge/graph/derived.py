"""The structures derived from a study area, built once per area and settings.

Adjacency with border lengths, the travel network and its times, the settlement
flows with their Poisson fits: every step of a workflow (scoring, generation,
checking, figures, the report) reads them, and at province scale each costs
seconds. :func:`derived` hands out one immutable :class:`Derived` per study area
and settings; its views are built on first use and kept on the area (in the
spirit of libpysal's ``Graph``: built once, passed around, never silently
rebuilt). Every public function that used to build them itself reads them from
here; an explicit ``edges=``, ``network=`` or ``flows=`` argument still wins.

Each view is keyed by the settings it depends on, so two configurations that
differ only in criterion weights share the travel network and the flows, and a
change of ``Config.travel`` rebuilds the travel network and the flows, never the
adjacency. The store lives on the :class:`~townmerge.data.model.StudyArea` (not in a
module-level cache) and is left out when the area is pickled.

Examples
--------
>>> from townmerge.datasets.synthetic import sample_county
>>> from townmerge.data.model import StudyArea
>>> from townmerge.config import Config, TravelParams
>>> c = sample_county()
>>> area = StudyArea(c.units, c.settlements, c.flows, c.roads)
>>> d = derived(area)
>>> d is derived(area), d.edges is derived(area).edges
(True, True)
>>> slow = derived(area, Config(travel=TravelParams(default_speed_kmh=20.0)))
>>> slow.edges is d.edges, slow.travel is d.travel
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pandas as pd

from ..config import Config
from ..data.model import StudyArea
from .adjacency import build_adjacency
from .flows import SettlementFlows, settlement_flows
from .travel import TravelNetwork

__all__ = ["Derived", "derived"]

T = TypeVar("T")


def _fingerprint(settings: object) -> str:
    """A key for frozen settings (their repr: equal settings, equal keys)."""
    return repr(settings)


class Derived:
    """The derived structures of one study area under one configuration.

    Obtain it with :func:`derived` (which returns the same object for the same
    area and settings); every view is built on first use, then shared.

    Parameters
    ----------
    area : StudyArea
    config : Config, optional
        Default: ``Config()``.

    Attributes
    ----------
    area : StudyArea
    config : Config

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> d = derived(StudyArea(grid_units("AB / CD")))
    >>> len(d.edges), d.edges is d.edges
    (4, True)
    """

    __slots__ = ("_key", "area", "config")
    area: StudyArea
    config: Config
    _key: str

    def __init__(self, area: StudyArea, config: Config | None = None) -> None:
        object.__setattr__(self, "area", area)
        object.__setattr__(self, "config", config or Config())
        object.__setattr__(self, "_key", _fingerprint(self.config))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Derived structures are never mutated; call derived(area, "
                             "config) for other settings.")

    def __repr__(self) -> str:
        return f"<Derived of {self.area!r}>"

    @property
    def edges(self) -> pd.DataFrame:
        """Rook adjacency with shared border lengths (:func:`~townmerge.build_adjacency`).

        Shared by every step: treat it as read-only.
        """
        return self.area.memo(("edges",), lambda: build_adjacency(self.area))

    @property
    def travel(self) -> TravelNetwork:
        """The travel network and times for ``config.travel``."""
        travel = self.config.travel
        return self.area.memo(("travel", _fingerprint(travel)),
                              lambda: TravelNetwork(self.area, travel))

    @property
    def flows(self) -> SettlementFlows:
        """Settlement flows and their fits for ``config.gravity`` over :attr:`travel`.

        Raises
        ------
        InputError
            When the area has no settlements to carry flows (raised again on
            every access, never rebuilt).
        """
        cfg = self.config
        return self.area.memo(
            ("flows", _fingerprint(cfg.travel), _fingerprint(cfg.gravity)),
            lambda: settlement_flows(self.area, gravity=cfg.gravity, network=self.travel))

    def memo(self, name: str, build: Callable[[], T]) -> T:
        """A structure of a later layer (seats, figures) for these settings, built once.

        Keyed by ``name`` and the whole configuration.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> d = derived(StudyArea(grid_units("AB")))
        >>> d.memo("ids", lambda: list(d.area.unit_ids)) is d.memo("ids", list)
        True
        """
        return self.area.memo((name, self._key), build)


def derived(area: StudyArea, config: Config | None = None) -> Derived:
    """The derived structures of ``area`` under ``config``: the same object every call.

    Parameters
    ----------
    area : StudyArea
    config : Config, optional
        Default: ``Config()``; equal settings give the same object.

    Returns
    -------
    Derived

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> area = StudyArea(grid_units("AB"))
    >>> derived(area) is derived(area, Config())
    True
    """
    cfg = config or Config()
    return area.memo(("derived", _fingerprint(cfg)), lambda: Derived(area, cfg))
