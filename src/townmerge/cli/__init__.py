"""Layer 8, the command line.

``townmerge`` and its subcommands (``commands``), argument types (``args``).
"""

from .commands import main

__all__ = ["main"]
