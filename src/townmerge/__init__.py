"""townmerge: plan the consolidation of townships and villages.

Examples
--------
>>> import townmerge
>>> "StudyArea" in townmerge.__all__ and "generate_plan" in townmerge.__all__
True
"""

from .adjacency import (
    boundary_lengths,
    build_adjacency,
    find_islands,
    read_links,
    suggest_links,
    to_networkx,
)
from .columns import ColumnMap
from .config import Bands, Config, Constraints, SeatSettings, TierSettings, Weights
from .criteria import Criterion, CriterionRegistry, default_criteria
from .derived import Derived, derived
from .evaluate import (
    PlanSummary,
    adjusted_rand_index,
    check_plan,
    compare_plans,
    merged_units,
    plan_breaches,
    plan_metrics,
    summarize,
)
from .figures import FigureModel, figure_bounds
from .flows import (
    GravityFit,
    GravityParams,
    SettlementFlows,
    build_settlement_graph,
    fit_gravity,
    gravity_masses,
    pair_exchange,
    settlement_flows,
    unit_flows,
    unit_pair_flows,
)
from .generate import (
    best_plans,
    co_occurrence,
    generate_ensemble,
    generate_plan,
    greedy_plan,
)
from .io import (
    read_plan,
    read_study_area,
    validate,
    write_plan,
    write_study_area,
)
from .model import StudyArea
from .nesting import Nesting, check_nested
from .plan import Plan
from .render import before_after_map, plan_report, save_map, save_report
from .score import MergerScorer, objective_value, plan_objective, score_mergers, score_plan
from .seats import choose_seat
from .territories import village_territories
from .tiers import classify_tiers, natural_breaks
from .travel import TravelNetwork, TravelParams, travel_times
from .validation import Problem, ValidationReport

__all__ = [
    "Bands",
    "ColumnMap",
    "Config",
    "Constraints",
    "Criterion",
    "CriterionRegistry",
    "Derived",
    "FigureModel",
    "GravityFit",
    "GravityParams",
    "MergerScorer",
    "Nesting",
    "Plan",
    "PlanSummary",
    "Problem",
    "SeatSettings",
    "SettlementFlows",
    "StudyArea",
    "TierSettings",
    "TravelNetwork",
    "TravelParams",
    "ValidationReport",
    "Weights",
    "adjusted_rand_index",
    "before_after_map",
    "best_plans",
    "boundary_lengths",
    "build_adjacency",
    "build_settlement_graph",
    "check_nested",
    "check_plan",
    "choose_seat",
    "classify_tiers",
    "co_occurrence",
    "compare_plans",
    "default_criteria",
    "derived",
    "figure_bounds",
    "find_islands",
    "fit_gravity",
    "generate_ensemble",
    "generate_plan",
    "gravity_masses",
    "greedy_plan",
    "merged_units",
    "natural_breaks",
    "objective_value",
    "pair_exchange",
    "plan_breaches",
    "plan_metrics",
    "plan_objective",
    "plan_report",
    "read_links",
    "read_plan",
    "read_study_area",
    "save_map",
    "save_report",
    "score_mergers",
    "score_plan",
    "settlement_flows",
    "suggest_links",
    "summarize",
    "to_networkx",
    "travel_times",
    "unit_flows",
    "unit_pair_flows",
    "validate",
    "village_territories",
    "write_plan",
    "write_study_area",
]
__version__ = "0.1.0"
