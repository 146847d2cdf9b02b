"""The data build: raw sources (``../shared/data-raw``) -> curated tables in ``data/``.

One reader module per raw source folder (the module name follows the folder name) and one
orchestrator, :mod:`smartcity_analysis.databuild.orchestrator`. Import :func:`build` from here.
"""

from __future__ import annotations


def build(*args, **kwargs):
    """Run the data build; see :func:`smartcity_analysis.databuild.orchestrator.build`."""
    from smartcity_analysis.databuild.orchestrator import build as _build

    return _build(*args, **kwargs)


__all__ = ["build"]
