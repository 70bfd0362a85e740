"""Fingerprints of stacks (pure) and the decision which stacks a deploy runs."""

from pathlib import Path

from automation_helpers import settings

from dorc_runtime.deploy.automation.fingerprints import (
    ALWAYS,
    CHANGED,
    FORCED,
    NO_RECORD,
    NOT_DEPLOYED,
    UNCHANGED,
    decide,
    decisions_report,
    fingerprint,
    plan_fingerprints,
    tool_versions,
)
from dorc_runtime.deploy.automation.stacks import Layout
from dorc_runtime.project import Project

LAMBDA = {"type": "aws:lambda/function:Function", "name": "fetch", "inputs": {"memorySize": 512}}
ROLE = {"type": "aws:iam/role:Role", "name": "fetch-role", "inputs": {"name": "r"}}
VERSIONS = {"dorc": "0.1.0", "pulumi": "3.1", "pulumi-aws": "6.0", "pulumi-docker": "4.0"}


def test_fingerprint_ignores_order_and_the_checkout_folder_but_not_inputs_or_versions():
    here = fingerprint([LAMBDA, ROLE], {"arn": "x"}, VERSIONS, Path("/home/a/proj"))
    assert len(here) == 64
    assert fingerprint([ROLE, LAMBDA], {"arn": "x"}, VERSIONS, Path("/home/a/proj")) == here
    # a zip archive's path is inside the checkout: a fresh clone elsewhere is the same stack
    zipped = {**LAMBDA, "inputs": {"code": {"FileArchive": "/home/a/proj/.dorc/build/fetch-abc.zip"}}}
    moved = {**LAMBDA, "inputs": {"code": {"FileArchive": "/ci/work/proj/.dorc/build/fetch-abc.zip"}}}
    assert fingerprint([zipped], {}, VERSIONS, Path("/home/a/proj")) == fingerprint([moved], {}, VERSIONS, Path("/ci/work/proj"))
    assert fingerprint([{**LAMBDA, "inputs": {"memorySize": 1024}}, ROLE], {"arn": "x"}, VERSIONS, Path("/home/a/proj")) != here
    assert fingerprint([LAMBDA, ROLE], {"arn": "y"}, VERSIONS, Path("/home/a/proj")) != here
    assert fingerprint([LAMBDA, ROLE], {"arn": "x"}, {**VERSIONS, "pulumi-aws": "6.1"}, Path("/home/a/proj")) != here


def test_tool_versions_name_dorc_and_the_providers():
    assert set(tool_versions()) == {"dorc", "pulumi", "pulumi-aws", "pulumi-docker"}


def census_layout(root: Path) -> Layout:
    return Layout.read(Project(root), settings())


def test_plan_fingerprints_one_per_stack_from_the_real_programs(census_root, census_plan, monkeypatch):
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    layout = census_layout(census_root)
    stacks = [layout.universal(), layout.infra("prod"), *layout.pipeline_stacks("prod")]
    found = plan_fingerprints(census_plan, layout, stacks, VERSIONS)
    assert set(found) == set(stacks)
    assert len(set(found.values())) == len(stacks)  # every stack has resources of its own
    again = plan_fingerprints(census_plan, layout, stacks, VERSIONS)
    assert again == found


def test_decide_runs_universal_always_and_skips_only_recorded_unchanged_deployed_stacks(census_root, monkeypatch):
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    layout = census_layout(census_root)
    universal, infra = layout.universal(), layout.infra("prod")
    census, quick, aggregate = layout.pipeline_stacks("prod")
    stacks = [universal, infra, census, quick, aggregate]
    planned = {stack: f"fp-{i}" for i, stack in enumerate(stacks)}
    recorded = {infra: "fp-1", census: "old", quick: "fp-3", universal: "fp-0"}
    deployed = {
        ("acme-data-universal", "universal"),
        ("acme-data-infra", "prod"),
        ("acme-data-processed-census", "prod"),
        ("acme-data-processed-quick", "prod"),
        ("acme-data-raw-census", "prod"),
    }
    got = decide(layout, stacks, planned, recorded.get, deployed)
    assert [(d.stack.label, d.run, d.reason) for d in got] == [
        ("universal", True, ALWAYS),
        ("infra [prod]", False, UNCHANGED),
        ("pipeline processed/census [prod]", True, CHANGED),
        ("pipeline processed/quick [prod]", False, UNCHANGED),
        ("pipeline raw/census [prod]", True, NO_RECORD),
    ]
    # the tag stays when a stack is destroyed outside dorc; with no resources it runs again
    gone = decide(layout, stacks, planned, recorded.get, deployed - {("acme-data-infra", "prod")})
    assert (gone[1].run, gone[1].reason) == (True, NOT_DEPLOYED)
    assert all(d.run and d.reason in (ALWAYS, FORCED) for d in decide(layout, stacks, planned, recorded.get, deployed, run_all=True))
    assert [d.fingerprint for d in got] == [planned[s] for s in stacks]
    assert decisions_report(got).splitlines() == [
        "3 stack(s) to deploy, 2 unchanged and skipped:",
        f"  run  universal: {ALWAYS}",
        f"  run  pipeline processed/census [prod]: {CHANGED}",
        f"  run  pipeline raw/census [prod]: {NO_RECORD}",
        f"  skip infra [prod]: {UNCHANGED}",
        f"  skip pipeline processed/quick [prod]: {UNCHANGED}",
    ]
