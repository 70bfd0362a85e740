"""Loading handlers by path, each function isolated from the others."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from dorc_runtime.errors import DefinitionError
from dorc_runtime.local.handlers import FunctionGate, IsolatedFunction, load

USES_UTILS = """
import utils

def handler(event, context):
    import helpers  # imported lazily, at call time, as some handlers do
    return {"utils": utils.WHO, "helpers": helpers.WHO, "env": __import__("os").environ["WHO"]}
"""


def function(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "lambda.py").write_text(USES_UTILS)
    (folder / "utils.py").write_text(f"WHO = {name!r}\n")
    (folder / "helpers.py").write_text(f"WHO = {name!r} + ' helper'\n")
    return IsolatedFunction(name, folder, {"WHO": name})


def test_two_functions_with_the_same_module_names_see_their_own(tmp_path):
    gate = FunctionGate()
    first, second = function(tmp_path, "first"), function(tmp_path, "second")
    handlers = {f.name: load(f, gate) for f in (first, second)}
    try:
        for _ in range(2):  # switching back and forth keeps each one's modules
            for f in (first, second):
                with gate.entered(f):
                    assert handlers[f.name]({}, None) == {"utils": f.name, "helpers": f"{f.name} helper", "env": f.name}
    finally:
        gate.close()
    assert "utils" not in sys.modules and "helpers" not in sys.modules and "lambda" not in sys.modules
    assert str(first.folder) not in sys.path and "WHO" not in os.environ
    assert first.modules["lambda"].__name__ == "lambda"  # the name Lambda imports it under


def test_concurrent_calls_of_different_functions_never_mix(tmp_path):
    gate = FunctionGate()
    functions = [function(tmp_path, f"fn{i}") for i in range(3)]
    for f in functions:
        load(f, gate)

    def call(index):
        f = functions[index % 3]
        with gate.entered(f):
            return f.name, f.handler({}, None)

    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(call, range(60)))
    finally:
        gate.close()
    for name, result in results:
        assert result == {"utils": name, "helpers": f"{name} helper", "env": name}


def test_a_module_with_a_shadowed_name_is_put_back(tmp_path):
    gate = FunctionGate()
    f = function(tmp_path, "only")
    sys.modules["utils"] = marker = type(sys)("utils")
    try:
        load(f, gate)
        with gate.entered(f):
            assert f.handler({}, None)["utils"] == "only"
        gate.close()
        assert sys.modules["utils"] is marker
    finally:
        sys.modules.pop("utils", None)


def test_an_import_error_names_the_file(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "lambda.py").write_text("import not_a_module_anywhere\n\ndef handler(event, context):\n    pass\n")
    gate = FunctionGate()
    with pytest.raises(DefinitionError, match="broken/lambda.py failed to import: ModuleNotFoundError"):
        load(IsolatedFunction("broken", folder, {}), gate)
    gate.close()
    assert str(folder) not in sys.path


def test_a_file_without_handler(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "lambda.py").write_text("X = 1\n")
    gate = FunctionGate()
    with pytest.raises(DefinitionError, match="has no handler"):
        load(IsolatedFunction("empty", folder, {}), gate)
    gate.close()
