"""Scaffolding: create layers, pipelines and functions atomically, and finish a baked project.

``files`` and ``bake`` are pure builders, ``writer`` applies a plan all-or-nothing, ``wiring``
edits a pipeline's ``__main__.py`` with libcst, ``operations`` plans each ``new-*`` command and
``listing`` feeds ``invoke list``. Nothing heavy is imported here: the template's hook loads
``files``, ``bake`` and ``writer`` with the standard library alone.
"""
