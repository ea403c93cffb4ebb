"""Label Studio's settings with coder's blind-coding policy (``DJANGO_SETTINGS_MODULE``).

Everything of ``label_studio.core.settings.label_studio`` (what ``label-studio start`` uses by
default), then:

- ``PROJECT_MIXIN``: a project, its tasks, annotations and predictions are open only to active
  members of the project's organization who work in that organization (Label Studio's own
  check lets any user of the server in, because the edition assumes one organization);
- the middleware of :mod:`coder_studio_policy`, last, which keeps coders to coding.

Label Studio's settings module reads ``django.conf.settings`` while it is being imported, so
its source is run here, in this module's namespace, rather than imported and copied.
"""

import importlib.util
from typing import Any

_spec: Any = importlib.util.find_spec("label_studio.core.settings.label_studio")
exec(compile(_spec.loader.get_source(_spec.name), _spec.origin, "exec"), globals())

PROJECT_MIXIN = "coder_studio_policy.DeskProjectMixin"
MIDDLEWARE: list[str] = [*globals()["MIDDLEWARE"], "coder_studio_policy.CoderPolicyMiddleware"]
