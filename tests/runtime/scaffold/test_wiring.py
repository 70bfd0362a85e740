"""libcst wiring of a new Function into __main__.py: shapes it edits and shapes it refuses."""

from __future__ import annotations

import pytest

from dorc_runtime.errors import AlreadyExistsError, ProjectError, UnsafeEditError
from dorc_runtime.scaffold.files import main_module
from dorc_runtime.scaffold.wiring import add_function


def functions_block(source: str) -> str:
    start = source.index("functions=[")
    return source[start : source.index("],", start) + 2]


def test_after_inserts_and_relinks() -> None:
    source = main_module("raw", "census", "d", ["fetch", "publish"])
    edited = add_function(source, "clean", "fetch", "x")
    assert functions_block(edited) == (
        "functions=[\n"
        '        Function(name="fetch", next_function="clean"),\n'
        '        Function(name="clean", next_function="publish"),\n'
        '        Function(name="publish"),\n'
        "    ],"
    )
    assert edited.replace(functions_block(edited), "") == source.replace(functions_block(source), "")


def test_default_is_after_the_last_function() -> None:
    edited = add_function(main_module("raw", "census", "d", ["function1"]), "clean", None, "x")
    assert functions_block(edited) == (
        "functions=[\n"
        '        Function(name="function1", next_function="clean"),\n'
        '        Function(name="clean"),\n'
        "    ],"
    )


def test_keeps_comments_and_complex_next_steps() -> None:
    source = (
        "# keep me\n"
        "pipeline_definition = PipelineDefinition(\n"
        "    file_path=__file__,\n"
        '    functions=[Function("a", next_function=["b", "c"], memory_mb=1024),  # split\n'
        '               Function(name="b"), Function(name="c")],\n'
        ")\n"
    )
    edited = add_function(source, "z", "a", "x")
    assert "# keep me" in edited and "# split" in edited
    assert 'Function("a", memory_mb=1024, next_function="z")' in edited
    assert 'Function(name="z", next_function=["b", "c"])' in edited


@pytest.mark.parametrize(
    "functions",
    [
        "[Function(name=n) for n in names]",
        "FUNCTIONS",
        "[*BASE, Function(name='b')]",
        "[Function(name=NAME)]",
        "[make('a')]",
    ],
)
def test_dynamic_shapes_are_refused(functions: str) -> None:
    source = f"pipeline_definition = PipelineDefinition(file_path=__file__, functions={functions})\n"
    with pytest.raises(UnsafeEditError) as caught:
        add_function(source, "clean", None, "src/raw/p/__main__.py")
    assert "nothing was changed" in str(caught.value)
    assert '`Function(name="clean")`' in str(caught.value)


def test_two_definitions_are_refused() -> None:
    source = "a = PipelineDefinition(functions=[])\nb = PipelineDefinition(functions=[])\n"
    with pytest.raises(UnsafeEditError, match="2 PipelineDefinition"):
        add_function(source, "clean", None, "x")


def test_existing_name_and_unknown_after() -> None:
    source = main_module("raw", "census", "d", ["fetch"])
    with pytest.raises(AlreadyExistsError):
        add_function(source, "fetch", None, "x")
    with pytest.raises(ProjectError, match="no function 'ghost'"):
        add_function(source, "clean", "ghost", "x")


def test_ambiguous_end_needs_after() -> None:
    source = 'p = PipelineDefinition(functions=[Function(name="a", next_function=["b", "c"]), Function(name="b"), Function(name="c")])\n'
    with pytest.raises(ProjectError, match="pass --after"):
        add_function(source, "d", None, "x")
