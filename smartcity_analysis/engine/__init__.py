"""The composite index: one module per methodological step, in the order of the OECD/JRC handbook.

====================  ==========================================================================
module                step (registry of its method family)
====================  ==========================================================================
``imputation``        missing values (``IMPUTERS``)
``outliers``          outlier treatment: COINr's skew/kurtosis rule, winsorisation, log (``OUTLIER_TREATMENTS``)
``normalisation``     normalisation (``NORMALISERS``)
``weighting``         weights: equal, explicit, PCA, ... (``WEIGHTERS``)
``aggregation``       aggregation: arithmetic, geometric, harmonic, Mazziotta-Pareto (``AGGREGATORS``)
``diagnostics``       correlations, Cronbach's alpha, coverage
``pipeline``          :func:`~smartcity_analysis.engine.pipeline.build_index`: the steps composed -> ``IndexResult``
``selection``         pool, eligibility, selection order, quotas, cohorts in sequence (``run_cohorts``)
====================  ==========================================================================

Each step is a pure function on a region x indicator table; the registries share one contract per
family (``tests/test_engine_contracts.py``). Nothing here reads files: the data come from
:mod:`smartcity_analysis.curated`, the spec from :mod:`smartcity_analysis.spec`.
"""
