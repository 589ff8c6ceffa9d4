"""Checks of the flows table: its columns, its endpoints and its values.

Errors: no origin/destination or flow column, a header without rows, endpoints that are
not settlements, values that are missing, negative, not numbers or above
:data:`MAX_FLOW`. Warnings: a pair listed in several rows, flows from a settlement to
itself.

Examples
--------
>>> import pandas as pd
>>> flows = pd.DataFrame({"origin": ["a"], "destination": ["b"], "traffic": ["many"]})
>>> [p.code for p in flow_problems(flows, None)]
['bad-flow']
"""

from __future__ import annotations

import pandas as pd

from ..errors import format_ids
from .columns import FLOW_TYPES
from .features import FeatureRows, as_ident, bad_numbers, value_repr
from .problems import Problem, are, plural

__all__ = ["MAX_FLOW", "flow_problems"]

#: Largest believable flow value between two settlements (people, trips or yuan).
MAX_FLOW = 1e12


def flow_problems(flows: pd.DataFrame, srows: FeatureRows | None) -> list[Problem]:
    """Every problem of a flows table, errors and warnings.

    Errors: missing columns, no rows, unknown or empty endpoints, bad values. Warnings: pairs
    listed twice, flows from a settlement to itself.

    ``srows`` are the settlements the endpoints must name (None: not checked).

    Examples
    --------
    >>> import pandas as pd
    >>> flows = pd.DataFrame({"origin": ["a", "a"], "destination": ["a", "b"],
    ...                       "population": [3, -1]})
    >>> [p.code for p in flow_problems(flows, None)]
    ['bad-flow', 'self-flow']
    """
    out: list[Problem] = []
    missing_cols = [c for c in ("origin", "destination") if c not in flows.columns]
    if missing_cols:
        return [Problem(
            "error", "missing-column", "flows",
            f"The flows table has no column(s) {missing_cols}; its columns are "
            f"{[str(c) for c in flows.columns]}. Name them with origin=... / destination=....")]
    if len(flows) == 0:
        out.append(Problem(
            "error", "no-flows", "flows",
            "The flows table has a header but no rows, which would mean no flow at all between "
            "any settlements. List the observed flows (origin, destination and population, "
            "traffic or economic), or remove the table: flows are then estimated by the "
            "gravity model."))
    origin = [as_ident(v) for v in flows["origin"]]
    dest = [as_ident(v) for v in flows["destination"]]
    label_of: dict[str, str] = {}
    if srows is not None:
        for i, sid in enumerate(srows.ids):
            if sid is not None and sid not in label_of:
                label_of[sid] = srows.labels[i]

    def show(sid: str | None) -> str:
        return "(none)" if sid is None else label_of.get(sid, sid)

    value_cols = [c for c in FLOW_TYPES if c in flows.columns]
    if not value_cols:
        out.append(Problem(
            "error", "missing-column", "flows",
            f"The flows table has none of the flow columns {list(FLOW_TYPES)}; its columns "
            f"are {[str(c) for c in flows.columns]}. Name the flow values population, "
            "traffic or economic (人口流、交通流、经济流)."))

    if srows is not None:
        known = set(label_of)
        counts: dict[str, int] = {}
        blank = 0
        for o, d in zip(origin, dest, strict=True):
            for sid in (o, d):
                if sid is None:
                    blank += 1
                elif sid not in known:
                    counts[sid] = counts.get(sid, 0) + 1
        if counts or blank:
            labels = [f"{sid} (in {plural(c, 'flow')})" for sid, c in counts.items()]
            none = (f"{plural(blank, 'endpoint')} {are(blank)} empty. " if blank else "")
            listed = (f"{plural(len(counts), 'settlement id')} {are(len(counts))} not in the "
                      f"settlements layer: {format_ids(labels)}. " if counts else "")
            out.append(Problem(
                "error", "unknown-flow-endpoint", "flows",
                f"Flows name settlements that do not exist: {listed}{none}Every origin and "
                "destination must be a settlement id: correct the ids (leading zeros lost? "
                "numbers read as decimals?), add the settlements, or drop those flows.",
                tuple(counts), figures={"unknown": len(counts), "empty": blank}))

    pair = [f"{o}→{d}" for o, d in zip(origin, dest, strict=True)]
    bad_labels: list[str] = []
    bad_pos: set[int] = set()
    counts_by: dict[str, int] = {}
    for col in value_cols:
        values = list(flows[col])
        for status, pos in bad_numbers(values, MAX_FLOW).items():
            key = status.replace(" ", "_")
            counts_by[key] = counts_by.get(key, 0) + len(pos)
            for i in pos:
                shown = "missing" if status == "missing" else f"{value_repr(values[i])}"
                bad_labels.append(f"{show(origin[i])} → {show(dest[i])} {col} = {shown}")
                bad_pos.add(i)
    if bad_labels:
        ids = tuple(dict.fromkeys(pair[i] for i in sorted(bad_pos)))
        out.append(Problem(
            "error", "bad-flow", "flows",
            f"{plural(len(bad_labels), 'flow value')} {are(len(bad_labels))} missing, "
            f"negative, not a number or above {MAX_FLOW:,.0f}: {format_ids(bad_labels)}. "
            "Flows must be numbers >= 0: write 0 where there is no flow, and plain numbers "
            "without units or thousands separators.",
            ids, figures=counts_by))

    seen: dict[tuple[str, str], int] = {}
    for o, d in zip(origin, dest, strict=True):
        if o is not None and d is not None:
            seen[(o, d)] = seen.get((o, d), 0) + 1
    twice = {k: c for k, c in seen.items() if c > 1}
    if twice:
        labels = [f"{show(o)} → {show(d)} ×{c}" for (o, d), c in twice.items()]
        n = len(twice)
        out.append(Problem(
            "warning", "duplicate-flow", "flows",
            f"{plural(n, 'origin → destination pair')} {are(n)} listed more than once: "
            f"{format_ids(labels)}. The values of a pair's rows are added up (a pair listed "
            "twice counts twice): if the rows repeat one flow rather than parts of it (by mode, "
            "by purpose), remove the repeated rows.",
            tuple(f"{o}→{d}" for o, d in twice), figures={"pairs": n}))

    loops = [i for i, (o, d) in enumerate(zip(origin, dest, strict=True))
             if o is not None and o == d]
    if loops:
        sids = tuple(dict.fromkeys(o for o in (origin[i] for i in loops) if o is not None))
        out.append(Problem(
            "warning", "self-flow", "flows",
            f"{plural(len(loops), 'flow')} {'goes' if len(loops) == 1 else 'go'} from a "
            f"settlement to itself: {format_ids([show(s) for s in sids])}. Such flows link "
            "nothing and are not used: remove them from the table.",
            sids, figures={"count": len(loops)}))
    return out
