"""The registry seam: where a repository lives, whether it holds a tag, and push credentials.

:class:`EcrRegistry` asks ECR with boto3 (``DescribeImages`` for a tag, ``GetAuthorizationToken``
for the login the Docker engine pushes with). Tests point the same publisher at a real OCI
registry on the loopback interface through this seam.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Protocol

from ...errors import DeployError
from ...naming import Arns


class Registry(Protocol):
    def repository_url(self, repository: str) -> str: ...

    def has_tag(self, repository: str, tag: str) -> bool: ...

    def auth(self) -> dict[str, str] | None:
        """Credentials for the Docker engine's push (``auth_config``), or None for none."""
        ...


@dataclass
class EcrRegistry:
    """The account's private ECR registry in the project's region."""

    client: Any  # boto3 ECR client
    account: str
    region: str
    _auth: dict[str, str] | None = field(default=None, init=False, repr=False)

    def repository_url(self, repository: str) -> str:
        return Arns(self.region, self.account).ecr_repository_url(repository)

    def has_tag(self, repository: str, tag: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.describe_images(
                registryId=self.account, repositoryName=repository, imageIds=[{"imageTag": tag}]
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ImageNotFoundException":
                return False
            if code == "RepositoryNotFoundException":
                raise DeployError(
                    f"The ECR repository {repository} does not exist in account {self.account} "
                    f"({self.region}); the universal stack creates it.",
                    "run 'invoke deploy --env <env>' (it deploys universal before publishing images)",
                ) from None
            raise DeployError(
                f"ECR DescribeImages on {repository} failed: {code or error}.",
                "check that the credentials may call ecr:DescribeImages on the project's repositories",
            ) from None
        return True

    def auth(self) -> dict[str, str]:
        """One token per publish: ECR tokens last 12 hours, longer than any deploy."""
        if self._auth is None:
            data = self.client.get_authorization_token(registryIds=[self.account])["authorizationData"][0]
            username, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
            self._auth = {"username": username, "password": password, "serveraddress": data["proxyEndpoint"]}
        return self._auth
