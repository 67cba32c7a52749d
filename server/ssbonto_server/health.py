"""/healthz: 200 when the release is readable and a query process is ready, else 503, with the
figures an operator checks first (version, triples, query processes, limits). The status is "ok"
when every query process is ready, "degraded" (still 200: queries are being answered) while some
are being replaced, "starting" or "query processes failing" (503) when none is ready."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, current_app

from ssbonto.layout import MANIFEST_FILE

from .front import FRONT_KEY
from .sparql.answer_cache import ANSWER_CACHE_KEY
from .sparql.query_runner import query_runner
from .sparql.worker_lane import worker_lane

blueprint = Blueprint("health", __name__)


@blueprint.route("/healthz")
def healthz() -> Response:
    settings = current_app.config["SSBONTO"]
    report: dict = {"status": "ok"}
    try:
        manifest = json.loads((Path(settings.release_dir) / MANIFEST_FILE).read_text(encoding="utf-8"))
        report["version"] = manifest["version"]
        report["triples"] = manifest["triples"]
    except (OSError, ValueError, KeyError) as error:
        report["status"] = "no release"
        report["problem"] = f"cannot read the release at {settings.release_dir}: {error}"
    queries = query_runner().status()
    report["query_processes"] = queries
    lane = worker_lane(current_app)
    report["worker_lane"] = lane.status() if lane else None
    cache = current_app.extensions.get(ANSWER_CACHE_KEY)
    report["answer_cache"] = cache.status() if cache else None
    report["store"] = {"location": settings.store or "embedded",
                       "mode": None if settings.store else queries.get("store_mode")}
    report["limits"] = {"query_timeout_seconds": settings.query_timeout, "max_query_bytes": settings.max_query_bytes,
                        "max_body_bytes": settings.max_body_bytes, "max_answer_bytes": settings.max_answer_bytes,
                        "service_allow_list": settings.service_allow_list,
                        "max_query_tokens": settings.max_query_tokens, "max_query_nesting": settings.max_query_nesting,
                        "max_query_depth": settings.max_query_depth, "body_timeout_seconds": settings.body_timeout,
                        "body_min_rate_bytes_per_second": settings.body_min_rate}
    front = current_app.extensions.get(FRONT_KEY)
    report["request_bodies"] = front.status()["bodies"] if front else None
    if report["status"] == "ok" and not queries["ready"]:
        report["status"] = "starting" if not queries["startup_error"] else "query processes failing"
    elif report["status"] == "ok" and queries["ready"] < queries["processes"]:
        report["status"] = "degraded"
    status = 200 if report["status"] in ("ok", "degraded") else 503
    response = Response(json.dumps(report, indent=1) + "\n", status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
