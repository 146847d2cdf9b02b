"""smartcity-analysis: audit how Indonesia chose the regions of "Gerakan Menuju 100 Smart City".

The package assembles real regional data with provenance, computes selection indices from a declared
criteria spec, ranks and selects cohorts under eligibility rules and quotas, measures how robust each
selection is, explains the real cohorts, and renders per-region PDF reports through papermill.
"""

__version__ = "0.1.0"
