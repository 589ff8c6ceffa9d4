"""Layer 1, data: the study area and its tables, read, checked and written.

``model`` (:class:`~townmerge.data.model.StudyArea`), ``io`` (reading study areas,
``validate``), ``writers`` (deterministic GeoJSON, folders and GeoPackages),
``validation`` (:func:`~townmerge.data.validation.check_layers`: every check of an input,
reported at once), ``problems`` (:class:`~townmerge.data.problems.Problem`,
:class:`~townmerge.data.problems.ValidationReport`, the wording of messages), ``features``
(ids, names and values as the checks read them), the checks by layer ``check_columns``
(attribute columns), ``check_crs`` (the metric frame), ``check_units`` (polygons,
overlaps, gaps), ``check_settlements`` (points, units, seats), ``check_flows`` and
``check_roads``; ``columns`` (column names and flags), ``crs`` (metric and equal-area
frames), ``plan`` (:class:`~townmerge.data.plan.Plan`), ``plan_info`` (the typed
``Plan.info``), ``plan_checks`` (the checks a plan makes), ``subarea`` (a study area of
some units), ``plan_csv`` (plan files),
``roads`` (road geometry checks), ``territories``
(approximate village territories), ``nesting`` (units inside their parents),
``divisions`` (division kinds and codes), ``atomic`` (whole-or-nothing writes) and
``textio`` (text encodings).

Modules here import only the leaves (:mod:`townmerge.errors`, :mod:`townmerge.config`,
:mod:`townmerge.i18n`) and each other.
"""
