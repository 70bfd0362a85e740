"""Checks before any stack is touched: Pulumi CLI, Docker engine, AWS credentials, backend.

The checks are pure functions of what small probes report, so they are tested both against this
machine's real probes and against fakes. Every problem found is reported at once, each with its
fix, in a single :class:`MissingToolError`; nothing has been changed when it is raised.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from ...errors import DorcError, MissingToolError
from ...settings import NO_ACCOUNT, Account, DorcEnvironment
from .backend import Backend, BackendKind, passphrase

DOCKER_INFO_TIMEOUT = 20

PULUMI_FIX = (
    "install the Pulumi CLI: 'curl -fsSL https://get.pulumi.com | sh' (Linux/macOS; or "
    "'brew install pulumi/tap/pulumi', or 'winget install pulumi' on Windows), open a new shell so "
    "~/.pulumi/bin is on PATH, check with 'pulumi version', then install the provider once with "
    "'pulumi plugin install resource aws' (see "
    "https://www.pulumi.com/docs/install/)"
)
DOCKER_MISSING_FIX = (
    "install Docker (https://docs.docker.com/engine/install/ or Docker Desktop), or set "
    "package_type='zip' on every Function to deploy without container images"
)
DOCKER_DOWN_FIX = (
    "start the Docker engine ('sudo systemctl start docker' on Linux, or open Docker Desktop), "
    "check with 'docker info', or set package_type='zip' on every Function"
)
CREDENTIALS_FIX = (
    "run 'aws configure' (or 'aws sso login --profile <profile>' and export AWS_PROFILE), or run "
    "dorc through aws-vault: 'aws-vault exec <profile> -- invoke deploy --env <env>'"
)


@dataclass(frozen=True)
class Problem:
    what: str
    fix: str


@dataclass(frozen=True)
class Probes:
    """The only side effects of preflight; :func:`system_probes` gives the real ones."""

    which: Callable[[str], str | None]
    docker_engine_running: Callable[[], bool]
    aws_credentials_found: Callable[[], bool]
    bucket_problem: Callable[[str], str | None]  # None when the state bucket is usable
    # the credentials' account (STS GetCallerIdentity in the given region); None when STS fails
    caller_account: Callable[[str], str | None] = lambda region: None


@dataclass(frozen=True)
class Needs:
    pulumi: bool = True
    docker: bool = False
    aws: bool = True


def check_pulumi(probes: Probes) -> Problem | None:
    if probes.which("pulumi") is None:
        return Problem(
            "The Pulumi CLI is not installed (no 'pulumi' on PATH); Pulumi's Automation API drives it.",
            PULUMI_FIX,
        )
    return None


def check_docker(probes: Probes) -> Problem | None:
    if probes.which("docker") is None:
        return Problem("Docker is not installed; function images are built with it.", DOCKER_MISSING_FIX)
    if not probes.docker_engine_running():
        return Problem(
            "The Docker client is installed but 'docker info' cannot reach a Docker engine.", DOCKER_DOWN_FIX
        )
    return None


def check_credentials(probes: Probes) -> Problem | None:
    if not probes.aws_credentials_found():
        return Problem(
            "No AWS credentials found (environment, ~/.aws, SSO, container or instance role).",
            CREDENTIALS_FIX,
        )
    return None


def check_account(expected: Account, actual: str | None) -> Problem | None:
    """The credentials must belong to the account the project deploys to: every ARN is derived
    from it, so a deploy with other credentials would create a project that points elsewhere."""
    if actual is None:
        return Problem(
            "The AWS credentials were found but STS GetCallerIdentity failed, so their account is unknown.",
            "check that the credentials are valid and not expired ('aws sts get-caller-identity'); " + CREDENTIALS_FIX,
        )
    if expected.id is not None and expected.id != actual:
        return Problem(
            f"The AWS credentials are for account {actual}, but {expected.source} says {expected.id}.",
            f"use credentials for {expected.id} (AWS_PROFILE, 'aws sso login' or 'aws-vault exec <profile>'), "
            f"or correct {expected.source}",
        )
    return None


def check_passphrase(settings: DorcEnvironment, backend: Backend) -> Problem | None:
    try:
        passphrase(settings, backend)
    except DorcError as error:
        return Problem(error.message, error.fix or "")
    return None


def check_bucket(backend: Backend, probes: Probes) -> Problem | None:
    if backend.kind is not BackendKind.S3:
        return None
    bucket = backend.url.removeprefix("s3://").split("/", 1)[0].split("?", 1)[0]
    problem = probes.bucket_problem(bucket)
    if problem is None:
        return None
    return Problem(
        f"The Pulumi state bucket s3://{bucket} ({backend.source}) is not usable: {problem}.",
        f"create it once ('aws s3 mb s3://{bucket}' and enable versioning), or point {backend.source} "
        "at a bucket your credentials can read and write",
    )


def preflight_problems(
    needs: Needs, settings: DorcEnvironment, backend: Backend, probes: Probes
) -> list[Problem]:
    problems = [check_passphrase(settings, backend)]
    if needs.pulumi:
        problems.append(check_pulumi(probes))
    if needs.docker:
        problems.append(check_docker(probes))
    credentials = check_credentials(probes) if needs.aws or backend.kind is BackendKind.S3 else None
    problems.append(credentials)
    if credentials is None:  # the bucket probe needs credentials to say anything useful
        problems.append(check_bucket(backend, probes))
    return [p for p in problems if p is not None]


def raise_problems(problems: list[Problem]) -> None:
    if not problems:
        return
    if len(problems) == 1:
        raise MissingToolError(f"{problems[0].what} Nothing was changed.", problems[0].fix)
    lines = [f"{len(problems)} things must be fixed before dorc can talk to AWS; nothing was changed:"]
    for problem in problems:
        lines.append(f"  - {problem.what}\n    Fix: {problem.fix}")
    error = MissingToolError("\n".join(lines))
    error.problems = problems  # type: ignore[attr-defined]
    raise error


def preflight(
    needs: Needs,
    settings: DorcEnvironment,
    backend: Backend,
    probes: Probes,
    account: Account = NO_ACCOUNT,
    region: str = "us-east-1",
) -> Account:
    """Raise every problem at once; return the account to deploy to when AWS is needed: the
    configured one, checked against the credentials', else the credentials' own."""
    problems = preflight_problems(needs, settings, backend, probes)
    resolved = account
    if needs.aws and check_credentials(probes) is None:
        actual = probes.caller_account(region)
        mismatch = check_account(account, actual)
        if mismatch is not None:
            problems.append(mismatch)
        elif account.id is None:
            resolved = Account(actual, "your AWS credentials (sts get-caller-identity)")
    raise_problems(problems)
    return resolved


# -- the real probes ---------------------------------------------------------------------------
def _docker_engine_running() -> bool:
    try:
        done = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=DOCKER_INFO_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _aws_credentials_found() -> bool:
    import botocore.session

    try:
        return botocore.session.get_session().get_credentials() is not None
    except Exception:  # a broken profile is as unusable as none; the fix says how to set one up
        return False


def _bucket_problem(bucket: str) -> str | None:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        boto3.client("s3").head_bucket(Bucket=bucket)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("404", "NoSuchBucket", "NotFound"):
            return "it does not exist"
        if code in ("403", "AccessDenied", "Forbidden"):
            return "access is denied to these credentials"
        return f"S3 answered {code or error}"
    except BotoCoreError as error:
        return str(error)
    return None


def _caller_account(region: str) -> str | None:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return str(boto3.client("sts", region_name=region).get_caller_identity()["Account"])
    except (BotoCoreError, ClientError):
        return None


def system_probes() -> Probes:
    return Probes(
        which=shutil.which,
        docker_engine_running=_docker_engine_running,
        aws_credentials_found=_aws_credentials_found,
        bucket_problem=_bucket_problem,
        caller_account=_caller_account,
    )
