"""Call one handler as Lambda would: a JSON copy of the event in, a JSON result out.

A handler's exception becomes the error named by its class, with Lambda's error document
(``errorMessage``, ``errorType``, ``requestId``, ``stackTrace``) as the cause, in the compact form
Step Functions' lambda:invoke reports. A result that is not JSON is Lambda's
``Runtime.MarshalError``; one over 256 KB is ``States.DataLimitExceeded``.
"""

from __future__ import annotations

import json
import time
import traceback
import uuid
from collections.abc import Callable
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # C, keeps non-ASCII as _UTF8 does
from typing import Any

from .errors import DATA_LIMIT, StatesError

MAX_PAYLOAD_BYTES = 256 * 1024

Handler = Callable[[Any, Any], Any]

# json.dumps(..., ensure_ascii=False) builds a new encoder per call; reuse one
_UTF8 = json.JSONEncoder(ensure_ascii=False)


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def error_document(exc: BaseException, request_id: str | None, skip_frames: int = 1) -> dict[str, Any]:
    """Lambda's Python runtime error payload for ``exc`` (frames of the caller skipped). A handler
    that ran elsewhere (a sandbox process) raises with Lambda's document already made."""
    made = getattr(exc, "lambda_error_document", None)
    if isinstance(made, dict):
        return made
    frames = traceback.extract_tb(exc.__traceback__)[skip_frames:]
    document: dict[str, Any] = {"errorMessage": str(exc), "errorType": type(exc).__name__}
    if request_id is not None:
        document["requestId"] = request_id
    document["stackTrace"] = traceback.format_list(frames)
    return document


def call_handler(handler: Handler, event_json: str, context: Any) -> tuple[bool, Any]:
    """Run ``handler`` on a fresh copy of the event: ``(True, result)`` or ``(False, error document)``."""
    try:
        return True, handler(json.loads(event_json), context)
    except Exception as exc:
        return False, error_document(exc, getattr(context, "aws_request_id", None))


def json_size(value: Any) -> int:
    """Bytes of ``value`` as UTF-8 JSON, the measure of Step Functions' 256 KB limit."""
    text = _UTF8.encode(value)
    return len(text) if text.isascii() else len(text.encode())


def text_size(text: str) -> int:
    """:func:`json_size` of a string, without the encoder's Python-level call."""
    quoted = encode_basestring(text)
    return len(quoted) if quoted.isascii() else len(quoted.encode())


def lambda_response(handler: Handler, event_json: str, context: Any) -> tuple[bool, str]:
    """What the Lambda service answers: ``(True, result)`` or ``(False, error document JSON)``.

    The result is JSON text, except for a handler that returns ``bytes``: Lambda's Python runtime
    sends those as they are, unencoded (awslambdaric's ``LambdaMarshaller.marshal_response``), and
    Step Functions parses the response as JSON if it can and keeps it as a string otherwise
    ("The Payload field of the response is parsed from escaped Json to Json",
    https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html).

    A handler with an ``invoke_json(event_json, context)`` method runs elsewhere (a sandbox process)
    and answers with the result's JSON text itself: that text is passed on as it is.
    """
    invoke_json = getattr(handler, "invoke_json", None)
    if invoke_json is not None:
        try:
            return True, invoke_json(event_json, context)
        except Exception as exc:
            return False, json.dumps(error_document(exc, getattr(context, "aws_request_id", None)))
    ok, value = call_handler(handler, event_json, context)
    if not ok:
        return False, json.dumps(value)
    if isinstance(value, bytes | bytearray):
        # bytes that are not UTF-8 cannot be a Step Functions string: U+FFFD stands in for them
        return True, bytes(value).decode("utf-8", errors="replace")
    try:
        return True, _UTF8.encode(value)
    except (TypeError, ValueError) as exc:
        document = {
            "errorMessage": f"Unable to marshal response: {exc}",
            "errorType": "Runtime.MarshalError",
            "requestId": getattr(context, "aws_request_id", None) or "",
            "stackTrace": [],
        }
        return False, json.dumps(document)


def invoke(handler: Handler, payload: Any, context: Any) -> Any:
    """The handler's JSON result as Step Functions sees it; failures as StatesError."""
    return invoke_measured(handler, payload, context)[0]


def invoke_measured(handler: Handler, payload: Any, context: Any) -> tuple[Any, int]:
    """:func:`invoke`, and the result's size in bytes (as :func:`json_size` counts it)."""
    ok, text = lambda_response(handler, json.dumps(payload), context)
    if not ok:
        document = json.loads(text)
        raise StatesError(document["errorType"], compact(document))
    size = len(text) if text.isascii() else len(text.encode())
    if size > MAX_PAYLOAD_BYTES:
        raise StatesError(
            DATA_LIMIT,
            f"The state/task returned a result with a size exceeding the maximum number of bytes service limit "
            f"({size} bytes > {MAX_PAYLOAD_BYTES} bytes).",
        )
    try:
        return json.loads(text), size
    except ValueError:  # raw bytes that are not JSON: a string, as Step Functions keeps them
        return text, json_size(text)


class DefaultContext:
    """A minimal Lambda-like context, used when the caller gives no ``context_factory``."""

    __slots__ = ("function_name", "invoked_function_arn", "memory_limit_in_mb", "function_version", "_deadline",
                 "_request_id")

    def __init__(self, function_arn: str, timeout_seconds: float | None) -> None:
        self.invoked_function_arn = function_arn
        self.function_name = function_arn.rsplit(":", 1)[-1]
        self.memory_limit_in_mb = 128
        self.function_version = "$LATEST"
        self._deadline = time.monotonic() + (timeout_seconds or 900)
        self._request_id: str | None = None

    @property
    def aws_request_id(self) -> str:
        # made on first use: a uuid4 per call would be a tenth of a state's time budget
        if self._request_id is None:
            self._request_id = str(uuid.uuid4())
        return self._request_id

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
