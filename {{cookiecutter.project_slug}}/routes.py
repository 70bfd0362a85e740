"""Submission routes: which pipeline an archive dropped in the submissions bucket goes to.

Suppliers put a ``.tar``, ``.tar.gz`` or ``.zip`` under ``incoming/`` of the submissions bucket,
with a ``manifest.json`` whose ``source_id`` names their data. The first route whose ``source_id``
pattern matches the WHOLE ``source_id`` wins; its ``required_files`` patterns must each find a file,
its ``validators`` ("package.module:callable", called with each file) must not raise, and then its
pipeline starts with ``{submission_id, source_id, manifest, files, options}``.

Add a route with:

    invoke new-route 'census_.*_v1' --pipeline census --layer raw --require '^data\\.csv$'

and try it locally with ``invoke submit ./census_2021_v1.tar``. ``invoke validate`` reports routes
that can never match, overlap, or point to a missing pipeline. Optional archive limits:
``LIMITS = Limits(max_files=1000)`` (from dorc_runtime.submissions.limits). With no routes, no
submissions bucket or dispatcher is deployed.
"""

from dorc_runtime.submissions.routes import Route

ROUTES: list[Route] = []
