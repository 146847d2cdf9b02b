"""smartcity-analysis: audit how Indonesia chose the regions of "Gerakan Menuju 100 Smart City".

The package assembles real regional data with provenance, computes selection indices from a declared
criteria spec, ranks and selects cohorts under eligibility rules and quotas, measures how robust each
selection is, explains the real cohorts, and renders per-region PDF reports through papermill.

The map, lowest floor first (a file imports only from its own floor or below; ``tests/test_architecture.py``
fails on an import cycle or an import that reaches up a floor):

=============================  =================================================================
``errors``, ``paths``,         the exception hierarchy; where things live; the one atomic writer
``files``                      and the one file hasher
``databuild/``                 raw sources -> ``data/`` (one reader module per source)
``curated/``                   reading ``data/``: ``loaders``, ``checks`` (cross-source), ``regions``
                               (resolve a query), ``inputs`` (``spec_frames``: the one door to a
                               spec's data, user-supplied files included; ``data_key``)
``spec/``                      the criteria spec: ``model`` (frozen), ``parse`` + ``checks`` (lazy
                               errors with YAML paths), ``resolve`` (``resolve_spec``: the one door
                               from a name or path to a ``Spec``)
``engine/``                    one module per step (imputation ... aggregation, diagnostics),
                               ``pipeline.build_index``, ``selection`` (eligibility, quotas, cohorts)
``cache``                      the on-disk result cache
``robustness/``, ``explanation/``, ``api``
                               the analyses (Monte Carlo, Sobol, SMAA, possible/necessary; agreement,
                               revealed weights and criteria, counterfactuals) and the README's doors
``results``, ``plots/``        ``RunParams`` (the shared defaults) and ``load_cohort_results`` (the one
                               memo every document reads); figures (``ax=None -> Axes``)
``report/``, ``overview/``,    the documents' sections (region report, national overview) and the
``explorer``                   criteria explorer
``kernels``, ``rendering``     warm Jupyter kernels; notebook -> HTML -> PDF
``batch/``                     many reports: jobs, manifest, local pool, Dask cluster, index page
``cli/``                       one module per command group; only parses and calls
=============================  =================================================================

Details and contracts: ``docs/ARCHITECTURE.md``.
"""

__version__ = "0.1.0"
