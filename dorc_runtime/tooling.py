"""How a process started in another environment (a pipeline's tests, in that pipeline's
environment) finds and talks to dorc's own tooling: the interpreter of dorc's environment, in this
variable (``invoke test`` sets it; :mod:`dorc_runtime.testing` starts its host with it), and the
host's reply type for a failure that is not a DorcError (standard library only: both sides import it)."""

TOOLING_PYTHON_VARIABLE = "DORC_TOOLING_PYTHON"
INTERNAL_ERROR = "Internal"  # testing_host's reply type for anything but a DorcError (message: the traceback)
