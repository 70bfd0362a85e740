"""A Lambda sandbox for one function: run by path with the interpreter of the function's own
environment (``python -I loop.py <task root> <reply fd> <function ARN>``; a run forks it from the
environment's fork server, ``forkserver.py``, which calls :func:`main` in the child with those
arguments), it imports the handler once and then answers invocations until its stdin closes, as
Lambda's runtime answers ``/invocation/next``.

Stdlib only, and it puts nothing of dorc on ``sys.path``: its two helpers (the context and the
endpoint rule) are loaded by path under private names, so the handler sees its folder, the
standard library and its environment's packages, as in Lambda. ``-I`` keeps the user's
``PYTHONPATH`` and user site out too.

Protocol (one line each way, so an invocation costs two small pipe writes):

* start-up: the worker writes ``ready`` or ``init-error<TAB><error document>`` on the reply fd;
* request on stdin: ``<request id><TAB><remaining ms><TAB><event JSON>``;
* reply: ``ok<TAB><result JSON>``, ``error<TAB><error document>`` or
  ``refused<TAB><message><TAB><fix>`` (the real-AWS guard).

``sys.exit``/``os._exit``/a crash end the process: the parent reports Lambda's
``Runtime.ExitError`` from the exit status. The handler's stdout and stderr are the worker's own
(real file descriptors, with ``buffer`` and ``fileno()``), pointed by the parent at a log file.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

HANDLER_FILE = "lambda.py"
HANDLER_MODULE = "lambda"  # the name Lambda's runtime imports it under ("lambda.handler")
HANDLER_NAME = "handler"

READY = "ready"
INIT_ERROR = "init-error"
OK = "ok"
ERROR = "error"
REFUSED = "refused"
SEPARATOR = "\t"
_READ_SIZE = 1 << 16

# Lambda's Python runtime (awslambdaric) reports these for a handler it cannot load
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
MARSHAL_ERROR = "Runtime.MarshalError"
LOG_FORMAT = "[%(levelname)s] %(name)s: %(message)s"
MISSING_MODULE_FIELD = "missingModule"  # dorc's own field in an ImportModuleError document: what to add


def _private_module(name: str) -> ModuleType:
    """Load a helper that sits beside this file without putting this folder on ``sys.path``."""
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_dorc_sandbox_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while they are built
    spec.loader.exec_module(module)
    return module


def error_document(error_type: str, message: str, request_id: str = "",
                   stack: list[str] | None = None) -> dict[str, Any]:
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack or []}


def exception_document(exc: BaseException, request_id: str) -> dict[str, Any]:
    """The runtime's document for a handler exception: its class name, message and the frames
    below the worker's own."""
    frames = traceback.extract_tb(exc.__traceback__)[1:]
    return error_document(type(exc).__name__, str(exc), request_id, traceback.format_list(frames))


def load_handler(task_root: Path) -> Any:
    """Import ``lambda.py`` as Lambda's runtime does; raise ``_InitError`` with its error document."""
    path = task_root / HANDLER_FILE
    spec = importlib.util.spec_from_file_location(HANDLER_MODULE, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise _InitError(error_document(IMPORT_MODULE_ERROR, f"Unable to import module '{HANDLER_MODULE}': "
                                                             f"No module named '{HANDLER_MODULE}'"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[HANDLER_MODULE] = module
    try:
        spec.loader.exec_module(module)
    except ImportError as exc:
        document = error_document(IMPORT_MODULE_ERROR, f"Unable to import module '{HANDLER_MODULE}': {exc}")
        document[MISSING_MODULE_FIELD] = getattr(exc, "name", None)
        raise _InitError(document) from None
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise _InitError(error_document(SYNTAX_ERROR, f"Syntax error in module '{HANDLER_MODULE}': {exc}",
                                        stack=trace)) from None
    except Exception as exc:
        raise _InitError(exception_document(exc, "")) from None
    handler = getattr(module, HANDLER_NAME, None)
    if not callable(handler):
        raise _InitError(error_document(HANDLER_NOT_FOUND,
                                        f"Handler '{HANDLER_NAME}' missing on module '{HANDLER_MODULE}'"))
    return handler


class _InitError(Exception):
    def __init__(self, document: dict[str, Any]) -> None:
        super().__init__(document["errorMessage"])
        self.document = document


def _reply(fd: int, data: bytes) -> None:
    written = os.write(fd, data)  # a pipe takes it whole unless a signal interrupts the write
    if written < len(data):
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view):]


def _requests(fd: int) -> Iterator[str]:
    """The request lines arriving on ``fd`` (without their newline), until it closes. One read
    per request as a rule: the run writes one line and waits for its reply."""
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, _READ_SIZE)
        if not chunk:
            return
        end = chunk.find(b"\n")
        if end < 0:
            chunks.append(chunk)
            continue
        if chunks:  # a request longer than one read
            chunk = b"".join(chunks) + chunk
            chunks.clear()
            end = chunk.find(b"\n")
        while end >= 0:
            yield chunk[:end].decode()
            chunk = chunk[end + 1:]
            end = chunk.find(b"\n")
        if chunk:
            chunks.append(chunk)


