"""Browsing for people: `/id/` lists the kinds of individuals, `/id/<kind>/` is a kind's sortable,
filterable, paginated index, `/def/` the terms index (the technique tree by family, the other class
trees, the vocabulary and the properties). These addresses are pages, not IRIs of the release:
a program asking for RDF gets what it got before (404 for `/id/…/`, 303 to the ontology for `/def/`)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request

from ..files.rdf_output import RDF_DOCUMENT_TYPES
from ..negotiation import NotAcceptable, choose
from ..problems import problem
from ..served import served_release
from .class_tree import read_terms
from .current import reader, template_helpers
from .index_kinds import KIND_BY_PATH, KINDS
from .index_query import cell_html, facet_options, members, read_index
from .linked_data import not_found
from .uses import PageArgumentError

blueprint = Blueprint("browse", __name__)

HTML_TYPES = ["text/html", "application/xhtml+xml"]
OFFERED = HTML_TYPES + list(RDF_DOCUMENT_TYPES.values())


def wants_page() -> bool:
    """True when the request prefers HTML (browsers, no Accept, */*) over RDF."""
    try:
        return choose(request.headers.get("Accept"), OFFERED, request.args.get("format"), default="text/html") \
            in HTML_TYPES
    except NotAcceptable:
        return False


def html(body: str) -> Response:
    response = Response(body, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/id/")
def kinds() -> Response:
    if not wants_page():
        return not_found("id/")
    served = served_release()
    reading = reader()

    def listing():
        counts = {kind.path: reading.count(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {members(reading, kind)} }}")
                  for kind in KINDS}
        return render_template("browse_kinds.html", kinds=KINDS, counts=counts, version=served.version)
    return html(served.cached("kinds-page", listing))


@blueprint.route("/id/<kind>/")
def index(kind: str) -> Response:
    path = f"id/{kind}/"
    if kind not in KIND_BY_PATH or not wants_page():
        return not_found(path)
    spec = KIND_BY_PATH[kind]
    served = served_release()
    reading = reader()

    def options_of(facet):
        return served.cached(("facet", kind, facet.key), lambda: facet_options(reading, spec, facet))
    try:
        page = read_index(reading, spec, request.args.to_dict(), options_of)
    except PageArgumentError as error:
        return problem(400, f"{request.path}: {error}")
    arguments = request.args.to_dict()

    def address(**changes) -> str:
        """This index's address with some parameters changed (None removes one)."""
        merged = {name: value for name, value in {**arguments, **changes}.items() if value not in (None, "")}
        if merged.get("page") == 1:
            del merged["page"]
        return "?" + urlencode(sorted(merged.items()))
    return html(render_template("browse_index.html", page=page, kind=spec, cell=lambda c: cell_html(reading, c),
                                address=address, version=served.version, **template_helpers(reading)))


@blueprint.route("/def/")
def terms() -> Response:
    """The terms' namespace: for people the terms index, for programs the ontology (303 to /def)."""
    if not wants_page():
        response = redirect(f"{request.script_root}/def", 303)
        response.headers["Vary"] = "Accept"
        return response
    served = served_release()
    reading = reader()
    body = served.cached("terms-page", lambda: render_template(
        "terms.html", terms=read_terms(reading), version=served.version, **template_helpers(reading)))
    return html(body)
