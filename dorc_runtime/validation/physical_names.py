"""Check the physical AWS names :class:`~dorc_runtime.naming.Naming` derives, before any deploy.

Naming already shortens long names with a hash; this is the independent check that every
derived name also keeps the service's character rules and length limits (as in botocore's
service models), so a bad name is reported by ``invoke validate``, not by AWS mid-deploy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..names import S3_RESERVED_PREFIXES, S3_RESERVED_SUFFIXES
from ..naming import Naming


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: re.Pattern[str]
    min_len: int
    max_len: int

    reserved_prefixes: tuple[str, ...] = ()
    reserved_suffixes: tuple[str, ...] = ()

    def problem(self, name: str) -> str | None:
        if not self.min_len <= len(name) <= self.max_len:
            return f"{self.kind} name {name!r} is {len(name)} characters (AWS allows {self.min_len}-{self.max_len})"
        if not self.pattern.fullmatch(name):
            return f"{self.kind} name {name!r} breaks AWS's pattern {self.pattern.pattern}"
        if name.startswith(self.reserved_prefixes) or name.endswith(self.reserved_suffixes):
            return (f"{self.kind} name {name!r} uses a prefix or suffix AWS reserves "
                    f"({', '.join(self.reserved_prefixes + self.reserved_suffixes)})")
        return None


LAMBDA = Rule("Lambda function", re.compile(r"[a-zA-Z0-9_-]+"), 1, 64)
STATE_MACHINE = Rule("state machine", re.compile(r"[a-zA-Z0-9_-]+"), 1, 80)
IAM_ROLE = Rule("IAM role", re.compile(r"[\w+=,.@-]+"), 1, 64)
ECR = Rule("ECR repository", re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*"), 2, 256)
LOG_GROUP = Rule("log group", re.compile(r"[.\-_/#A-Za-z0-9]+"), 1, 512)
EVENT_RULE = Rule("EventBridge rule", re.compile(r"[.\-_A-Za-z0-9]+"), 1, 64)
SCHEDULE = Rule("EventBridge Scheduler schedule", re.compile(r"[0-9a-zA-Z\-_.]+"), 1, 64)
BUCKET = Rule(
    "S3 bucket", re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]"), 3, 63, S3_RESERVED_PREFIXES, S3_RESERVED_SUFFIXES
)
SNS_TOPIC = Rule("SNS topic", re.compile(r"[A-Za-z0-9_-]+"), 1, 256)

# A placeholder account keeps bucket names at their longest (account ids are 12 digits).
LONGEST_ACCOUNT = "123456789012"


def _checks(naming: Naming, layer: str, pipeline: str, functions: Iterable[str]) -> list[tuple[Rule, Callable[[], str]]]:
    checks: list[tuple[Rule, Callable[[], str]]] = [
        (STATE_MACHINE, lambda: naming.state_machine(layer, pipeline)),
        (IAM_ROLE, lambda: naming.lambda_role(layer, pipeline)),
        (IAM_ROLE, lambda: naming.state_machine_role(layer, pipeline)),
        (IAM_ROLE, lambda: naming.events_role(layer, pipeline)),
        (IAM_ROLE, lambda: naming.scheduler_role(layer, pipeline)),
        (SCHEDULE, lambda: naming.schedule(layer, pipeline, "cron-0")),
        (LOG_GROUP, lambda: naming.state_machine_log_group(layer, pipeline)),
        (EVENT_RULE, lambda: naming.failure_rule(layer, pipeline)),
    ]
    for fn in functions:
        checks += [
            (LAMBDA, lambda fn=fn: naming.lambda_function(layer, pipeline, fn)),
            (ECR, lambda fn=fn: naming.ecr_repository(layer, pipeline, fn)),
            (LOG_GROUP, lambda fn=fn: naming.lambda_log_group(layer, pipeline, fn)),
        ]
    return checks


def _run(checks: list[tuple[Rule, Callable[[], str]]], where: str) -> list[str]:
    problems = []
    for rule, build in checks:
        problem = rule.problem(build())
        if problem:
            problems.append(f"{where}: {problem}")
    return problems


def pipeline_name_problems(
    slug: str, environments: Iterable[str], layer: str, pipeline: str, functions: Iterable[str]
) -> list[str]:
    """Every physical name of one pipeline, in every environment, against AWS's rules."""
    functions = list(functions)
    problems: list[str] = []
    for env in environments:
        problems += _run(_checks(Naming(slug, env), layer, pipeline, functions), f"{layer}/{pipeline} ({env})")
    return problems


def environment_name_problems(slug: str, environments: Iterable[str], account: str | None) -> list[str]:
    """The per-environment names that do not depend on a pipeline (buckets, topic, submissions dispatcher)."""
    problems: list[str] = []
    for env in environments:
        naming = Naming(slug, env)
        acct = account or LONGEST_ACCOUNT
        checks: list[tuple[Rule, Callable[[], str]]] = [
            (BUCKET, lambda naming=naming, acct=acct: naming.holding_bucket(acct)),
            (BUCKET, lambda naming=naming, acct=acct: naming.submissions_bucket(acct)),
            (SNS_TOPIC, naming.failure_topic),
            (LAMBDA, naming.dispatcher_function),
            (IAM_ROLE, naming.dispatcher_role),
            (LOG_GROUP, naming.dispatcher_log_group),
            (EVENT_RULE, naming.dispatcher_rule),
        ]
        problems += _run(checks, f"environment {env}")
    return problems
