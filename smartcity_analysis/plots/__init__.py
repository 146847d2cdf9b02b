"""Figures for reports: maps (:mod:`.maps`) and region-report charts (:mod:`.region`).

Every function takes ``ax=None`` and returns the Axes it drew on; none calls ``show()`` or
``savefig()``.
"""

from smartcity_analysis.plots.maps import boundary_rings, choropleth, locator_map
from smartcity_analysis.plots.region import (
    central_weights,
    locator,
    pillar_profile,
    rank_interval,
    sobol_drivers,
    use_report_style,
)

__all__ = [
    "boundary_rings",
    "central_weights",
    "choropleth",
    "locator",
    "locator_map",
    "pillar_profile",
    "rank_interval",
    "sobol_drivers",
    "use_report_style",
]
