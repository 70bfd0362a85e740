"""The submissions component under Pulumi mocks, and its IAM policy under parliament's audit."""

from __future__ import annotations

import json
import textwrap
import threading
from pathlib import Path
from types import SimpleNamespace

import parliament
import pulumi
import pulumi_aws as aws
import pytest

from dorc_runtime.deploy.context import DeployContext
from dorc_runtime.deploy.packaging import PlanOnlyPackager, using_packager
from dorc_runtime.models.config import Config, UniversalConfig
from dorc_runtime.submissions.deploy import (
    HANDLER,
    dispatcher_policy,
    routed_state_machine_arns,
    stage_dispatcher,
    submissions_extension,
)
from dorc_runtime.submissions.routes import load_routes

REGION, ACCOUNT = "eu-west-2", "111122223333"
UNIVERSAL = UniversalConfig(region=REGION, project="acme", account=ACCOUNT)
CONFIG = Config(universal=UNIVERSAL, environment="prod")
CONTEXT = DeployContext(UNIVERSAL, ACCOUNT, "prod")
NAMING = CONTEXT.naming


def _project(root: Path, routes: str) -> Path:
    (root / "project_settings.py").write_text("")
    (root / "src" / "raw" / "census").mkdir(parents=True)
    (root / "checks").mkdir()
    (root / "checks" / "__init__.py").write_text("def ok(file):\n    pass\n")
    (root / "routes.py").write_text(textwrap.dedent(routes))
    return root


ROUTES = """
from dorc_runtime.submissions.routes import Route
ROUTES = [
    Route(source_id=r"census_.*_v1", layer="raw", pipeline="census", validators=["checks:ok"]),
    Route(source_id=r"prices_.*", layer="clean", pipeline="prices"),
]
"""


def _policy() -> dict:
    table_arns = [
        NAMING.state_machine_arn(REGION, ACCOUNT, "raw", "census"),
        NAMING.state_machine_arn(REGION, ACCOUNT, "clean", "prices"),
    ]
    return dispatcher_policy(
        submissions_bucket_arn=NAMING.submissions_bucket_arn(ACCOUNT),
        holding_bucket_arn=NAMING.holding_bucket_arn(ACCOUNT),
        state_machine_arns=table_arns,
        failure_topic_arn=NAMING.failure_topic_arn(REGION, ACCOUNT),
        log_group_arn=NAMING.dispatcher_log_group_arn(REGION, ACCOUNT),
    )


def test_dispatcher_policy_passes_parliament_with_no_findings():
    audit = parliament.analyze_policy_string(json.dumps(_policy()))
    assert [(f.issue, f.detail) for f in audit.findings] == []


def test_dispatcher_policy_grants_only_the_prefixes_and_machines_it_needs():
    statements = {s["Sid"]: s for s in _policy()["Statement"]}
    bucket = f"arn:aws:s3:::{NAMING.submissions_bucket(ACCOUNT)}"
    assert statements["TakeIncoming"]["Resource"] == f"{bucket}/incoming/*"
    assert statements["FileOutcomes"]["Resource"] == [f"{bucket}/failed/*", f"{bucket}/processed/*"]
    assert "s3:DeleteObject" not in statements["FileOutcomes"]["Action"]
    assert statements["WriteSubmissionsToHoldingStore"]["Resource"].endswith("/submissions/*")
    assert len(statements["StartRoutedPipelines"]["Resource"]) == 2
    assert all("*" not in arn for arn in statements["StartRoutedPipelines"]["Resource"])


def test_staged_package_holds_runtime_routes_and_validator_packages(tmp_path):
    root = _project(tmp_path, ROUTES)
    staging, requirements = stage_dispatcher(root, load_routes(root))
    assert (staging / "routes.py").read_text() == (root / "routes.py").read_text()
    assert (staging / "dorc_runtime" / "submissions" / "dispatcher.py").is_file()
    assert (staging / "dorc_runtime" / "submissions" / "manifest.schema.json").is_file()
    assert (staging / "checks" / "__init__.py").is_file()
    assert "pydantic" in requirements.read_text()


