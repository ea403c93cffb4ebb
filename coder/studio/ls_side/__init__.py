"""Code that runs inside Label Studio's own Python, never imported by coder.

Label Studio (open-source edition) loads its settings from ``DJANGO_SETTINGS_MODULE`` and
several classes from names in those settings. ``coder studio up`` starts it with this folder
on ``PYTHONPATH`` and ``DJANGO_SETTINGS_MODULE=coder_studio_settings``:

- :mod:`coder_studio_settings`: Label Studio's own settings, plus the two lines below;
- :mod:`coder_studio_policy`: ``PROJECT_MIXIN`` (a project is open only to members of its
  organization who work in it) and a middleware that keeps coders to coding;
- :mod:`coder_studio_admin`: run by coder with Label Studio's Python to make accounts and each
  person's organization (their *desk*), which the REST API of this edition cannot do.

The modules import Django and Label Studio, which coder's own environment does not have; they
are checked by ruff and mypy like the rest, with those imports typed as ``Any``.
"""
