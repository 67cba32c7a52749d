"""Search over HTTP: `GET /api/search` (ranked JSON), `GET /api/suggest` (autocomplete for the
search box in every page's header), `/search` (the results page with type facets), and the
"did you mean" that 404s of unknown IRIs offer. Thin: parse parameters, ask
ssbonto.answers.search, render."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Response, current_app, render_template, request

from ssbonto.answers.search import (DEFAULT_LIMIT, MAX_LIMIT, SUGGEST_LIMIT, Hit, SearchError, SearchIndex,
                                    check_kind, check_kinds, parse_limit)

from ..problems import problem
from ..served import served_release

blueprint = Blueprint("search", __name__)

PAGE_LIMIT = 50
CLOSE_TO_BEST = 100  # "did you mean" offers the hits within one ranking tier of the best


class BadArguments(ValueError):
    pass


def search_index() -> SearchIndex | None:
    """The served release's search index, opened once per process (None for a release built
    before there was one)."""
    served = served_release()

    def open_index():
        try:
            return SearchIndex.of_release(served.directory)
        except (FileNotFoundError, ValueError):
            return None

    return served.cached("search-index", open_index)


def arguments() -> dict[str, str]:
    """The query string decoded strictly: invalid UTF-8 is refused instead of silently changed."""
    try:
        return dict(parse_qsl(request.query_string.decode("utf-8"), errors="strict", keep_blank_values=True))
    except UnicodeDecodeError as error:
        raise BadArguments(f"the address's query string is not valid UTF-8 ({error.reason} at byte {error.start})")


def href(iri: str) -> str:
    """Where a hit's page is: our IRIs dereference on this server, others are linked as they are."""
    base = current_app.config["SSBONTO"].base_iri
    return f"{request.script_root}/{iri[len(base):]}" if iri.startswith(base) else iri


def hit_json(hit: Hit) -> dict:
    return {**hit.as_json(), "href": href(hit.iri)}


def json_response(body: dict | list, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False) + "\n", status=status, mimetype="application/json")


def unavailable() -> Response:
    return problem(503, f"release {served_release().version} has no search index; rebuild it with `ssbonto build`")


def answered(compute) -> Response:
    """JSON from `compute(index, arguments)`, or the 503 / 400 that says why there is none."""
    index = search_index()
    if index is None:
        return unavailable()
    try:
        return json_response(compute(index, arguments()))
    except (BadArguments, SearchError) as error:
        return problem(400, str(error))


@blueprint.route("/api/search")
def api_search() -> Response:
    def compute(index: SearchIndex, args: dict) -> dict:
        results = index.search(args.get("q"), args.get("type"), parse_limit(args.get("limit")))
        return {**results.as_json(), "results": [hit_json(hit) for hit in results.results]}

    return answered(compute)


@blueprint.route("/api/suggest")
def api_suggest() -> Response:
    def compute(index: SearchIndex, args: dict) -> list:
        hits = index.suggest(args.get("q"), parse_limit(args.get("limit"), SUGGEST_LIMIT, MAX_LIMIT),
                             check_kinds(args.get("type")))
        return [{"label": hit.label, "display": hit.display, "type": hit.type, "iri": hit.iri, "href": href(hit.iri)}
                for hit in hits]

    return answered(compute)


@blueprint.route("/search")
def search_page() -> Response:
    served = served_release()
    index = search_index()
    if index is None:
        return unavailable()
    try:
        args = arguments()
        q = args.get("q", "")
        kind = check_kind(args.get("type"))
        limit = parse_limit(args.get("limit"), PAGE_LIMIT)
        results = index.search(q, kind, limit) if q.strip() else None
    except (BadArguments, SearchError) as error:
        return problem(400, str(error))
    facets = []
    if results is not None:
        facets = [(name, count, f"{request.path}?{urlencode({'q': q, 'type': name})}")
                  for name, count in results.facets.items()]
    return Response(render_template(
        "search.html", version=served.version, q=q, results=results, kind=kind, facets=facets,
        all_href=f"{request.path}?{urlencode({'q': q})}", href=href, limit=limit,
        default_limit=DEFAULT_LIMIT), mimetype="text/html")


def did_you_mean(path: str, limit: int = 3) -> list[dict]:
    """The entities nearest to an unknown IRI path of ours (`id/material/LLZO` → LLZO), of the
    kind its path names when there is one: [{"iri", "label", "display", "href"}]."""
    index = search_index()
    if index is None:
        return []
    parts = [part for part in path.split("/") if part]
    if len(parts) < 2:  # `/id/`, `/def`: nothing was named
        return []
    kind = None
    if len(parts) >= 3 and parts[0] == "id":
        try:
            kind = check_kind(parts[1])
        except SearchError:
            kind = None
    text = parts[-1].replace("-", " ")
    try:
        hits = index.nearest(text, kind, limit)
    except SearchError:
        return []
    hits = [hit for hit in hits if hit.score >= hits[0].score - CLOSE_TO_BEST]
    return [{"iri": hit.iri, "label": hit.label, "display": hit.display, "href": href(hit.iri)} for hit in hits]
