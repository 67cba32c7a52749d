"""The technique advisor over HTTP: `GET /api/advise` (JSON, field names as issue 11 gives them)
and `/advise` (a form with autocomplete on each field, the answer as cards, the address as its
permalink). Thin: parse parameters, ask ssbonto.answers.advise, render."""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from ssbonto.answers.advise import (DEFAULT_LIMIT, FACILITIES, MAX_LIMIT, AdviceError, Advisor, AdvisorModel,
                                    Question, kebab, local)
from ssbonto.answers.search import SearchError, parse_limit

from ..errors import error_fields, json_body
from ..problems import problem
from ..served import served_release
from .search import BadArguments, arguments, href, search_index

blueprint = Blueprint("advise", __name__)

PARAMETERS = ("learn", "subject", "where", "mode", "stimulus", "facility", "resolution", "limit")
_lock = threading.Lock()


def advisor() -> Advisor | None:
    """The served release's advisor, built once per process from its store and search index."""
    served = served_release()
    if "advisor" not in served.cache:
        with _lock:
            if "advisor" not in served.cache:
                index = search_index()
                served.cache["advisor"] = Advisor(AdvisorModel.load(served.store), index) if index else None
    return served.cache["advisor"]


def question_from(args: dict[str, str]) -> Question:
    unknown = sorted(set(args) - set(PARAMETERS))
    if unknown:
        raise AdviceError(unknown[0], f"unknown parameter {unknown[0][:40]!r}; the advisor takes: "
                                      + ", ".join(PARAMETERS), list(PARAMETERS))
    try:
        limit = parse_limit(args.get("limit"), DEFAULT_LIMIT, MAX_LIMIT)
    except SearchError as error:
        raise AdviceError("limit", str(error))
    if not (args.get("learn") or "").strip():
        raise AdviceError("learn", "learn is empty: say what you want to know, e.g. learn=lithium distribution "
                                   "or learn=jump rate")
    return Question(args.get("learn", ""), args.get("subject"), args.get("where"), args.get("mode"),
                    args.get("stimulus"), args.get("facility"), args.get("resolution"), limit)


def bad_request(error: AdviceError) -> Response:
    """The API's 400: always JSON (whatever Accept says), with the parameter at fault and its choices."""
    return Response(json_body(error_fields(400, str(error)) | error.as_json()), status=400,
                    mimetype="application/json")


@blueprint.route("/api/advise")
def api_advise() -> Response:
    current = advisor()
    if current is None:
        return problem(503, f"release {served_release().version} has no search index; rebuild it with `ssbonto build`")
    try:
        answer = current.advise(question_from(arguments()))
    except BadArguments as error:
        return problem(400, str(error))
    except (AdviceError, SearchError) as error:
        return bad_request(error if isinstance(error, AdviceError) else AdviceError(error.parameter, str(error)))
    return Response(json.dumps(answer, ensure_ascii=False) + "\n", mimetype="application/json")


@blueprint.route("/advise")
def advise_page() -> Response:
    served = served_release()
    current = advisor()
    if current is None:
        return problem(503, f"release {served.version} has no search index; rebuild it with `ssbonto build`")
    answer, error, args, status = None, None, {}, 200
    try:
        args = arguments()
        if any((args.get(name) or "").strip() for name in PARAMETERS):
            answer = current.advise(question_from(args))
    except BadArguments as failure:
        return problem(400, str(failure))
    except (AdviceError, SearchError) as failure:
        error = failure if isinstance(failure, AdviceError) else AdviceError(failure.parameter, str(failure))
        status = 400
    filled = {name: value for name, value in args.items() if name in PARAMETERS and value}
    body = render_template(
        "advise.html", version=served.version, answer=answer, error=error, args=filled, href=href,
        permalink=f"{request.path}?{urlencode(filled)}" if filled else request.path,
        json_link=f"{request.script_root}/api/advise?{urlencode(filled)}" if filled else None,
        where_values=current.where_values(), facilities=FACILITIES,
        modes=[(kebab(local(iri)), label) for iri, label in sorted(current.model.modes.items())],
        stimuli=[(kebab(local(iri)).replace("-stimulus", ""), label) for iri, label in sorted(current.model.stimuli.items())],
        reference_href=lambda number: f"{request.script_root}/id/reference/{number}", source_href=source_href,
        suggest=f"{request.script_root}/api/suggest")
    return Response(body, status=status, mimetype="text/html")


def source_href(source: str) -> str | None:
    """The page of a reason's source row: a study, a Table 7 summary or a Table 9 capability row."""
    match = re.fullmatch(r"Table (\d+), row (\d+)", source)
    if not match:
        return None
    table, row = match.groups()
    kind = {"7": "technique-summary", "9": "capability"}.get(table, "study")
    return f"{request.script_root}/id/{kind}/table-{table}-row-{row}"
