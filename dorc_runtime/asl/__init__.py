"""The one way to get Amazon States Language for a pipeline: a pure builder and its printer."""

from .builder import DEFAULT_LAMBDA_RETRY, build_state_machine
from .render import to_json
from .resolver import NamingResolver, Resolver

__all__ = ["DEFAULT_LAMBDA_RETRY", "NamingResolver", "Resolver", "build_state_machine", "to_json"]
