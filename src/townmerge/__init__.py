"""townmerge: plan the consolidation of townships and villages.

The top level holds what a user calls, by task; everything else stays in its
submodule (``townmerge.graph.flows``, ``townmerge.evaluate.metrics``,
``townmerge.data.nesting``, ...).

- Read and validate data: :func:`read_study_area`, :func:`validate`,
  :class:`StudyArea`, :func:`read_plan`, :func:`write_plan`.
- Build graphs: :func:`build_adjacency` (units), :func:`build_settlement_graph`
  (settlements with flows and travel minutes).
- Score: :func:`score_mergers`, :func:`plan_objective`, :func:`choose_seat`,
  :func:`classify_tiers`, :class:`MergerScorer`, and :class:`GroupScorer`, the
  protocol an extension's scorer implements.
- Generate: :func:`generate_plan`, :func:`greedy_plan`, :func:`generate_ensemble`,
  :func:`best_plans`; a plan is a :class:`Plan`.
- Evaluate and compare: :func:`check_plan`, :func:`plan_metrics`,
  :func:`merged_units`, :func:`compare_plans`; :func:`evaluate_plan` gives all of
  it for one plan.
- The whole reform, three levels deep (镇村组三级联动): :func:`plan_reform` gives a
  :class:`Reform` (townships, villages and communities nested in them, groups).
- Map and report: :func:`before_after_map`, :func:`save_map`, :func:`plan_report`,
  :func:`save_report`.
- Settings: :class:`Config` and its threshold and criteria settings
  :class:`Thresholds`, :class:`TerrainThresholds`, :class:`CriteriaSettings`.
- Errors: :class:`TownmergeError` (every error of the package),
  :class:`InputError` (bad input; ``problems`` lists them), :class:`InfeasibleError`
  (no plan meets the constraints); the rest are in :mod:`townmerge.errors`.

Examples
--------
>>> import townmerge
>>> "StudyArea" in townmerge.__all__ and "generate_plan" in townmerge.__all__
True
>>> from townmerge.graph.flows import settlement_flows   # the rest: from its submodule
"""

from .config import Config, CriteriaSettings, TerrainThresholds, Thresholds
from .data.io import read_study_area, validate
from .data.model import StudyArea
from .data.plan import Plan
from .data.plan_csv import read_plan, write_plan
from .errors import InfeasibleError, InputError, TownmergeError
from .evaluate.check import check_plan
from .evaluate.evaluation import compare_plans, evaluate_plan
from .evaluate.metrics import merged_units, plan_metrics
from .evaluate.three_levels import Reform, plan_reform
from .generate import GroupScorer, best_plans, generate_ensemble, generate_plan, greedy_plan
from .graph.adjacency import build_adjacency
from .graph.flows import build_settlement_graph
from .render import before_after_map, plan_report, save_map, save_report
from .score.plan_scores import plan_objective
from .score.scorer import MergerScorer, score_mergers
from .score.seat_choice import choose_seat
from .score.tiers import classify_tiers

__all__ = [  # noqa: RUF022  (grouped by task, as in the docstring above)
    # read and validate data
    "read_study_area",
    "validate",
    "StudyArea",
    "read_plan",
    "write_plan",
    # build graphs
    "build_adjacency",
    "build_settlement_graph",
    # score
    "score_mergers",
    "plan_objective",
    "choose_seat",
    "classify_tiers",
    "MergerScorer",
    "GroupScorer",
    # generate
    "generate_plan",
    "greedy_plan",
    "generate_ensemble",
    "best_plans",
    "Plan",
    # evaluate and compare
    "check_plan",
    "plan_metrics",
    "merged_units",
    "compare_plans",
    "evaluate_plan",
    # the whole reform
    "plan_reform",
    "Reform",
    # map and report
    "before_after_map",
    "save_map",
    "plan_report",
    "save_report",
    # settings
    "Config",
    "Thresholds",
    "TerrainThresholds",
    "CriteriaSettings",
    # errors
    "TownmergeError",
    "InputError",
    "InfeasibleError",
]
__version__ = "0.1.0"
