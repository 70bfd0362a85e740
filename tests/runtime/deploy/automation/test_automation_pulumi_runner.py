"""The real PulumiStackRunner driving a stand-in ``pulumi`` executable.

No Pulumi CLI can be installed here, so a tiny script plays the CLI's side of the Automation API
protocol (argv in; JSON, an event log and exit codes out) and records what it was asked. This checks
dorc's wiring: the program folder, stack names, environment variables, event streaming, results and
error mapping. It does not claim that a real deploy works.
"""

import json
import os
import stat
import sys
import textwrap

import pytest
from automation_helpers import RecordingProgress

from dorc_runtime.deploy.automation.pulumi_runner import PulumiStackRunner
from dorc_runtime.errors import DeployError

STUB = r"""
import json, os, sys, time
args = sys.argv[1:]
with open(os.environ["STUB_LOG"], "a") as log:
    log.write(json.dumps({"args": args, "cwd": os.getcwd(), "env": {k: os.environ.get(k) for k in (
        "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "DORC_ENVIRONMENT", "PYTHONPATH", "AWS_REGION",
        "PULUMI_PYTHON_CMD")}, "files": {n: open(n).read() for n in os.listdir(".") if n.startswith("Pulumi.")}})
        + "\n")
if args == ["version"]:
    # below 3.205 the Automation API reads engine events from a file (newer CLIs stream them over
    # gRPC); both paths hand the same EngineEvent objects to dorc's on_event callback
    print("v3.200.0"); sys.exit(0)
if "--non-interactive" in args:
    args.remove("--non-interactive")
fail = os.environ.get("STUB_FAIL")
if fail and args[0] == fail:
    sys.stderr.write("error: aws:s3/bucketV2:BucketV2 resource 'holding' has a problem: AccessDenied\n")
    sys.exit(255)
def event_log(*extra):
    path = args[args.index("--event-log") + 1]
    urn = "urn:pulumi:prod::census-demo-raw-census::aws:lambda/function:Function::fetch"
    meta = {"op": "create", "urn": urn, "type": "aws:lambda/function:Function"}
    lines = [{"sequence": 1, "timestamp": 10, "resourcePreEvent": {"metadata": meta}},
             {"sequence": 2, "timestamp": 13, "resOutputsEvent": {"metadata": meta}},
             {"sequence": 3, "timestamp": 13, "summaryEvent": {"maybeCorrupt": False, "durationSeconds": 3,
              "resourceChanges": {"create": 1, "same": 4}, "PolicyPacks": {}}},
             {"sequence": 4, "timestamp": 13, "cancelEvent": {}}]
    with open(path, "a") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")
if args[:2] == ["stack", "ls"] and "--all" in args:
    print(json.dumps([{"name": "organization/census-demo-universal/universal", "current": False},
                      {"name": "organization/census-demo-raw-gone/prod", "current": False, "resourceCount": 9},
                      {"name": "organization/census-demo-raw-emptied/prod", "current": False, "resourceCount": 0}]))
elif args[:2] == ["stack", "export"]:
    print(json.dumps({"version": 3, "deployment": {"secrets_providers": {"type": "passphrase",
          "state": {"salt": "v1:c2FsdA==:v1:abc:def"}}}}))
elif args[:2] == ["stack", "ls"]:
    print(json.dumps([{"name": "preprod", "current": False}, {"name": "prod", "current": True, "resourceCount": 7}]))
elif args[:2] == ["stack", "select"]:
    if os.environ.get("STUB_NO_STACK") and "--create" not in args:
        sys.stderr.write("error: no stack named 'prod' found\n"); sys.exit(255)
elif args[:2] == ["stack", "output"]:
    token = "hunter2" if "--show-secrets" in args else "[secret]"
    print(json.dumps({"holding_bucket": "census-holding", "token": token, "n": 2}))
elif args[:2] == ["stack", "history"]:
    print(json.dumps([{"kind": "update", "startTime": "2024-01-31T12:00:00.000Z", "message": "",
        "environment": {}, "config": {}, "result": "succeeded", "endTime": "2024-01-31T12:00:03.000Z",
        "version": 1, "resourceChanges": {"create": 1, "same": 4}}]))
elif args[:3] == ["stack", "tag", "ls"]:
    tags = os.environ["STUB_LOG"] + ".tags"
    print(open(tags).read() if os.path.exists(tags) else json.dumps({"pulumi:project": "census-demo-infra"}))
elif args[:3] == ["stack", "tag", "set"]:
    with open(os.environ["STUB_LOG"] + ".tags", "w") as f:
        json.dump({"pulumi:project": "census-demo-infra", args[3]: args[4]}, f)
elif args[0] in ("up", "preview", "destroy"):
    event_log()
"""


