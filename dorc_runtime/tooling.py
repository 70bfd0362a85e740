"""How a process started in another environment (a pipeline's tests, in that pipeline's
environment) finds dorc's own tooling: the interpreter of dorc's environment, in this variable
(``invoke test`` sets it; :mod:`dorc_runtime.testing` starts its host with it)."""

TOOLING_PYTHON_VARIABLE = "DORC_TOOLING_PYTHON"
