from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dorc_runtime.project import Project
from dorc_runtime.submissions.routes import Route, RouteTable, _overlap_problems, load_routes, route_problems
from dorc_runtime.submissions.samples import samples


def route(pattern: str, pipeline: str = "census") -> Route:
    return Route(source_id=pattern, layer="raw", pipeline=pipeline)


def test_first_match_wins_and_patterns_match_the_whole_source_id():
    table = RouteTable((route(r"census_2021_v1", "special"), route(r"census_.*_v1")))
    assert table.match("census_2021_v1").pipeline == "special"
    assert table.match("census_2022_v1").pipeline == "census"
    assert table.match("xcensus_2022_v1") is None
    assert table.match("census_2022_v1_extra") is None


@pytest.mark.parametrize(
    "pattern, expected",
    [(r"census_.*_v1", True), (r"[^\s\S]", False), (r"a\bb", False), (r"(?=a)a", None)],
)
def test_samples_are_real_matches_or_none_when_unsupported(pattern, expected):
    found = samples(pattern)
    if expected is None:
        assert found is None
    else:
        assert bool(found) is expected


@pytest.mark.parametrize(
    "patterns, fragment",
    [
        ([r"census_.*_v1", r"census_2021_v1"], "route 2 ('census_2021_v1' -> raw/census) is unreachable"),
        ([r"census_.*", r".*_v1"], "overlaps route 1"),
        ([r"x", r"x"], "repeats the pattern"),
        ([r"[^\s\S]"], "can never match"),
    ],
)
def test_route_problems_name_the_route_and_a_witness(patterns, fragment):
    problems = _overlap_problems([route(p) for p in patterns])
    assert len(problems) == 1 and fragment in problems[0]


@pytest.mark.parametrize(
    "patterns",
    [[r"census_2021_v1", r"census_.*_v1"], [r"census_.*_v1", r"prices_.*"], [r"census_a.*", r"census_.*"]],
)
def test_specific_before_general_and_disjoint_routes_are_fine(patterns):
    assert _overlap_problems([route(p) for p in patterns]) == []


def test_invalid_regex_is_one_clear_error():
    with pytest.raises(ValueError, match="not a valid regular expression"):
        route("census_(")


def _project(tmp_path: Path, routes_source: str) -> Project:
    (tmp_path / "project_settings.py").write_text("")
    (tmp_path / "src" / "raw" / "census").mkdir(parents=True)
    (tmp_path / "src" / "raw" / "census" / "__main__.py").write_text("")
    (tmp_path / "checks.py").write_text("def ok(file):\n    pass\n")
    (tmp_path / "routes.py").write_text(textwrap.dedent(routes_source))
    return Project(tmp_path)


def test_route_problems_report_missing_pipelines_and_unimportable_validators(tmp_path):
    project = _project(
        tmp_path,
        """
        from dorc_runtime.submissions.routes import Route
        ROUTES = [
            Route(source_id=r"census_.*_v1", layer="raw", pipeline="census", validators=["checks:ok"]),
            Route(source_id=r"prices_.*", layer="raw", pipeline="prices", validators=["checks:missing"]),
        ]
        """,
    )
    problems = route_problems(project)
    assert len(problems) == 2
    assert "raw/prices) points to a pipeline that does not exist" in problems[0]
    assert "'checks:missing' cannot be imported" in problems[1]


def test_a_clean_project_has_no_route_problems_and_limits_are_read(tmp_path):
    project = _project(
        tmp_path,
        """
        from dorc_runtime.submissions.limits import Limits
        from dorc_runtime.submissions.routes import Route
        ROUTES = [Route(source_id=r"census_.*_v1", layer="raw", pipeline="census")]
        LIMITS = Limits(max_files=7)
        """,
    )
    assert route_problems(project) == []
    assert load_routes(tmp_path).limits.max_files == 7


def test_a_broken_route_is_reported_not_raised(tmp_path):
    project = _project(
        tmp_path,
        """
        from dorc_runtime.submissions.routes import Route
        ROUTES = [Route(source_id=r"census_(", layer="raw", pipeline="census")]
        """,
    )
    [problem] = route_problems(project)
    assert "not a valid regular expression" in problem