@pytest.fixture
def stub_cli(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(STUB))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("STUB_LOG", str(log))
    for name in ("STUB_FAIL", "STUB_NO_STACK", "PULUMI_PYTHON_CMD", "PYTHONPATH"):
        monkeypatch.delenv(name, raising=False)

    def calls():
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    return calls


@pytest.fixture
def runner(session):
    return PulumiStackRunner(
        session.layout, session.backend, "s3cret", python="/venv/bin/python", inherited_env={}
    )


def commands(calls):
    return [
        " ".join(a for a in c["args"] if not a.startswith("/")) for c in calls if c["args"] != ["version"]
    ]


def test_up_runs_in_the_program_folder_with_dorc_environment(stub_cli, runner, session):
    stack = session.layout.pipeline("prod", "raw", "census")
    progress = RecordingProgress()
    result = runner.up(stack, progress)
    assert result.changes == {"create": 1, "same": 4}
    assert progress.lines == [
        "start up pipeline raw/census [prod]",
        "started create fetch",
        "done create fetch",
        "finished pipeline raw/census [prod]: 1 create, 4 same",
    ]
    calls = [c for c in stub_cli() if c["args"] != ["version"]]
    up = next(c for c in calls if "up" in c["args"])
    assert up["cwd"] == str(stack.work_dir)
    assert up["args"][:4] == ["--non-interactive", "up", "--yes", "--skip-preview"]
    assert up["args"][-2:] == ["--stack", "prod"]
    assert up["env"] == {
        "PULUMI_BACKEND_URL": session.backend.url,
        "PULUMI_CONFIG_PASSPHRASE": "s3cret",
        "DORC_ENVIRONMENT": "prod",
        "PYTHONPATH": str(session.layout.root),
        "AWS_REGION": "eu-west-2",
        "PULUMI_PYTHON_CMD": "/venv/bin/python",
    }
    assert any(c["args"][1:3] == ["stack", "select"] for c in calls)
    # the file backend's folder exists before Pulumi logs in to it
    assert session.backend.local_path.is_dir()
    # the user's Pulumi.yaml is never rewritten with project settings
    assert (stack.work_dir / "Pulumi.yaml").read_text().startswith("name: census-demo-raw-census")


def test_preview_counts_come_from_the_summary_event(stub_cli, runner, session):
    result = runner.preview(session.layout.infra("prod"), RecordingProgress())
    assert result.changes == {"create": 1, "same": 4}


def test_outputs_and_resource_count(stub_cli, runner, session):
    outputs = runner.outputs(session.layout.infra("prod"))
    assert outputs == {"holding_bucket": "census-holding", "token": "[secret]", "n": 2}
    assert runner.resource_count(session.layout.infra("prod")) == 7
    assert runner.resource_count(session.layout.infra("preprod")) == 0


def test_destroy_of_a_stack_that_does_not_exist_is_a_no_op(stub_cli, runner, session, monkeypatch):
    monkeypatch.setenv("STUB_NO_STACK", "1")
    result = runner.destroy(session.layout.pipeline("prod", "raw", "census"), RecordingProgress())
    assert result.changes == {}
    assert not any("destroy" in c["args"] for c in stub_cli())


def test_a_failing_update_is_one_deploy_error_with_pulumis_reason(stub_cli, runner, session, monkeypatch):
    monkeypatch.setenv("STUB_FAIL", "up")
    with pytest.raises(DeployError) as error:
        runner.up(session.layout.infra("prod"), RecordingProgress())
    assert "pulumi up failed for the infra [prod] stack" in error.value.message
    assert "AccessDenied" in error.value.message


def test_a_program_folder_without_pulumi_yaml(stub_cli, runner, session):
    (session.layout.infra_dir / "Pulumi.yaml").unlink()
    with pytest.raises(DeployError, match="has no Pulumi.yaml"):
        runner.up(session.layout.infra("prod"), RecordingProgress())
    assert runner.resource_count(session.layout.infra("prod")) == 0


