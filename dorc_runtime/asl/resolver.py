"""Where the builder gets ARNs: passed in, never looked up in AWS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..naming import Naming


class Resolver(Protocol):
    def function_arn(self, function_name: str) -> str: ...

    def pipeline_arn(self, layer: str, pipeline: str) -> str: ...


@dataclass(frozen=True)
class NamingResolver:
    """The standard resolver: dorc's naming rules for one pipeline in one environment."""

    naming: Naming
    region: str
    account: str
    layer: str
    pipeline: str

    def function_arn(self, function_name: str) -> str:
        return self.naming.lambda_arn(self.region, self.account, self.layer, self.pipeline, function_name)

    def pipeline_arn(self, layer: str, pipeline: str) -> str:
        return self.naming.state_machine_arn(self.region, self.account, layer, pipeline)
