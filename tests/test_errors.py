"""The shared fix hint of 'unknown name' errors, and its use by the method registries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smartcity_analysis.engine import aggregation, normalisation
from smartcity_analysis.errors import ComputationError, suggest


def test_suggest_close_spelling_prefix_and_list():
    assert suggest("minmx", ["minmax", "zscore"]) == " Did you mean 'minmax'?"
    assert suggest("ipm_index", ["ipm", "poverty_rate"]) == " Did you mean 'ipm'?"
    assert suggest("qqq", ["b", "a"]) == " Expected one of: a, b."


def test_registries_name_the_closest_method():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(ComputationError, match=r"Unknown normalisation method 'minmx'\. Did you mean 'minmax'\?"):
        normalisation.normalise(frame, "minmx")
    with pytest.raises(ComputationError, match=r"Unknown aggregation method 'geometrc'\. Did you mean 'geometric'\?"):
        aggregation.aggregate(np.ones((3, 2)), np.array([0.5, 0.5]), "geometrc")
