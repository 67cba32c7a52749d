"""The application as each web worker of `ssbonto serve` builds it: settings from the serving
process (handed over in the environment, so that forked and spawned workers read the same),
JSON logs, and the worker's query processes started (one ready) before the first request."""

from __future__ import annotations

import dataclasses
import gc
import json
import os
from pathlib import Path

from .app import create_app
from .settings import Settings

SETTINGS_VARIABLE = "SSBONTO_SERVE_SETTINGS"


def hand_over(settings: Settings, log_level: str) -> None:
    """Put `settings` where the workers' `application()` finds them."""
    fields = {name: str(value) if isinstance(value, Path) else value
              for name, value in dataclasses.asdict(settings).items()}
    os.environ[SETTINGS_VARIABLE] = json.dumps({"settings": fields, "log_level": log_level})


def application():
    """WSGI application factory (granian --factory; gunicorn's load)."""
    from .access_log import configure_logging
    from .served import served_release
    from .sparql.query_runner import query_runner
    from .sparql.worker_lane import worker_lane

    handed = json.loads(os.environ.get(SETTINGS_VARIABLE) or '{"settings": {}, "log_level": "info"}')
    fields = handed["settings"]
    if "release_dir" in fields:
        fields["release_dir"] = Path(fields["release_dir"])
    settings = Settings(**fields) if fields else Settings.from_environment()
    configure_logging(handed["log_level"])
    app = create_app(settings)
    # a worker takes requests only once it can answer them (a respawned worker too): up to a minute
    query_runner(app).wait_ready(60)
    if worker_lane(app) is not None:  # its store, which the pages read too, loaded before the first request
        served_release(app).store
    gc.freeze()  # what the worker loaded stays: the collector no longer walks it at every full collection
    return app
