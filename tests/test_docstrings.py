"""numpydoc validation of the library's public functions and classes.

Every public function and class (a name without a leading underscore, defined in a module of the
package) must have a numpydoc docstring that passes the checks in :data:`CHECKS`: it exists, its
sections are known and in order, the parameters it documents are the real ones in the real order, and
generators document what they yield. Checks that would demand sections for every trivial helper (See
Also, Examples, an extended summary) are not enforced.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from numpydoc.validate import validate

import smartcity_analysis

#: numpydoc error codes enforced (https://numpydoc.readthedocs.io/en/latest/validation.html).
CHECKS = {
    "GL01", "GL03", "GL05", "GL06", "GL07", "GL08", "GL09", "GL10",
    "SS02", "SS03", "PR02", "PR03", "PR05", "PR06", "PR08", "PR10", "RT02", "YD01",
}


def public_objects() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(smartcity_analysis.__path__, "smartcity_analysis."):
        if info.name.endswith("__main__"):
            continue  # running it starts the CLI
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if getattr(obj, "__module__", None) == module.__name__:
                names.append(f"{module.__name__}.{name}")
    return sorted(names)


def test_there_are_public_objects_to_check():
    names = public_objects()
    assert len(names) > 200
    assert "smartcity_analysis.api.rank" in names


def test_public_docstrings_pass_numpydoc_validation():
    problems = []
    for name in public_objects():
        for code, message in validate(name)["errors"]:
            if code in CHECKS:
                problems.append(f"{name}: {code} {message}")
    if problems:
        pytest.fail(f"{len(problems)} docstring problems:\n" + "\n".join(problems))
