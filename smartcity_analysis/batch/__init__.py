"""Many reports in one run: warm kernels, a manifest, resume, failures isolated; locally or on Dask.

The package's rooms, from the bottom up (each imports only those above it in this list):

- :mod:`~smartcity_analysis.batch.manifest`: ``manifest.json`` read and write, the resume checks;
- :mod:`~smartcity_analysis.batch.jobs`: :class:`BatchJob`, :class:`JobOutcome`, :class:`BatchSummary`,
  the input hashes, :func:`build_jobs`, :func:`execute_job`, the renderers;
- :mod:`~smartcity_analysis.batch.local`: the spawn pool, one warm kernel per worker, the watchdog;
- :mod:`~smartcity_analysis.batch.cluster`: the same jobs on a Dask cluster (``--scheduler``);
- :mod:`~smartcity_analysis.batch.index_page`: ``index.html``;
- :mod:`~smartcity_analysis.batch.run`: :func:`run_jobs`, :func:`run_batch`, the only module that
  knows both executors.

The kernels themselves (start, stop, warm-up, the kept client) live in :mod:`smartcity_analysis.kernels`.
``render_region`` and ``render_overview`` are exported here because the renderer strings
``"smartcity_analysis.batch:render_region"`` and ``"smartcity_analysis.batch:render_overview"`` are part
of every job's input hash (changing them would make ``--resume`` render everything once). See
``docs/batch.md``.
"""

from smartcity_analysis.batch.jobs import BatchSummary, render_overview, render_region
from smartcity_analysis.batch.run import run_batch

__all__ = ["BatchSummary", "render_overview", "render_region", "run_batch"]
