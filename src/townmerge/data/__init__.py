"""Layer 1, data: the study area and its tables, read, checked and written.

``model`` (:class:`~townmerge.data.model.StudyArea`), ``io`` (readers and writers),
``validation`` (every check of an input, reported at once), ``columns`` (column names and
flags), ``crs`` (metric and equal-area frames), ``plan`` (:class:`~townmerge.data.plan.Plan`),
``roads`` (road geometry checks), ``territories`` (approximate village territories),
``nesting`` (units inside their parents), ``divisions`` (division kinds and codes),
``atomic`` (whole-or-nothing writes) and ``textio`` (text encodings).

Modules here import only the leaves (:mod:`townmerge.errors`, :mod:`townmerge.config`,
:mod:`townmerge.i18n`) and each other.
"""
