"""The rooms of the batch package sit in layers (issue 11): what each may import from the batch.

``tests/test_architecture.py`` checks that no file of the library is in an import cycle; this pins the
order inside ``batch/`` that makes it so (``docs/batch.md``): manifest <- jobs <- local, cluster,
index_page <- run, and the kernels below all of them.
"""

from __future__ import annotations

from test_architecture import import_graph

BATCH = "smartcity_analysis.batch"

#: What each room of the batch may import from the batch package (run.py may import all of them).
ALLOWED = {
    f"{BATCH}.manifest": set(),
    f"{BATCH}.jobs": {f"{BATCH}.manifest"},
    f"{BATCH}.local": {f"{BATCH}.jobs"},
    f"{BATCH}.cluster": {f"{BATCH}.jobs"},
    f"{BATCH}.index_page": {f"{BATCH}.manifest"},
}


def test_the_batch_package_is_layered():
    graph = import_graph()
    for module, allowed in ALLOWED.items():
        inside = {m for m in graph[module] if m.startswith(BATCH)}
        assert inside <= allowed, f"{module} imports {sorted(inside - allowed)}"


def test_kernels_import_neither_the_renderer_nor_the_batch():
    below = import_graph()["smartcity_analysis.kernels"]
    assert not {m for m in below if m.startswith((BATCH, "smartcity_analysis.rendering"))}
