"""Layer 8, the command line.

``commands`` (the ``townmerge`` parser and ``main``), ``demo_cmds`` (``demo``,
``make-sample``, ``sichuan``), ``plan_cmds`` (``validate``, ``plan``, ``ensemble``),
``province_cmds`` (``province``: every county in parallel), ``review_cmds`` (``score``,
``seats``, ``tiers``, ``compare``), ``plot_cmds`` (``plot``), ``map_cmds`` (``map``),
``inputs`` (the options and readers every command shares), ``workers`` (``--jobs`` and
``--scheduler``: where tasks run) and ``args`` (argument types).
"""

from .commands import main

__all__ = ["main"]
