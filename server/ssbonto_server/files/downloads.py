"""Release files: the `/downloads` listing (size and SHA-256 from manifest.json and SHA256SUMS),
the files themselves with ETag, Last-Modified, conditional GET and Range, the VoID description
and the JSON-LD context at its published path.

Only names listed in the release's manifest are served, so no request path reaches another file.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import parse_range_header

from ssbonto.layout import CONTEXT_FILE, VOID_FILE

from ..negotiation import NotAcceptable, choose
from ..problems import problem
from ..served import Artifact, kept_release, served_release, served_versions
from .rdf_output import RDF_DOCUMENT_TYPES, serialize

blueprint = Blueprint("downloads", __name__)

MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".jsonld": "application/ld+json",
    ".nq": "application/n-quads",
    ".trig": "application/trig",
    ".json": "application/json",
    ".gz": "application/gzip",
}
DESCRIPTIONS = {
    "ssbonto": "ontology and knowledge graph",
    "ontology": "the ontology alone",
    "inferred": "what the HermiT reasoner inferred",
    "context": "JSON-LD context of the JSON-LD dump",
    "void": "VoID description of the dataset",
    "manifest": "release manifest: version, triple counts, sizes and SHA-256 of every file",
    "SHA256SUMS": "SHA-256 of every file, for sha256sum -c",
    "shapes": "the SHACL shapes this release conforms to (what /api/validate checks documents with)",
    "history": "the release each IRI appeared in and what changed since, per release",
}
SYNTAX = {".ttl": "Turtle", ".nt": "N-Triples", ".rdf": "RDF/XML", ".jsonld": "JSON-LD",
          ".nq": "N-Quads, with named graphs", ".trig": "TriG, with named graphs", ".json": "JSON"}
VOID_OFFERED = list(RDF_DOCUMENT_TYPES.values())


def media_type(name: str) -> str:
    suffix = name[name.rfind("."):] if "." in name else ""
    return MEDIA_TYPES.get(suffix, "text/plain")


def describe(name: str) -> str:
    stem, _, rest = name.partition(".")
    compressed = rest.endswith(".gz")
    suffix = "." + rest.removesuffix(".gz") if rest else ""
    text = DESCRIPTIONS.get(stem, "")
    if suffix in SYNTAX:
        text = f"{text} ({SYNTAX[suffix]})"
    return text + (", gzip-compressed" if compressed else "")


@blueprint.route("/downloads")
def listing() -> Response:
    served = served_release()
    try:
        wanted = choose(request.headers.get("Accept"), ["text/html", "application/json"],
                        request.args.get("format"), default="text/html")
    except NotAcceptable as error:
        return problem(406, str(error))
    files = file_rows(served, f"{request.script_root}/downloads/")
    if wanted == "application/json":
        body = json.dumps({"version": served.version, "triples": served.triples, "files": files}, indent=1)
        response = Response(body + "\n", mimetype="application/json")
    else:
        response = Response(render_template("downloads.html", files=files, version=served.version,
                                            triples=served.triples), mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


def file_rows(release, url_prefix: str) -> list[dict]:
    """The listing of a release's files, each linked under `url_prefix`."""
    return [{"name": a.name, "bytes": a.bytes, "sha256": a.sha256, "media_type": media_type(a.name),
             "description": describe(a.name), "url": url_prefix + a.name} for a in release.artifacts.values()]


