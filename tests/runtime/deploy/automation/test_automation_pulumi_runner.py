"""The real PulumiStackRunner driving the stand-in ``pulumi`` executable (:mod:`standin_pulumi`).

No Pulumi CLI can be installed here, so a small script plays the CLI's side of the Automation API
protocol (argv in; JSON, an event log and exit codes out), keeps stacks in the backend folder and
logs what it was asked. This checks dorc's wiring: the program folder, stack names, environment
variables, event streaming, results and error mapping. It does not claim that a real deploy works.
"""

import json
import os

import pytest
from automation_helpers import RecordingProgress
from standin_pulumi import State, install, new_stack

from dorc_runtime.deploy.automation.pulumi_runner import PulumiStackRunner
from dorc_runtime.errors import DeployError


@pytest.fixture
def stub_cli(tmp_path, monkeypatch):
    """The stateful stand-in first on PATH, logging every call; returns the calls so far."""
    install(tmp_path / "bin")
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("STANDIN_CALL_LOG", str(log))
    for name in ("STANDIN_FAIL_UP", "STANDIN_SLEEP_UP", "STANDIN_HANG_UP", "STANDIN_VERSION", "PULUMI_PYTHON_CMD", "PYTHONPATH"):
        monkeypatch.delenv(name, raising=False)

    def calls():
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    return calls


