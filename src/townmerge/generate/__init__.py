"""Plan generators. Each returns a :class:`townmerge.plan.Plan`."""

from .greedy import greedy_plan

__all__ = ["greedy_plan"]