def serve(task_root: Path, reply_fd: int, function_arn: str, requests_fd: int) -> None:
    """Import the handler (the Init phase), then answer the requests on ``requests_fd``.

    Everything an invocation does not need to redo is made before the first one: the context's
    fields, the JSON scanner and encoder, the replies' fixed parts. A warm sandbox wakes cold for
    each invocation (a chain's next state is another process), and every Python frame and object
    it touches then costs (``benchmarks/sandboxes.py``)."""
    context_module = _private_module("lambda_context")
    rules = _private_module("endpoint_rules")
    payloads = _private_module("payloads")
    try:
        handler = load_handler(task_root)
    except _InitError as exc:
        _reply(reply_fd, f"{INIT_ERROR}{SEPARATOR}{json.dumps(exc.document)}\n".encode())
        return
    _reply(reply_fd, f"{READY}\n".encode())
    new_context = context_module.invocation_contexts(
        function_name=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""),
        invoked_function_arn=function_arn,
        memory_limit_in_mb=os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        log_group_name=os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", ""),
    )
    decode, encode = payloads.event_decoder(), payloads.result_encoder()
    ok, error = f"{OK}{SEPARATOR}".encode(), f"{ERROR}{SEPARATOR}".encode()
    environ = _private_module("environ_watch").EnvironWatch()
    for line in _requests(requests_fd):
        request_id, remaining_ms, event_json = line.split(SEPARATOR, 2)
        # the handler may have changed the environment last time: check it again whenever it did
        if environ.changed():
            problem = rules.endpoint_problem(os.environ)
            if problem is not None:
                _reply(reply_fd, f"{REFUSED}{SEPARATOR}{SEPARATOR.join(problem)}\n".encode())
                continue
            environ.checked()
        try:
            result = handler(decode(event_json), new_context(request_id, int(remaining_ms) / 1000))
        except Exception as exc:
            _reply(reply_fd, error + json.dumps(exception_document(exc, request_id)).encode() + b"\n")
            continue
        try:
            text = encode(result)
        except (TypeError, ValueError, RecursionError) as exc:
            _reply(reply_fd, error + json.dumps(error_document(
                MARSHAL_ERROR, f"Unable to marshal response: {exc}", request_id)).encode() + b"\n")
            continue
        _reply(reply_fd, ok + text.encode() + b"\n")


def _end_with_parent(parent: int) -> None:
    """A run killed outright (``kill -9``) cannot kill its sandboxes: a sandbox whose handler is still
    busy then ends itself once its parent is gone (an idle one ends when its stdin closes)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def main() -> None:
    threading.Thread(target=_end_with_parent, args=(os.getppid(),), name="dorc-sandbox-watchdog",
                     daemon=True).start()
    task_root = Path(sys.argv[1])
    reply_fd = int(sys.argv[2])
    function_arn = sys.argv[3]
    # requests arrive on the real stdin; the handler gets an empty one, as in Lambda
    requests = os.dup(0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the process's own stdin, never closed
    sys.path.insert(0, str(task_root))
    os.chdir(task_root)
    # Lambda's runtime logs root-logger records to the function's log; stdout carries them here
    root = logging.getLogger()
    log_handler = logging.StreamHandler(sys.stdout)
    log_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(log_handler)
    serve(task_root, reply_fd, function_arn, requests)


if __name__ == "__main__":
    main()
