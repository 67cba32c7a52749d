"""Release history on the web: every earlier release the build kept (release/earlier/<version>/)
is served under /release/<version>/ with its files, its ontology version IRI and a SPARQL endpoint
pinned to it; IRIs retired from the sources answer 301 to their replacement or 410 with the
reason; and a page says in which release its IRI appeared and what changed since (history.json).
"""

from __future__ import annotations

import dataclasses
import re

from flask import Blueprint, Response, current_app, redirect, request

from ssbonto.build.diff import short
from ssbonto.build.history import read_term_history

from ..files.downloads import not_served
from ..negotiation import NotAcceptable, choose
from ..problems import problem
from ..served import ServedRelease, kept_release, served_release, served_versions
from ..sparql.endpoint import respond
from ..sparql.query_runner import QueryRunner, query_runner, runner_for

blueprint = Blueprint("history", __name__)

EARLIER_VERSION_IRI = re.compile(r"release/(?P<version>[^/]+)/def")
PINNED_RUNNERS = "ssbonto.pinned_query_runners"  # version -> its QueryRunner, among the app's extensions
RETIRED_QUERY = """
SELECT ?iri ?replacement ?note ?label WHERE {
  ?iri owl:deprecated true .
  OPTIONAL { ?iri dcterms:isReplacedBy ?replacement }
  OPTIONAL { ?iri skos:historyNote ?note }
  OPTIONAL { ?iri rdfs:label ?label FILTER(LANG(?label) = "en") }
}"""


def base_iri() -> str:
    return current_app.config["SSBONTO"].base_iri


# -- retired IRIs: 301 to the replacement, or 410 -------------------------------------------------

def retired() -> dict[str, dict]:
    """IRI -> replacement, note and label of every deprecated IRI of the current release."""
    served = served_release()

    def compute():
        rows = served.store.query(RETIRED_QUERY).rows()
        return {row["iri"]: row for row in rows}

    return served.cached("retired", compute)


def retired_answer(path: str, document: str = "") -> Response | None:
    """The answer for a deprecated IRI (`path` under the base IRI), or None when it is not one.
    `document` is "page" or "data.<ext>" when a document about it was asked for."""
    entry = retired().get(base_iri() + path)
    if entry is None:
        return None
    replacement = entry.get("replacement")
    if replacement and replacement.startswith(base_iri()):
        target = replacement[len(base_iri()):]
        if document == "page":
            location = f"/page/{target}"
        elif document.startswith("data."):
            location = f"/data/{target}.{document[5:]}"
        else:
            location = f"/{target}"
        response = redirect(request.script_root + location, 301)
        response.headers["Vary"] = "Accept"
        return response
    what = f'<{base_iri()}{path}> ("{entry["label"]}")' if entry.get("label") else f"<{base_iri()}{path}>"
    note = entry.get("note") or "it was deprecated"
    last = _last_release(note)
    where = f" Release {last} still describes it: {request.script_root}/release/{last}/" if last else ""
    return problem(410, f"{what} is deprecated and no longer described. {note}.{where}")


def _last_release(note: str) -> str | None:
    prefix = "Described until release "
    if note.startswith(prefix):
        version = note[len(prefix):].split(";", 1)[0]
        if version in served_versions():
            return version
    return None


# -- the history panel of a page -------------------------------------------------------------------

def term_history(iri: str) -> dict | None:
    """In which release `iri` appeared and what changed since, for its page."""
    served = served_release()
    history = served.cached("term-history", lambda: read_term_history(served.directory))
    if not history["releases"]:
        return None
    entry = history["terms"].get(iri, {})
    changes = [{"release": change["release"], "change": change["change"],
                "what": ", ".join(change["what"]) or "its description",
                "replaced_by": short(change["replaced_by"]) if change.get("replaced_by") else None}
               for change in entry.get("changes", [])]
    return {"appeared": entry.get("appeared", history["releases"][0]), "changes": changes,
            "releases": history["releases"], "current": served.version}


# -- earlier releases: the version IRI of their ontology, the pinned endpoint -----------------------

def answer_for(path: str, document: str = "") -> Response | None:
    """What linked_data answers for `path` before looking in the current release: a deprecated
    IRI (301/410) or the version IRI of an earlier release's ontology; None for anything else.
    `document` is "" for the IRI itself, "page" for its page, "data.<ext>" for an RDF document."""
    answer = retired_answer(path, document)
    if answer is not None:
        return answer
    match = EARLIER_VERSION_IRI.fullmatch(path)
    if match is None or match.group("version") == served_release().version \
            or kept_release(match.group("version")) is None:
        return None
    version = match.group("version")
    if document == "":
        try:
            wanted = choose(request.headers.get("Accept"), ["text/html", "text/turtle"], request.args.get("format"),
                            default="text/html")
        except NotAcceptable:
            wanted = None
    else:
        wanted = {"page": "text/html", "data.ttl": "text/turtle"}.get(document)
    if wanted is None:
        return problem(406 if document == "" else 404,
                       f"the ontology of release {version} is served as Turtle (/release/{version}/ontology.ttl) "
                       f"and with all its files at /release/{version}/")
    location = f"/release/{version}/ontology.ttl" if wanted == "text/turtle" else f"/release/{version}/"
    response = redirect(request.script_root + location, 303)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/release/<version>/sparql", methods=["GET", "POST"])
def pinned_endpoint(version: str) -> Response:
    """SPARQL 1.1 over one release: the same protocol as /sparql, answers from that release alone."""
    served = served_release()
    if version == served.version:
        return respond(query_runner(), served.directory)
    release = kept_release(version)
    if release is None:
        return not_served(version)
    return respond(pinned_runner(version, release), release.directory)


def pinned_runner(version: str, release: ServedRelease) -> QueryRunner:
    runners = current_app.extensions.setdefault(PINNED_RUNNERS, {})
    if version not in runners:
        # the service's settings over the earlier release, in one query process held in memory:
        # earlier releases are asked far less than the current one
        settings = dataclasses.replace(current_app.config["SSBONTO"], release_dir=release.directory,
                                       query_processes=1, store="", store_mode="memory")
        runners.setdefault(version, runner_for(settings))
    return runners[version]