def test_backend_stacks_list_every_project(stub_cli, runner):
    # a destroyed stack kept in the backend reports no resources and is not listed
    assert runner.backend_stacks() == [("census-demo-universal", "universal"), ("census-demo-raw-gone", "prod")]
    ls = next(c for c in stub_cli() if c["args"][1:3] == ["stack", "ls"])
    assert "--all" in ls["args"]


def test_destroy_of_a_pipeline_whose_folder_is_gone_uses_an_empty_inline_program(stub_cli, runner, session):
    """The program cannot be loaded from a missing folder; destroy only needs the stack's state.
    The passphrase provider's salt comes back from the state into the temporary stack file."""
    stack = session.layout.pipeline("prod", "raw", "gone")
    assert not stack.work_dir.exists()
    result = runner.destroy(stack, RecordingProgress())
    assert result.action == "destroy"
    calls = [c for c in stub_cli() if c["args"] != ["version"]]
    destroy = next(c for c in calls if "destroy" in c["args"])
    assert "--exec-kind" in destroy["args"] and destroy["args"][destroy["args"].index("--exec-kind") + 1] == "auto.inline"
    assert any(a.startswith("--client=127.0.0.1:") for a in destroy["args"])
    assert destroy["args"][-2:] == ["--stack", "prod"]
    # the stack then leaves the backend (`stack rm`), so deploy stops listing it
    assert [c["args"][1:3] for c in calls].index(["stack", "rm"]) > calls.index(destroy)
    assert destroy["cwd"] != str(stack.work_dir)
    assert "name: census-demo-raw-gone" in destroy["files"]["Pulumi.yaml"]
    assert "encryptionsalt: v1:c2FsdA==:v1:abc:def" in destroy["files"]["Pulumi.prod.yaml"]
    assert destroy["env"]["PULUMI_BACKEND_URL"] == session.backend.url
    assert destroy["env"]["PULUMI_CONFIG_PASSPHRASE"] == "s3cret"
    assert not stack.work_dir.exists()  # nothing is recreated in the project


def test_destroy_of_a_pipeline_with_its_folder_keeps_the_stack_and_the_users_stack_file(stub_cli, runner, session):
    stack = session.layout.pipeline("prod", "raw", "census")
    runner.destroy(stack, RecordingProgress())
    calls = [c for c in stub_cli() if c["args"] != ["version"]]
    destroy = next(c for c in calls if "destroy" in c["args"])
    assert destroy["cwd"] == str(stack.work_dir)
    assert not any(c["args"][1:3] == ["stack", "rm"] for c in calls)  # rm would delete Pulumi.prod.yaml


def test_a_fingerprint_is_a_stack_tag_set_and_read_in_the_program_folder(stub_cli, runner, session):
    infra = session.layout.infra("prod")
    assert runner.read_fingerprint(infra) is None  # only Pulumi's own tags so far
    runner.record_fingerprint(infra, "9f86d081884c7d65")
    assert runner.read_fingerprint(infra) == "9f86d081884c7d65"
    tag_calls = [c for c in stub_cli() if "tag" in c["args"]]
    assert [c["args"][1:] for c in tag_calls] == [
        ["stack", "tag", "ls", "--json", "--stack", "prod"],
        ["stack", "tag", "set", "dorc:fingerprint", "9f86d081884c7d65", "--stack", "prod"],
        ["stack", "tag", "ls", "--json", "--stack", "prod"],
    ]
    assert {c["cwd"] for c in tag_calls} == {str(infra.work_dir)}
    assert {c["env"]["PULUMI_BACKEND_URL"] for c in tag_calls} == {session.backend.url}


def test_cancel_runs_pulumi_cancel_on_the_stack(stub_cli, runner, session):
    stack = session.layout.pipeline("prod", "raw", "census")
    runner.cancel(stack)
    cancel = [c for c in stub_cli() if "cancel" in c["args"]]
    assert len(cancel) == 1 and cancel[0]["cwd"] == str(stack.work_dir)
    assert "--yes" in cancel[0]["args"] and cancel[0]["args"][-2:] == ["--stack", "prod"]