@pytest.fixture
def backend(session) -> State:
    return State(session.backend.local_path)


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
    assert result.changes == {"create": 3}
    assert progress.lines == [
        "start up pipeline raw/census [prod]",
        "started create bucket",
        "done create bucket",
        "started create role",
        "done create role",
        "started create state-machine",
        "done create state-machine",
        "finished pipeline raw/census [prod]: 3 create",
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
    # a new stack: select fails, init creates it with the passphrase provider, then up
    assert commands(calls)[:3] == [
        "--non-interactive stack select --stack prod",
        "--non-interactive stack init prod --secrets-provider passphrase",
        commands([up])[0],
    ]
    # the file backend's folder exists before Pulumi logs in to it
    assert session.backend.local_path.is_dir()
    # the user's Pulumi.yaml is never rewritten with project settings
    assert (stack.work_dir / "Pulumi.yaml").read_text().startswith("name: census-demo-raw-census")


def test_from_cli_3_206_the_engine_events_arrive_over_grpc_with_the_same_progress(stub_cli, runner, session, monkeypatch):
    """The Automation API picks the event transport by the CLI's version: a file up to 3.205, its
    gRPC Events service after (``Stack._setup_event_log``); dorc's relay sees the same events."""
    monkeypatch.setenv("STANDIN_VERSION", "v3.211.0")
    progress = RecordingProgress()
    result = runner.up(session.layout.pipeline("prod", "raw", "census"), progress)
    assert result.changes == {"create": 3}
    assert progress.lines[1:3] == ["started create bucket", "done create bucket"]
    assert progress.lines[-1] == "finished pipeline raw/census [prod]: 3 create"
    up = next(c for c in stub_cli() if "up" in c["args"])
    assert up["args"][up["args"].index("--event-log") + 1].startswith("tcp://127.0.0.1:")


def test_a_second_up_of_the_same_stack_selects_it_and_changes_nothing(stub_cli, runner, session):
    stack = session.layout.pipeline("prod", "raw", "census")
    runner.up(stack, RecordingProgress())
    assert runner.up(stack, RecordingProgress()).changes == {"same": 3}
    assert sum("init" in c["args"] for c in stub_cli()) == 1


def test_preview_counts_come_from_the_summary_event(stub_cli, runner, session):
    result = runner.preview(session.layout.infra("prod"), RecordingProgress())
    assert result.changes == {"create": 3}


def test_outputs_and_resource_count(stub_cli, runner, session):
    infra = session.layout.infra("prod")
    runner.up(infra, RecordingProgress())
    outputs = runner.outputs(infra)
    assert outputs == {"stack": "census-demo-infra/prod", "token": "[secret]"}
    assert runner.resource_count(infra) == 3
    assert runner.resource_count(session.layout.infra("preprod")) == 0


def test_outputs_of_a_stack_never_deployed_say_deploy_first(stub_cli, runner, session):
    with pytest.raises(DeployError, match="does not exist in") as error:
        runner.outputs(session.layout.infra("prod"))
    assert error.value.fix == "deploy it first with 'invoke deploy'"


def test_destroy_of_a_stack_that_does_not_exist_is_a_no_op(stub_cli, runner, session):
    result = runner.destroy(session.layout.pipeline("prod", "raw", "census"), RecordingProgress())
    assert result.changes == {}
    assert not any("destroy" in c["args"] for c in stub_cli())


def test_a_failing_update_is_one_deploy_error_with_pulumis_reason(stub_cli, runner, session, monkeypatch):
    monkeypatch.setenv("STANDIN_FAIL_UP", "census-demo-infra/prod")
    progress = RecordingProgress()
    with pytest.raises(DeployError) as error:
        runner.up(session.layout.infra("prod"), progress)
    assert "pulumi up failed for the infra [prod] stack" in error.value.message
    assert "AccessDenied" in error.value.message
    assert "error: aws:s3/bucketV2:BucketV2 resource 'bucket': AccessDenied" in progress.lines


def test_a_program_folder_without_pulumi_yaml(stub_cli, runner, session):
    (session.layout.infra_dir / "Pulumi.yaml").unlink()
    with pytest.raises(DeployError, match="has no Pulumi.yaml"):
        runner.up(session.layout.infra("prod"), RecordingProgress())
    assert runner.resource_count(session.layout.infra("prod")) == 0


def test_backend_stacks_list_every_project(stub_cli, runner, backend):
    backend.write("census-demo-universal", "universal", new_stack(resources=5))
    backend.write("census-demo-raw-gone", "prod", new_stack(resources=9))
    backend.write("census-demo-raw-emptied", "prod", new_stack(resources=0))
    # a destroyed stack kept in the backend reports no resources and is not listed
    assert sorted(runner.backend_stacks()) == [("census-demo-raw-gone", "prod"), ("census-demo-universal", "universal")]
    ls = next(c for c in stub_cli() if c["args"][1:3] == ["stack", "ls"])
    assert "--all" in ls["args"]


def test_destroy_of_a_pipeline_whose_folder_is_gone_uses_an_empty_inline_program(stub_cli, runner, session, backend):
    """The program cannot be loaded from a missing folder; destroy only needs the stack's state.
    The passphrase provider's salt comes back from the state into the temporary stack file."""
    backend.write("census-demo-raw-gone", "prod", new_stack(resources=9, salt="v1:c2FsdA==:v1:abc:def"))
    stack = session.layout.pipeline("prod", "raw", "gone")
    assert not stack.work_dir.exists()
    result = runner.destroy(stack, RecordingProgress())
    assert result.action == "destroy" and result.changes == {"delete": 3}
    calls = [c for c in stub_cli() if c["args"] != ["version"]]
    destroy = next(c for c in calls if "destroy" in c["args"])
    assert "--exec-kind" in destroy["args"] and destroy["args"][destroy["args"].index("--exec-kind") + 1] == "auto.inline"
    assert any(a.startswith("--client=127.0.0.1:") for a in destroy["args"])
    assert destroy["args"][-2:] == ["--stack", "prod"]
    # the stack then leaves the backend (`stack rm`), so deploy stops listing it
    assert [c["args"][1:3] for c in calls].index(["stack", "rm"]) > calls.index(destroy)
    assert backend.read("census-demo-raw-gone", "prod") is None
    assert destroy["cwd"] != str(stack.work_dir)
    assert "name: census-demo-raw-gone" in destroy["files"]["Pulumi.yaml"]
    assert "encryptionsalt: v1:c2FsdA==:v1:abc:def" in destroy["files"]["Pulumi.prod.yaml"]
    assert destroy["env"]["PULUMI_BACKEND_URL"] == session.backend.url
    assert destroy["env"]["PULUMI_CONFIG_PASSPHRASE"] == "s3cret"
    assert not stack.work_dir.exists()  # nothing is recreated in the project


def test_destroy_of_a_pipeline_with_its_folder_keeps_the_stack_and_the_users_stack_file(stub_cli, runner, session, backend):
    stack = session.layout.pipeline("prod", "raw", "census")
    runner.up(stack, RecordingProgress())
    runner.destroy(stack, RecordingProgress())
    calls = [c for c in stub_cli() if c["args"] != ["version"]]
    destroy = next(c for c in calls if "destroy" in c["args"])
    assert destroy["cwd"] == str(stack.work_dir)
    assert not any(c["args"][1:3] == ["stack", "rm"] for c in calls)  # rm would delete Pulumi.prod.yaml
    assert backend.read("census-demo-raw-census", "prod")["resources"] == 0


def test_a_fingerprint_is_a_stack_tag_set_and_read_in_the_program_folder(stub_cli, runner, session, backend):
    infra = session.layout.infra("prod")
    runner.up(infra, RecordingProgress())
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
    assert backend.tags("census-demo-infra", "prod") == {"dorc:fingerprint": "9f86d081884c7d65"}


def test_cancel_runs_pulumi_cancel_on_the_stack_and_removes_its_lock(stub_cli, runner, session, backend):
    stack = session.layout.pipeline("prod", "raw", "census")
    runner.up(stack, RecordingProgress())
    backend.lock("census-demo-raw-census", "prod")  # an update left running, or crashed
    runner.cancel(stack)
    cancel = [c for c in stub_cli() if "cancel" in c["args"]]
    assert len(cancel) == 1 and cancel[0]["cwd"] == str(stack.work_dir)
    assert "--yes" in cancel[0]["args"] and cancel[0]["args"][-2:] == ["--stack", "prod"]
    assert backend.all_locks() == []
