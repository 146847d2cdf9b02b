"""Notebook contracts: the parameters cell equals ReportParams; every notebook is thin; templates are
committed without outputs."""

from __future__ import annotations

import dataclasses
import typing

import nbformat
import pytest
from report_helpers import all_notebooks, declared_parameters, thin_notebook_problems

from smartcity_analysis import report
from smartcity_analysis.paths import notebooks_dir
from smartcity_analysis.report import ReportParams

REGION_REPORT = notebooks_dir() / "region_report.ipynb"


def test_region_report_parameters_match_report_params_exactly():
    nb = nbformat.read(REGION_REPORT, as_version=4)
    declared = declared_parameters(nb)
    hints = typing.get_type_hints(ReportParams)
    expected = [(f.name, hints[f.name].__name__, f.default) for f in dataclasses.fields(ReportParams)]
    assert [(n, t, d) for n, t, d, _ in declared] == expected
    # papermill also reports every parameter with a help text (shown by `papermill --help-notebook`)
    assert all(help_text for *_, help_text in declared)


def test_papermill_infers_the_same_parameters():
    from papermill.inspection import inspect_notebook

    inferred = inspect_notebook(str(REGION_REPORT))
    assert list(inferred) == [f.name for f in dataclasses.fields(ReportParams)]
    for f in dataclasses.fields(ReportParams):
        assert inferred[f.name]["inferred_type_name"] == typing.get_type_hints(ReportParams)[f.name].__name__
        assert inferred[f.name]["default"] == repr(f.default).replace("'", '"')


def test_report_params_defaults_validate_and_round_trip():
    params = ReportParams()
    assert params.validate() is params
    assert ReportParams(**params.to_parameters()) == params


@pytest.mark.parametrize(
    ("bad", "error"),
    [({"cohort": "2018"}, "InputError"), ({"draws": 0}, "InputError"), ({"seed": 1.5}, "InputError"),
     ({"seed": -1}, "InputError"), ({"region": 6372}, "InputError"), ({"draws": True}, "InputError"),
     # a cohort the spec does not declare, or a spec that does not exist, is the spec's error
     ({"cohort": 2020}, "SpecError"), ({"spec": "no_such_spec"}, "SpecError")],
)
def test_report_params_reject_bad_values(bad, error):
    from smartcity_analysis import errors

    with pytest.raises(getattr(errors, error)):
        ReportParams(**bad).validate()


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: p.name)
def test_notebooks_are_thin(path):
    nb = nbformat.read(path, as_version=4)
    assert thin_notebook_problems(nb) == []


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


def test_lint_catches_logic_in_a_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\nx = report.header(ctx)"),
        nbformat.v4.new_code_cell("def f(a):\n    return a"),
        nbformat.v4.new_code_cell("for r in rows:\n    print(r)"),
        nbformat.v4.new_code_cell("while True:\n    break"),
        nbformat.v4.new_code_cell("class A:\n    pass"),
        nbformat.v4.new_code_cell("g = lambda a: a"),
    ]
    problems = thin_notebook_problems(nb)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "function definition", "for loop", "while loop", "class definition", "lambda",
    ]
    assert problems[0].startswith("cell 1 ")


def test_every_section_function_called_by_the_template_exists():
    import ast

    nb = nbformat.read(REGION_REPORT, as_version=4)
    called = set()
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.source.lstrip().startswith("%"):
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "report":
                called.add(node.attr)
    assert called, "the template calls no report section"
    assert all(hasattr(report, name) for name in called), called