def send_artifact(artifact: Artifact, mimetype: str | None = None) -> Response:
    """The file with a strong ETag (its SHA-256) and Last-Modified; werkzeug answers
    If-None-Match, If-Modified-Since, If-Range and Range (206/416) from these."""
    if not artifact.path.is_file():  # `ssbonto build` pruned the build this process loaded
        return problem(503, f"{artifact.name} of release {served_release().version} is no longer on disk: "
                            "a newer build replaced it; restart the server to serve the new release")
    try:
        response = send_file(artifact.path, mimetype=mimetype or media_type(artifact.name), conditional=True,
                             etag=artifact.sha256, last_modified=artifact.path.stat().st_mtime, max_age=3600,
                             download_name=artifact.name, as_attachment=False)
    except RequestedRangeNotSatisfiable:
        asked = request.headers.get("Range", "")
        if parse_range_header(asked) is None:
            message = f"the Range header {asked!r} is not a byte range such as bytes=0-99"
        else:
            message = f"the range {asked!r} lies outside {artifact.name} ({artifact.bytes} bytes)"
        return problem(416, message,
                       {"Content-Range": f"bytes */{artifact.bytes}"})
    response.headers["Accept-Ranges"] = "bytes"
    return response


@blueprint.route("/downloads/<path:name>")
def download(name: str) -> Response:
    served = served_release()
    artifact = served.artifacts.get(name)
    if artifact is None:
        return problem(404, f"no file {name!r} in release {served.version}; see /downloads for the list")
    return send_artifact(artifact)


@blueprint.route("/release/<version>/<path:name>")
def versioned_download(version: str, name: str) -> Response:
    """The dump IRIs the VoID description names: <base>release/<version>/<file>."""
    served = served_release()
    if version == served.version:
        return download(name)
    kept = kept_release(version)  # an earlier release kept beside the current one
    if kept is None:
        return not_served(version)
    artifact = kept.artifacts.get(name)
    if artifact is None:
        return problem(404, f"no file {name!r} in release {version}; see /release/{version}/ for the list")
    return send_artifact(artifact)


def not_served(version: str) -> Response:
    served = served_versions()
    listed = served[0] if len(served) == 1 else ", ".join(served[:-1]) + " and " + served[-1]
    return problem(404, f"release {version!r} is not served here; this server serves "
                        f"release{'s' if len(served) > 1 else ''} {listed}")


@blueprint.route("/release/<version>")
def release_redirect(version: str) -> Response:
    return redirect(f"{request.script_root}/release/{version}/", 301)


@blueprint.route("/release/<version>/")
def release_listing(version: str) -> Response:
    """The files of a served release, earlier or current, with the endpoint pinned to it."""
    served = served_release()
    release = served if version == served.version else kept_release(version)
    if release is None:
        return not_served(version)
    return Response(render_template(
        "downloads.html", files=file_rows(release, f"{request.script_root}/release/{version}/"),
        version=release.version, triples=release.triples, current=served.version,
        endpoint=f"{request.script_root}/release/{version}/sparql" if release is not served else None),
        mimetype="text/html")


@blueprint.route("/context/<version>.jsonld")
def context(version: str) -> Response:
    served = served_release()
    release = served if version == served.version else kept_release(version)
    if release is None:
        return problem(404, f"no JSON-LD context for release {version!r}; this server serves release "
                            f"{served.version} (/context/{served.version}.jsonld) and the earlier releases "
                            f"{', '.join(served_versions()[:-1]) or 'none'}")
    return send_artifact(release.artifacts[CONTEXT_FILE], "application/ld+json")


@blueprint.route("/void")
@blueprint.route("/.well-known/void")  # registered first, so url_for builds this one
def void() -> Response:
    """The VoID description; `/void` is also the document of the hash IRIs `<base>void#…`."""
    served = served_release()
    try:
        wanted = choose(request.headers.get("Accept"), VOID_OFFERED, request.args.get("format"),
                        default="text/turtle")
    except NotAcceptable as error:
        return problem(406, str(error))
    artifact = served.artifacts[VOID_FILE]
    if wanted == "text/turtle":
        response = send_artifact(artifact, "text/turtle")
    else:
        def convert() -> bytes:
            context = json.loads((served.directory / CONTEXT_FILE).read_text("utf-8"))
            triples = ox.parse(path=str(artifact.path), format=ox.RdfFormat.TURTLE)
            return serialize(triples, wanted, context)
        response = Response(served.cached(("void", wanted), convert), mimetype=wanted)
    response.headers["Vary"] = "Accept"
    return response