class _Infra(pulumi.ComponentResource):
    """What the extension reads from the infra component: context, config, holding store, topic."""

    def __init__(self) -> None:
        super().__init__("test:infra:Infra", "infra")
        self.context = CONTEXT
        self.config = CONFIG
        self.holding = SimpleNamespace(bucket=aws.s3.Bucket("holding", bucket=NAMING.holding_bucket(ACCOUNT)))
        self.failures = SimpleNamespace(topic=aws.sns.Topic("failures", name=NAMING.failure_topic()))


class _Mocks(pulumi.runtime.Mocks):
    """Records every resource's inputs; answers with the ARN shapes the component reads."""

    def __init__(self) -> None:
        self.registrations: list[SimpleNamespace] = []
        self._lock = threading.Lock()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        with self._lock:  # the engine registers from worker threads
            self.registrations.append(SimpleNamespace(type=args.typ, inputs=dict(args.inputs)))
        physical = args.inputs.get("name") or args.inputs.get("bucket") or args.name
        service = args.typ.split(":")[1].split("/")[0]
        arn = f"arn:aws:s3:::{physical}" if service == "s3" else f"arn:aws:{service}:{REGION}:{ACCOUNT}:{physical}"
        return f"{physical}-id", {**args.inputs, "arn": arn}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        return {}


@pytest.fixture
def mocks():
    recorder = _Mocks()
    pulumi.runtime.set_mocks(recorder, project="acme-infra", stack="prod", preview=False)
    return recorder


def test_component_registers_bucket_dispatcher_and_rule(tmp_path, mocks):
    root = _project(tmp_path, ROUTES)
    packager = PlanOnlyPackager()
    outputs: dict = {}

    @pulumi.runtime.test
    def program():
        with using_packager(packager):
            exported = submissions_extension(root)(_Infra())
        return pulumi.Output.all(*exported.values()).apply(lambda values: outputs.update(zip(exported, values, strict=True)))

    program()  # returns once every registration has been recorded

    assert outputs == {
        "submissions_bucket": NAMING.submissions_bucket(ACCOUNT),
        "dispatcher_function": NAMING.dispatcher_function(),
    }
    by_type: dict[str, list] = {}
    for registration in mocks.registrations:
        by_type.setdefault(registration.type, []).append(registration.inputs)
    [function] = by_type["aws:lambda/function:Function"]
    assert function["handler"] == HANDLER
    assert function["environment"]["variables"]["DORC_HOLDING_BUCKET"] == NAMING.holding_bucket(ACCOUNT)
    [rule] = by_type["aws:cloudwatch/eventRule:EventRule"]
    assert rule["name"] == NAMING.dispatcher_rule()
    assert json.loads(rule["eventPattern"])["detail"] == {
        "bucket": {"name": [NAMING.submissions_bucket(ACCOUNT)]},
        "object": {"key": [{"prefix": "incoming/"}]},
    }
    assert by_type["aws:s3/bucketNotification:BucketNotification"][0]["eventbridge"] is True
    assert by_type["aws:s3/bucketVersioning:BucketVersioning"][0]["versioningConfiguration"]["status"] == "Enabled"
    assert by_type["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"][0]["restrictPublicBuckets"] is True
    tls = json.loads(by_type["aws:s3/bucketPolicy:BucketPolicy"][0]["policy"])
    assert tls["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    [role_policy] = by_type["aws:iam/rolePolicy:RolePolicy"]
    assert parliament.analyze_policy_string(role_policy["policy"]).findings == []
    statements = {st["Sid"]: st for st in json.loads(role_policy["policy"])["Statement"]}
    assert statements["StartRoutedPipelines"]["Resource"] == routed_state_machine_arns(
        NAMING, REGION, ACCOUNT, load_routes(root)
    )
    assert [plan.inputs.function_dir.name for plan in packager.plans] == ["dispatcher-src"]


def test_no_routes_means_no_submissions_resources(tmp_path, mocks):
    root = _project(tmp_path, "ROUTES = []\n")

    @pulumi.runtime.test
    def program():
        assert submissions_extension(root)(_Infra()) == {}
        return pulumi.Output.from_input(None)

    program()
    assert not any(r.type.startswith("aws:lambda") for r in mocks.registrations)


def test_routed_arns_are_unique_and_sorted(tmp_path):
    root = _project(tmp_path, ROUTES)
    arns = routed_state_machine_arns(NAMING, REGION, ACCOUNT, load_routes(root))
    assert arns == sorted(set(arns)) and len(arns) == 2
