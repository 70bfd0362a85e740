"""Pure builders: pipeline files, stacks, the bake plan, run order and AWS name checks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from dorc_runtime.models.definition import Function, PipelineDefinition
from dorc_runtime.scaffold import bake, files
from dorc_runtime.scaffold.listing import run_order
from dorc_runtime.validation.physical_names import (
    BUCKET,
    LAMBDA,
    environment_name_problems,
    pipeline_name_problems,
)


def test_pipeline_files_are_complete_and_parse() -> None:
    tree = files.pipeline_files(
        "proj", "raw", "census", ["fetch", "clean"], 'says "hi"', ["preprod", "prod"], "eu-west-2"
    )
    assert sorted(tree) == [
        "Pulumi.preprod.yaml",
        "Pulumi.prod.yaml",
        "Pulumi.yaml",
        "__main__.py",
        "requirements.txt",
        "src/clean/lambda.py",
        "src/fetch/lambda.py",
        "tests/test_clean.py",
        "tests/test_fetch.py",
        "tests/test_pipeline.py",
    ]
    for name, text in tree.items():
        if name.endswith(".py"):
            ast.parse(text)
    assert yaml.safe_load(tree["Pulumi.yaml"])["description"] == 'says "hi"'
    assert yaml.safe_load(tree["Pulumi.prod.yaml"]) == {
        "config": {"aws:region": "eu-west-2", "proj-raw-census:environment": "prod"}
    }
    assert 'Function(name="fetch", next_function="clean")' in tree["__main__.py"]
    assert 'description="says \\"hi\\""' in tree["__main__.py"]


def test_generated_handler_returns_json_data() -> None:
    namespace: dict = {}
    exec(files.lambda_module("raw", "census", "fetch"), namespace)
    # a pipeline step, not an API handler: it passes its event on, recording that it ran
    assert namespace["handler"]({"a": 1}, None) == {"a": 1, "steps": ["fetch"]}
    assert namespace["handler"]({"steps": ["load"]}, None) == {"steps": ["load", "fetch"]}


def test_generated_tests_use_the_dorc_fixture() -> None:
    assert files.function_test("raw", "census", "clean-up").splitlines()[-3:] == [
        "    output = dorc.call(\"clean-up\", \"census\", layer=\"raw\", event={\"year\": 2021})",
        "",
        "    assert output == {\"year\": 2021, \"steps\": [\"clean-up\"]}",
    ]
    assert "def test_clean_up_records_its_step(dorc):" in files.function_test("raw", "census", "clean-up")
    pipeline = files.pipeline_test("raw", "census")
    assert "    result = dorc.run(\"census\", layer=\"raw\", event={\"year\": 2021})" in pipeline
    assert '    assert result.output["steps"] == result.states()' in pipeline


def test_example_targets() -> None:
    assert bake.example_targets(["raw", "processed", "curated"]) == [
        ("census_raw", "raw", "census"),
        ("census_processed", "processed", "census"),
    ]
    assert bake.example_targets(["default"]) == [
        ("census_raw", "default", "census"),
        ("census_processed", "default", "census_summary"),
    ]


def test_bake_plan_without_examples() -> None:
    answers = {"project_slug": "p", "layers": "raw, processed", "environments": "dev,prod", "aws_region": "us-east-1"}
    plan = bake.bake_plan(answers, None, "{}")
    assert list(plan.trees) == ["src/raw", "src/processed"]
    assert sorted(plan.files) == [
        ".dorc-template.json",
        "infra/Pulumi.dev.yaml",
        "infra/Pulumi.prod.yaml",
        "routes.py",
        "universal/Pulumi.universal.yaml",
    ]
    assert yaml.safe_load(plan.files["universal/Pulumi.universal.yaml"]) == {"config": {"aws:region": "us-east-1"}}
    assert yaml.safe_load(plan.files["infra/Pulumi.dev.yaml"]) == {
        "config": {"aws:region": "us-east-1", "p-infra:environment": "dev"}
    }
    assert plan.files["routes.py"] == files.routes_module()


def test_bake_plan_with_examples_skips_caches(tmp_path: Path) -> None:
    for source in bake.EXAMPLE_SOURCES:
        (tmp_path / source / "src/f/__pycache__").mkdir(parents=True)
        (tmp_path / source / "__main__.py").write_text("x")
        (tmp_path / source / "src/f/lambda.py").write_text("y")
        (tmp_path / source / "src/f/__pycache__/lambda.cpython-311.pyc").write_bytes(b"z")
    answers = {"project_slug": "p", "layers": "raw", "environments": "prod", "aws_region": "eu-west-2"}
    plan = bake.bake_plan(answers, tmp_path, "{}")
    raw = plan.trees["src/raw/census"]
    assert sorted(raw) == ["Pulumi.prod.yaml", "Pulumi.yaml", "__main__.py", "src/f/lambda.py"]
    assert "src/raw/census_summary" in plan.trees
    assert "samples" not in plan.trees  # this template has no samples folder
    route = files.route_call(r"census_.*_v1", "raw", "census", [r"^data\.csv$"])
    assert plan.files["routes.py"] == files.routes_module([route])


def test_bake_plan_ships_the_sample_submission(tmp_path: Path) -> None:
    for source in bake.EXAMPLE_SOURCES:
        (tmp_path / source).mkdir()
        (tmp_path / source / "__main__.py").write_text("x")
    sample = tmp_path / "samples" / "census_2021_v1"
    sample.mkdir(parents=True)
    (sample / "manifest.json").write_text("{}")
    (sample / "data.csv").write_bytes(b"year\r\n2021\r\n")
    plan = bake.bake_plan({"project_slug": "p", "layers": "raw,processed", "environments": "prod", "aws_region": "eu-west-2"}, tmp_path, "{}")
    assert plan.trees["samples"] == {"census_2021_v1/data.csv": b"year\r\n2021\r\n", "census_2021_v1/manifest.json": b"{}"}


@pytest.mark.parametrize(
    "source_id, required",
    [(r"census_.*_v1", [r"^data\.csv$"]), ("prices", []), ('say "hi"', ["a\\\\"]), ("tab\tnew\nline", [r"\d+\.csv$", "x"])],
)
def test_routes_module_is_what_new_route_writes(source_id: str, required: list[str]) -> None:
    from dorc_runtime.submissions.routes import ROUTES_FILE, Route
    from dorc_runtime.submissions.scaffold import NEW_FILE, add_route

    assert files.ROUTES_FILE == ROUTES_FILE
    route = Route(source_id=source_id, layer="raw", pipeline="census", required_files=required)
    built = files.routes_module([files.route_call(source_id, "raw", "census", required)])
    assert add_route(NEW_FILE, route) == built
    namespace: dict = {}
    exec(built, namespace)
    [loaded] = namespace["ROUTES"]
    assert (loaded.source_id, list(loaded.required_files)) == (source_id, required)


def _definition(tmp_path: Path, functions: list[Function]) -> PipelineDefinition:
    return PipelineDefinition(file_path=tmp_path / "src/raw/p/__main__.py", functions=functions)


def test_run_order_follows_the_graph(tmp_path: Path) -> None:
    linear = _definition(tmp_path, [Function(name="c"), Function(name="a", next_function="b"), Function(name="b", next_function="c")])
    assert run_order(linear) == ["a", "b", "c"]
    split = _definition(
        tmp_path,
        [
            Function(name="s", next_function=["x", "y"]),
            Function(name="x", next_function="j"),
            Function(name="y", next_function="j"),
            Function(name="j"),
        ],
    )
    assert run_order(split) == ["s", "x", "y", "j"]


def test_physical_names_fit_for_long_inputs() -> None:
    long = "a" * 32
    assert pipeline_name_problems("s" * 30, ["preprod123"], long, long, [long, "b_c"]) == []
    assert environment_name_problems("s" * 30, ["preprod123"], None) == []
    assert LAMBDA.problem("x" * 65) is not None
    assert BUCKET.problem("Upper-Case") is not None
