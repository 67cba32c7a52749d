"""The Flask application factory. Each area lives in its own module and registers a blueprint."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from .answer_cache import CACHE_HEADER, AnswerCache

ANSWER_CACHE_KEY = "ssbonto.answer_cache"


@dataclass
class Settings:
    """Service configuration; every field can be set by a flag of `ssbonto serve` or by the
    environment variable SSBONTO_<FIELD NAME IN UPPER CASE>."""

    release_dir: Path = Path("release")
    base_iri: str = "https://w3id.org/ssbonto/"
    query_timeout: float = 30.0
    max_query_bytes: int = 100_000
    max_body_bytes: int = 1_000_000
    service_allow_list: list[str] = field(default_factory=list)
    query_processes: int = 2  # per web worker; one may be stuck at the deadline while the other serves
    max_answer_bytes: int = 64_000_000
    query_memory_bytes: int = 2_000_000_000  # address-space limit of each query process
    store: str = ""  # empty: the embedded store; else sparql+http://HOST:PORT/PATH (remote_store)
    store_mode: str = "auto"  # the embedded store in memory or on disk (ssbonto.store.choose_mode)
    answer_cache_bytes: int = 32_000_000  # per web worker; 0 turns the answer cache off

    @classmethod
    def from_environment(cls, **overrides) -> "Settings":
        settings = cls()
        for name, default in settings.__dict__.items():
            raw = os.environ.get(f"SSBONTO_{name.upper()}")
            if raw is None:
                continue
            if isinstance(default, Path):
                value = Path(raw)
            elif isinstance(default, float):
                value = float(raw)
            elif isinstance(default, int):
                value = int(raw)
            elif isinstance(default, list):
                value = [item for item in raw.split(",") if item]
            else:
                value = raw
            setattr(settings, name, value)
        for name, value in overrides.items():
            if value is not None:
                setattr(settings, name, value)
        return settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_environment()
    app = Flask(__name__)
    app.config["SSBONTO"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    from . import downloads, linked_data, ui
    for module in (linked_data, downloads, ui):
        app.register_blueprint(module.blueprint)
    from flask_cors import CORS

    from . import access_log, errors, health, sparql
    for module in (sparql, health):
        app.register_blueprint(module.blueprint)
    errors.install(app)
    access_log.install(app)
    CORS(app, methods=["GET", "HEAD", "POST", "OPTIONS"], max_age=86400,
         expose_headers=["Content-Length", "ETag", "Last-Modified", "Retry-After", "Content-Disposition",
                         CACHE_HEADER])
    # a remote store can be pushed a new release behind this process's back: answers from it are not kept
    if settings.answer_cache_bytes > 0 and not settings.store:
        app.wsgi_app = app.extensions[ANSWER_CACHE_KEY] = AnswerCache(app.wsgi_app, settings.answer_cache_bytes,
                                                                       wait_seconds=settings.query_timeout)
    return app
