"""The Flask application factory. Each area lives in its own module and registers a blueprint."""

from __future__ import annotations

from flask import Flask

from .settings import Settings
from .sparql.answer_cache import ANSWER_CACHE_KEY, CACHE_HEADER, AnswerCache


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_environment()
    app = Flask(__name__)
    app.config["SSBONTO"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    from flask_cors import CORS

    from . import access_log, errors, health
    from .files import downloads
    from .pages import advise, browse, history, linked_data, pictures, search, ui, validate
    from .sparql import endpoint
    for module in (linked_data, browse, pictures, downloads, history, ui, search, advise, validate, endpoint, health):
        app.register_blueprint(module.blueprint)
    errors.install(app)
    access_log.install(app)
    CORS(app, methods=["GET", "HEAD", "POST", "OPTIONS"], max_age=86400,
         expose_headers=["Content-Length", "ETag", "Last-Modified", "Retry-After", "Content-Disposition",
                         CACHE_HEADER])
    # a remote store can be pushed a new release behind this process's back: answers from it are not kept
    cache = None
    if settings.answer_cache_bytes > 0 and not settings.store:
        cache = app.extensions[ANSWER_CACHE_KEY] = AnswerCache(settings.answer_cache_bytes,
                                                               wait_seconds=settings.query_timeout)
    from .front import FRONT_KEY, Front
    from .sparql.query_runner import query_runner
    from .sparql.worker_lane import worker_lane

    app.wsgi_app = app.extensions[FRONT_KEY] = Front(app.wsgi_app, settings, lambda: query_runner(app), cache,
                                                     lambda: worker_lane(app))
    return app
