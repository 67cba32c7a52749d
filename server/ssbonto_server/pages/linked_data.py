"""Dereferencing: every IRI in our namespaces answers on this server, following the W3C
"Cool URIs for the Semantic Web" recipes.

Our IRIs are slash IRIs (`.../def/Study`, `.../id/material/llzo`), which name things, not
documents, so they answer 303 See Other to a document about the thing, chosen by Accept (the
303 recipe): `/page/<path>` (HTML for people) or `/data/<path>.<ttl|jsonld|nt|rdf>` (RDF).
The ontology IRI `.../def` and the versionIRI `.../release/<version>/def` do the same; their
documents are the ontology's HTML documentation and the ontology graph. A request path maps to
an IRI by appending it to the configured `base_iri`; IRIs the store does not know get 404.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request

from ssbonto.namespaces import ONTOLOGY_GRAPH
from ssbonto.layout import CONTEXT_FILE

from ..files.rdf_output import RDF_DOCUMENT_TYPES, serialize
from ..negotiation import NotAcceptable, choose
from ..problems import problem
from ..served import served_release
from . import history
from .citations import read_citations
from .current import base_iri, describer, reader, template_helpers
from .ontology_doc import document
from .readable import readable
from .search import did_you_mean
from .uses import PageArgumentError

blueprint = Blueprint("linked_data", __name__)

HTML_TYPES = ["text/html", "application/xhtml+xml"]
OFFERED = HTML_TYPES + list(RDF_DOCUMENT_TYPES.values())
EXTENSION_OF = {media_type: extension for extension, media_type in RDF_DOCUMENT_TYPES.items()}


def ontology_paths() -> set[str]:
    """`def` and `release/<version>/def`: the paths of the ontology IRI and its versionIRI."""
    return {"def", f"release/{served_release().version}/def"}


def is_ontology(path: str) -> bool:
    return path in ontology_paths()


def known(path: str) -> bool:
    return is_ontology(path) or describer().exists(base_iri() + path)


def not_found(path: str) -> Response:
    served = served_release()
    if path.startswith("release/") and path.endswith("/def"):
        return problem(404, f"<{base_iri()}{path}> is not a version of the ontology served here; "
                            f"this server serves release {served.version} "
                            f"(<{base_iri()}release/{served.version}/def>)")
    return problem(404, f"<{base_iri()}{path}> is not an IRI of ssbonto release {served.version}",
                   suggestions=did_you_mean(path))


@blueprint.route("/def", endpoint="ontology")
@blueprint.route("/def/<path:name>", endpoint="term")
@blueprint.route("/id/<path:name>", endpoint="individual")
@blueprint.route("/release/<version>/def", endpoint="version")
def dereference(name: str | None = None, version: str | None = None) -> Response:
    path = request.path.lstrip("/")
    earlier = history.answer_for(path)  # a deprecated IRI, or an earlier release's ontology
    if earlier is not None:
        return earlier
    if not known(path):
        return not_found(path)
    try:
        media_type = choose(request.headers.get("Accept"), OFFERED, request.args.get("format"), default="text/html")
    except NotAcceptable as error:
        return problem(406, f"<{base_iri()}{path}>: {error}")
    if media_type in HTML_TYPES:
        location = f"{request.script_root}/page/{path}"
    else:
        location = f"{request.script_root}/data/{path}.{EXTENSION_OF[media_type]}"
    response = redirect(location, 303)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/page/<path:path>")
def page(path: str) -> Response:
    earlier = history.answer_for(path, "page")
    if earlier is not None:
        return earlier
    if not known(path):
        return not_found(path)
    served = served_release()
    alternates = [(extension, media_type, f"{request.script_root}/data/{path}.{extension}")
                  for extension, media_type in RDF_DOCUMENT_TYPES.items()]
    if is_ontology(path):
        doc = served.cached("ontology-doc", lambda: document(describer()))
        body = served.cached(("ontology-page", path), lambda: render_template(
            "ontology.html", doc=doc, alternates=alternates, version=served.version, path=path))
        return Response(body, mimetype="text/html")
    iri = base_iri() + path
    view = describer().view(iri)
    reading = reader()
    try:
        shown = readable(reading, iri, request.args.to_dict())
    except PageArgumentError as error:
        return problem(400, f"<{iri}>: {error}")
    citations = read_citations(reading, view.provenance.references)
    return Response(render_template("resource.html", view=view, readable=shown,
                                    cited=[citations[reference] for reference in view.provenance.references],
                                    alternates=alternates, history=history.term_history(iri),
                                    version=served.version, **template_helpers(reading)), mimetype="text/html")


@blueprint.route("/data/<path:document>")
def data(document: str) -> Response:
    path, dot, extension = document.rpartition(".")
    if not dot or extension not in RDF_DOCUMENT_TYPES:
        return problem(404, f"no document /data/{document}: RDF documents end in "
                            + ", ".join("." + e for e in RDF_DOCUMENT_TYPES))
    earlier = history.answer_for(path, f"data.{extension}")
    if earlier is not None:
        return earlier
    if not known(path):
        return not_found(path)
    served = served_release()
    media_type = RDF_DOCUMENT_TYPES[extension]
    context = served.cached("context", lambda: json.loads((served.directory / CONTEXT_FILE).read_text("utf-8")))
    if is_ontology(path):
        body = served.cached(("ontology-rdf", media_type), lambda: serialize(
            (quad.triple for quad in served.store.store.quads_for_pattern(
                None, None, None, ox.NamedNode(str(ONTOLOGY_GRAPH)))), media_type, context))
    else:
        body = serialize(describer().triples(base_iri() + path), media_type, context)
    return Response(body, mimetype=media_type)
