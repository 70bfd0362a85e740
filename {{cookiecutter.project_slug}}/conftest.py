"""pytest's configuration for every test of this project (tests/ and each pipeline's tests/).

``dorc_runtime.testing`` gives tests the ``dorc`` fixture: run a pipeline, or call one function,
as ``invoke run`` / ``invoke call`` do, against the embedded AWS with an empty holding store.
"""

pytest_plugins = ["dorc_runtime.testing"]
