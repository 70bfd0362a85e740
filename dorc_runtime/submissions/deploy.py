"""The submissions resources of one environment, added to the infra stack when the project has routes.

Split like the rest of deploy: pure builders (policy, event pattern, names, environment, staging
plan) and one :class:`Submissions` ComponentResource that turns them into resources. The infra
stack plugs it in through :func:`submissions_extension` (an ``InfraExtension``):

    CreateInfra(config(), extensions=[submissions_extension(project_root)]).apply()

The dispatcher ships as a zip built by the deploy packager (``dorc_runtime.deploy.packaging``):
``dorc_runtime`` itself, the project's ``routes.py`` and the packages its validators import, plus
pydantic wheels for the Lambda platform (boto3 comes with the Lambda runtime).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from ..deploy import iam
from ..deploy.components.bucket import housekeeping_rule, protected_bucket
from ..deploy.components.events import s3_object_created_pattern
from ..deploy.context import DeployContext, base_tags
from ..deploy.images import PackageInputs, function_files
from ..deploy.packaging import BUILD_DIR, PACKAGER
from ..models.config import Config
from ..naming import ENV_ENVIRONMENT, ENV_FAILURE_TOPIC, ENV_HOLDING_BUCKET, ENV_PROJECT, Naming
from ..project import Project
from .events import INCOMING_PREFIX
from .routes import ROUTES_FILE, RouteTable, load_routes
from .settings import FAILED_PREFIX, HOLDING_PREFIX, PROCESSED_PREFIX

HANDLER = "dorc_runtime.submissions.dispatcher.handler"
PACKAGE_NAME = "submissions-dispatcher"
# What the dispatcher imports beyond the standard library and the boto3 of the Lambda runtime.
DISPATCHER_REQUIREMENTS = "pydantic>=2.7,<3\n"
MEMORY_MB = 1024
TIMEOUT_SECONDS = 900
EPHEMERAL_MIN_MB, EPHEMERAL_MAX_MB = 512, 10_240
SUBMISSIONS_BUCKET = "submissions_bucket"  # infra stack outputs
DISPATCHER_FUNCTION = "dispatcher_function"


# -- pure builders ---------------------------------------------------------------------------------
def routed_state_machine_arns(naming: Naming, region: str, account: str, table: RouteTable) -> list[str]:
    return sorted({naming.state_machine_arn(region, account, r.layer, r.pipeline) for r in table.routes})


def dispatcher_policy(
    *,
    submissions_bucket_arn: str,
    holding_bucket_arn: str,
    state_machine_arns: Iterable[str],
    failure_topic_arn: str,
    log_group_arn: str,
) -> iam.Policy:
    """Read and remove ``incoming/``, write ``processed/`` and ``failed/``, write ``submissions/`` in
    the holding store, start only the routed state machines, publish failures."""
    bucket = submissions_bucket_arn
    return iam.document(
        iam.statement("WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], f"{log_group_arn}:*"),
        # without ListBucket a HEAD of a missing key is 403, not 404: idempotency checks need 404
        iam.statement("ListBuckets", ["s3:ListBucket"], [bucket, holding_bucket_arn]),
        iam.statement(
            "TakeIncoming",
            ["s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject", "s3:DeleteObjectVersion"],
            f"{bucket}/{INCOMING_PREFIX}*",
        ),
        iam.statement(
            "FileOutcomes",
            ["s3:GetObject", "s3:PutObject"],
            [f"{bucket}/{PROCESSED_PREFIX}*", f"{bucket}/{FAILED_PREFIX}*"],
        ),
        iam.statement(
            "WriteSubmissionsToHoldingStore",
            ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
            f"{holding_bucket_arn}/{HOLDING_PREFIX}*",
        ),
        iam.statement("StartRoutedPipelines", ["states:StartExecution"], list(state_machine_arns)),
        iam.statement("PublishFailures", ["sns:Publish"], failure_topic_arn),
    )


def dispatcher_environment(naming: Naming, holding_bucket: str, failure_topic_arn: str) -> dict[str, str]:
    return {
        ENV_PROJECT: naming.project,
        ENV_ENVIRONMENT: naming.env,
        ENV_HOLDING_BUCKET: holding_bucket,
        ENV_FAILURE_TOPIC: failure_topic_arn,
    }


def ephemeral_storage_mb(table: RouteTable) -> int:
    """/tmp must hold a spooled zip and its extracted files."""
    needed = (table.limits.max_archive_bytes + table.limits.max_total_bytes) // (1024 * 1024) + 64
    return max(EPHEMERAL_MIN_MB, min(EPHEMERAL_MAX_MB, needed))


def validator_sources(project_root: Path, table: RouteTable) -> list[Path]:
    """The top-level modules or packages of the project that the validators import."""
    found: set[Path] = set()
    for route in table.routes:
        for validator in route.validators:
            top = validator.check.split(":", 1)[0].split(".", 1)[0]
            for candidate in (project_root / top, project_root / f"{top}.py"):
                if candidate.exists():
                    found.add(candidate)
    return sorted(found)


# -- packaging (the only file-system side effect) --------------------------------------------------
def stage_dispatcher(project_root: Path, table: RouteTable) -> tuple[Path, Path]:
    """Copy what the dispatcher zip holds into ``.dorc/build/dispatcher-src``; return it and the
    requirements file the packager installs."""
    runtime = Path(__file__).resolve().parents[1]
    build = project_root / BUILD_DIR
    staging = build / "dispatcher-src"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    _copy_tree(runtime, staging / runtime.name)
    shutil.copy2(project_root / ROUTES_FILE, staging / ROUTES_FILE)
    for source in validator_sources(project_root, table):
        if source.is_dir():
            _copy_tree(source, staging / source.name)
        else:
            shutil.copy2(source, staging / source.name)
    requirements = build / "dispatcher-requirements.txt"
    requirements.write_text(DISPATCHER_REQUIREMENTS, encoding="utf-8")
    return staging, requirements


def _copy_tree(source: Path, target: Path) -> None:
    for path in function_files(source):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


def dispatcher_archive(project_root: Path, table: RouteTable, python_version: str) -> Path:
    staging, requirements = stage_dispatcher(project_root, table)
    inputs = PackageInputs(
        project_root=project_root,
        function_dir=staging,
        requirement_files=(requirements,),
        dockerfile=None,
        settings=(("package_type", "zip"), ("architecture", "x86_64"), ("python_version", python_version)),
    )
    return PACKAGER.get().package(inputs, PACKAGE_NAME)


# -- the component ---------------------------------------------------------------------------------
class Submissions(pulumi.ComponentResource):
    """Submissions bucket (holding-store protections, EventBridge on), dispatcher Lambda and role,
    and the rule that sends it every Object Created under ``incoming/``."""

    def __init__(
        self,
        name: str,
        context: DeployContext,
        config: Config,
        table: RouteTable,
        code: pulumi.Archive,
        *,
        holding_bucket: pulumi.Input[str],
        holding_bucket_arn: pulumi.Input[str],
        failure_topic_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dorc:submissions:Submissions", name, None, opts)
        naming, account, region = context.naming, context.account, context.region
        tags = base_tags(context.universal, environment=context.environment, component="submissions")
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = protected_bucket(
            name, naming.submissions_bucket(account), tags=tags, lifecycle_rules=[housekeeping_rule()], opts=child
        )

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-dispatcher",
            name=naming.dispatcher_log_group(),
            retention_in_days=config.log_retention_days,
            tags=tags,
            opts=child,
        )
        self.role = aws.iam.Role(
            f"{name}-dispatcher",
            name=naming.dispatcher_role(),
            assume_role_policy=json.dumps(iam.assume_role_policy("lambda.amazonaws.com", account)),
            tags=tags,
            opts=child,
        )
        policy = pulumi.Output.all(holding_bucket_arn, failure_topic_arn).apply(
            lambda values: json.dumps(
                dispatcher_policy(
                    submissions_bucket_arn=naming.submissions_bucket_arn(account),
                    holding_bucket_arn=values[0],
                    state_machine_arns=routed_state_machine_arns(naming, region, account, table),
                    failure_topic_arn=values[1],
                    log_group_arn=naming.dispatcher_log_group_arn(region, account),
                )
            )
        )
        aws.iam.RolePolicy(f"{name}-dispatcher", role=self.role.id, policy=policy, opts=pulumi.ResourceOptions(parent=self.role))
        environment = pulumi.Output.all(holding_bucket, failure_topic_arn).apply(
            lambda values: dispatcher_environment(naming, values[0], values[1])
        )
        self.function = aws.lambda_.Function(
            f"{name}-dispatcher",
            name=naming.dispatcher_function(),
            role=self.role.arn,
            runtime=f"python{context.universal.python_version}",
            handler=HANDLER,
            code=code,
            memory_size=MEMORY_MB,
            timeout=TIMEOUT_SECONDS,
            ephemeral_storage={"size": ephemeral_storage_mb(table)},
            environment={"variables": environment},
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group]),
        )
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-incoming",
            name=naming.dispatcher_rule(),
            description=f"Archives created under {INCOMING_PREFIX} of the submissions bucket",
            event_pattern=json.dumps(s3_object_created_pattern(naming.submissions_bucket(account), INCOMING_PREFIX)),
            tags=tags,
            opts=child,
        )
        permission = aws.lambda_.Permission(
            f"{name}-incoming",
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal="events.amazonaws.com",
            source_arn=self.rule.arn,
            opts=pulumi.ResourceOptions(parent=self.rule),
        )
        aws.cloudwatch.EventTarget(
            f"{name}-incoming",
            rule=self.rule.name,
            arn=self.function.arn,
            opts=pulumi.ResourceOptions(parent=self.rule, depends_on=[permission]),
        )
        self.register_outputs({"bucket": self.bucket.bucket, "function": self.function.name})


def submissions_extension(project_root: Path | None = None) -> Any:
    """The ``InfraExtension`` for ``CreateInfra``: adds :class:`Submissions` when ``routes.py``
    declares routes, and nothing otherwise. Exports the bucket and dispatcher names."""

    def extend(infra: Any) -> dict[str, pulumi.Input]:
        root = project_root or Project.find().root
        table = load_routes(root)
        if not table.routes:
            return {}
        context: DeployContext = infra.context
        archive = dispatcher_archive(root, table, context.universal.python_version)
        component = Submissions(
            "submissions",
            context,
            infra.config,
            table,
            pulumi.FileArchive(str(archive)),
            holding_bucket=infra.holding.bucket.bucket,
            holding_bucket_arn=infra.holding.bucket.arn,
            failure_topic_arn=infra.failures.topic.arn,
            opts=pulumi.ResourceOptions(parent=infra),
        )
        return {SUBMISSIONS_BUCKET: component.bucket.bucket, DISPATCHER_FUNCTION: component.function.name}

    return extend
