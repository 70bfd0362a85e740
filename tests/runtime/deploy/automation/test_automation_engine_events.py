from automation_helpers import RecordingProgress
from pulumi.automation.events import EngineEvent

from dorc_runtime.deploy.automation.engine_events import EngineEventRelay, resource_name
from dorc_runtime.deploy.automation.runner import ResourceStatus
from dorc_runtime.deploy.automation.stacks import StackKind, StackRef

STACK = StackRef(StackKind.INFRA, "prod", work_dir=None, environment="prod")  # type: ignore[arg-type]
URN = "urn:pulumi:prod::census-demo-infra::aws:s3/bucketV2:BucketV2::holding"


def step(kind: str, op: str, urn: str = URN, type_: str = "aws:s3/bucketV2:BucketV2", timestamp: int = 0):
    return EngineEvent.from_json(
        {"sequence": 1, "timestamp": timestamp, kind: {"metadata": {"op": op, "urn": urn, "type": type_}}}
    )


def test_resource_name_is_the_last_urn_part():
    assert resource_name(URN) == "holding"


def test_a_resource_start_and_end_become_two_events_with_a_duration():
    relay = EngineEventRelay(STACK, RecordingProgress())
    started = relay.translate(step("resourcePreEvent", "create", timestamp=100))
    done = relay.translate(step("resOutputsEvent", "create", timestamp=104))
    assert [(e.status, e.op, e.name, e.duration) for e in started + done] == [
        (ResourceStatus.STARTED, "create", "holding", None),
        (ResourceStatus.DONE, "create", "holding", 4.0),
    ]


def test_failures_unchanged_resources_and_the_stack_itself():
    relay = EngineEventRelay(STACK, RecordingProgress())
    assert relay.translate(step("resOpFailedEvent", "update"))[0].status is ResourceStatus.FAILED
    assert relay.translate(step("resourcePreEvent", "same")) == []
    stack_urn = "urn:pulumi:prod::census-demo-infra::pulumi:pulumi:Stack::census-demo-infra-prod"
    assert relay.translate(step("resourcePreEvent", "create", stack_urn, "pulumi:pulumi:Stack")) == []


def test_the_relay_forwards_resources_and_errors_to_progress():
    progress = RecordingProgress()
    relay = EngineEventRelay(STACK, progress)
    relay(step("resourcePreEvent", "create"))
    relay(
        EngineEvent.from_json(
            {"diagnosticEvent": {"message": "AccessDenied\n", "color": "never", "severity": "error"}}
        )
    )
    relay(
        EngineEvent.from_json(
            {"diagnosticEvent": {"message": "debug noise", "color": "never", "severity": "debug"}}
        )
    )
    assert progress.lines == ["started create holding", "error: AccessDenied"]
