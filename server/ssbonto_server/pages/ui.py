"""Pages for people: the landing page and the query page (write SPARQL, run it against
`/sparql`, see a table, download the results), with the named queries one click away.

The named queries are the files in `queries/examples/` and `queries/cq/`, read from the sources
shipped with the package (or the checkout this server runs from), never from the review tables.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, render_template, request

from ssbonto.errors import BuildError
from ssbonto.prefixes import PREFIX_IRIS
from ssbonto.sources import default_sources

from ..problems import problem
from ..served import served_release
from .current import reader, template_helpers

blueprint = Blueprint("ui", __name__)

QUERY_GROUPS = {"examples": "Example queries", "cq": "Competency questions"}
COUNTS = [  # (landing-page figure, SPARQL counting it over asserted and inferred facts, the page listing them)
    ("technique classes", "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c rdfs:subClassOf+ ssb:CharacterizationTechnique "
                          "FILTER(isIRI(?c)) }", "def/#techniques"),
    *((label, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a/rdfs:subClassOf* ssb:{cls} FILTER(isIRI(?x)) }}", path)
      for label, cls, path in (("materials", "Material", "id/material/"), ("interfaces", "Interface", "id/interface/"),
                               ("studies (table rows)", "Study", "id/study/"),
                               ("quantified findings", "Finding", "id/finding/"),
                               ("references", "Reference", "id/reference/"))),
]
CQ_HEADING = re.compile(r"^(CQ\d+)\s*\(([^)]*)\):\s*")


@dataclass(frozen=True)
class NamedQuery:
    group: str
    name: str
    title: str
    text: str

    @property
    def key(self) -> str:
        return f"{self.group}/{self.name}"

    @property
    def question(self) -> str:
        """The question the query answers: its title's first sentence, without "CQ01 (lookup): "."""
        text = CQ_HEADING.sub("", self.title)
        end = text.find("?")
        return text[:end + 1] if end >= 0 else text

    @property
    def note(self) -> str:
        """What the title says beyond the question, and the competency question's kind."""
        heading = CQ_HEADING.match(self.title)
        rest = CQ_HEADING.sub("", self.title)[len(self.question):].strip()
        return " · ".join(part for part in (heading and heading[2], rest) if part)


def query_library_dir() -> Path | None:
    """`queries/` of the sources the release was built from (the checkout, else the installation's)."""
    try:
        folder = default_sources() / "queries"
    except BuildError:
        return None
    return folder if folder.is_dir() else None


def read_library(directory: Path | None) -> dict[str, NamedQuery]:
    queries: dict[str, NamedQuery] = {}
    if directory is None:
        return queries
    for group in QUERY_GROUPS:
        for path in sorted((directory / group).glob("*.rq")):
            text = path.read_text(encoding="utf-8")
            comments = []
            for line in text.splitlines():
                if not line.startswith("#"):
                    break
                comments.append(line.lstrip("#").strip())
            query = NamedQuery(group, path.stem, " ".join(comments) or path.stem, text)
            queries[query.key] = query
    return queries


def library() -> dict[str, NamedQuery]:
    return served_release().cached("query-library", lambda: read_library(query_library_dir()))


def counts() -> list[tuple[str, int, str]]:
    store = served_release().store
    return [(what, int(store.query(sparql).rows()[0]["n"]), path) for what, sparql, path in COUNTS]


def questions() -> list[tuple[str, list[str]]]:
    """The information kinds of Table 9, each with its measurands: where a question starts."""
    reading = reader()
    kinds: dict[str, list[str]] = {}
    for row in reading.rows("SELECT ?k ?m WHERE { ?k a ssb:InformationKind OPTIONAL { ?m ssb:isAspectOf ?k } }"):
        kinds.setdefault(row["k"], [])
        if row.get("m"):
            kinds[row["k"]].append(row["m"])
    by_label = lambda iri: reading.label(iri).lower()  # noqa: E731
    return sorted(((k, sorted(ms, key=by_label)) for k, ms in kinds.items()), key=lambda item: by_label(item[0]))


@blueprint.route("/")
def landing() -> Response:
    served = served_release()
    reading = reader()
    body = served.cached("landing", lambda: render_template(
        "landing.html", version=served.version, triples=served.triples, counts=counts(), questions=questions(),
        families=reading.hierarchy.families(), groups=grouped(library()), **template_helpers(reading)))
    return Response(body, mimetype="text/html")


def grouped(queries: dict[str, NamedQuery]) -> list[tuple[str, str, list[NamedQuery]]]:
    return [(group, heading, [q for q in queries.values() if q.group == group])
            for group, heading in QUERY_GROUPS.items()]


@blueprint.route("/query")
def query_page() -> Response:
    served = served_release()
    settings = current_app.config["SSBONTO"]
    queries = library()
    try:  # werkzeug would turn invalid bytes into U+FFFD; say so instead of echoing a changed query
        arguments = dict(parse_qsl(request.query_string.decode("utf-8"), errors="strict"))
    except UnicodeDecodeError as error:
        return problem(400, f"the address's query string is not valid UTF-8 ({error})")
    text = arguments.get("query", "")
    example = arguments.get("example")
    if example is not None:
        if example not in queries:
            return problem(404, f"no named query {example!r}; named queries are: " + ", ".join(queries))
        text = queries[example].text
    if len(text.encode("utf-8")) > settings.max_query_bytes:
        return problem(413, f"the query is {len(text.encode('utf-8'))} bytes; "
                            f"this server accepts queries of at most {settings.max_query_bytes} bytes")
    if not text:
        first = next(iter(queries.values()), None)
        text = first.text if first else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    return Response(render_template(
        "query.html", version=served.version, query=text, groups=grouped(queries),
        base_iri=settings.base_iri, endpoint=f"{request.script_root}/sparql", prefixes=PREFIX_IRIS),
        mimetype="text/html")


@blueprint.route("/queries")
def query_list() -> Response:
    body = [{"group": q.group, "name": q.name, "title": q.title, "question": q.question,
             "url": f"{request.script_root}/queries/{q.group}/{q.name}.rq"} for q in library().values()]
    return Response(json.dumps(body, indent=1, ensure_ascii=False) + "\n", mimetype="application/json")


@blueprint.route("/queries/<group>/<name>.rq")
def named_query(group: str, name: str) -> Response:
    query = library().get(f"{group}/{name}")
    if query is None:
        return problem(404, f"no named query {group}/{name}.rq; the list is at /queries")
    return Response(query.text, mimetype="application/sparql-query")
