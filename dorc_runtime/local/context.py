"""The Lambda context object handed to a locally run handler.

It lives in the sandbox worker's stdlib-only folder (the worker loads it by path inside a
function's environment); this module is its name for dorc's own code and tests.
"""

from __future__ import annotations

from .sandbox.worker.lambda_context import FUNCTION_VERSION, LambdaContext

__all__ = ["FUNCTION_VERSION", "LambdaContext"]
