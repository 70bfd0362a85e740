"""What functions' code uses of the AWS SDK, read from their source: only a hint, which decides
what is prepared ahead (the embedded AWS started at once, a fork server's boto3 import and the
service models it parses), never what a handler may call."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Code that mentions one of these probably calls AWS.
AWS_SDK = re.compile(rb"\b(?:boto3|botocore|aioboto3|aiobotocore|awswrangler)\b")
# boto3.client("s3"), session.resource(service_name="dynamodb"), ...: the services it names
SERVICE_NAME = re.compile(rb"""\b(?:create_client|client|resource)\(\s*(?:service_name\s*=\s*)?["']([a-z0-9][a-z0-9-]{1,62})["']""")


def mentions_aws(files: Iterable[Path]) -> bool:
    """Does any of ``files`` mention an AWS SDK? (reads until the first one that does)"""
    return any(AWS_SDK.search(file.read_bytes()) for file in files if file.is_file())


@dataclass(frozen=True)
class SdkUse:
    """Whether the code mentions the SDK, and the services it names."""

    sdk: bool
    services: tuple[str, ...] = ()

    @classmethod
    def of_files(cls, files: Iterable[Path]) -> SdkUse:
        sdk, services = False, set()
        for file in files:
            if not file.is_file():
                continue
            source = file.read_bytes()
            if AWS_SDK.search(source):
                sdk = True
                services.update(name.decode() for name in SERVICE_NAME.findall(source))
        return cls(sdk, tuple(sorted(services)))

    def as_json(self) -> dict[str, object]:
        """What a fork server is started with (``worker/forkserver.py``)."""
        return {"sdk": self.sdk, "services": list(self.services)}


# What a sandbox is prepared for when nobody read its code: boto3 imported, no service parsed
UNKNOWN = SdkUse(sdk=True)
