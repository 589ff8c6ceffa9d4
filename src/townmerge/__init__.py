"""townmerge: plan the consolidation of townships and villages.

Examples
--------
>>> import townmerge
>>> sorted(townmerge.__all__)[:3]
['ColumnMap', 'Config', 'Plan']
"""

from .adjacency import build_adjacency
from .columns import ColumnMap
from .config import Config
from .evaluate import PlanSummary, check_plan, merged_units, summarize
from .flows import pair_exchange, unit_flows
from .generate import greedy_plan
from .io import (
    read_plan,
    read_study_area,
    validate,
    write_plan,
    write_study_area,
)
from .model import StudyArea
from .plan import Plan
from .validation import Problem, ValidationReport

__all__ = [
    "ColumnMap",
    "Config",
    "Plan",
    "PlanSummary",
    "Problem",
    "StudyArea",
    "ValidationReport",
    "build_adjacency",
    "check_plan",
    "greedy_plan",
    "merged_units",
    "pair_exchange",
    "read_plan",
    "read_study_area",
    "summarize",
    "unit_flows",
    "validate",
    "write_plan",
    "write_study_area",
]
__version__ = "0.1.0"
