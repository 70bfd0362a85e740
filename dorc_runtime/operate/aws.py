"""The AWS seam of operate: boto3 clients for one region, and botocore errors as dorc errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..errors import AwsError, MissingToolError

CREDENTIALS_FIX = (
    "run 'aws configure' (or 'aws sso login --profile <profile>' and export AWS_PROFILE), or run "
    "dorc through aws-vault: 'aws-vault exec <profile> -- invoke ...'"
)


@dataclass(frozen=True)
class AwsClients:
    sfn: Any
    logs: Any
    sts: Any

    @classmethod
    def for_region(cls, region: str) -> AwsClients:
        import boto3

        session = boto3.session.Session(region_name=region)
        return cls(session.client("stepfunctions"), session.client("logs"), session.client("sts"))


def error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


@contextmanager
def aws_errors(doing: str, not_found: tuple[str, str] | None = None) -> Iterator[None]:
    """Turn botocore failures into one-line dorc errors; ``not_found`` = (message, fix)."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    try:
        yield
    except NoCredentialsError:
        raise MissingToolError(
            f"No AWS credentials found while trying to {doing}.", CREDENTIALS_FIX
        ) from None
    except NoRegionError:
        raise AwsError(f"No AWS region to {doing} in.", "set region in project_settings.UNIVERSAL") from None
    except ClientError as error:
        code = error_code(error)
        if not_found and ("NotFound" in code or "DoesNotExist" in code):
            raise AwsError(*not_found) from None
        if code in (
            "ExpiredToken",
            "ExpiredTokenException",
            "UnrecognizedClientException",
            "InvalidClientTokenId",
        ):
            raise MissingToolError(
                f"The AWS credentials were refused ({code}) while trying to {doing}.", CREDENTIALS_FIX
            ) from None
        message = error.response.get("Error", {}).get("Message", str(error))
        raise AwsError(f"Could not {doing}: {code}: {message}") from None
    except BotoCoreError as error:
        raise AwsError(f"Could not {doing}: {error}") from None
