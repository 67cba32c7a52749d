"""The query store as a remote SPARQL 1.1 endpoint (`--store sparql+http://HOST:PORT/PATH`).

It answers like EmbeddedStore: the same predeclared prefixes, the union of the release's named
graphs as default graph (sent as default-graph-uri, and the graphs as named-graph-uri), the
same syntax errors (the text is parsed here first), and answers as pyoxigraph terms, so that the
service writes every result format itself, whichever store is behind it.

Blank nodes cannot be named in a query, so `ssbonto push` replaces them with skolem IRIs under
GENID (RDF 1.1, section 3.5) and this store turns those back into blank nodes in its answers;
the linked-data pages can then follow class expressions one lookup at a time, as they do locally.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox

from ..prefixes import INFERRED_GRAPH_IRI, KNOWLEDGE_GRAPH_IRI, ONTOLOGY_GRAPH_IRI
from .answer import DEFAULT_PREFIXES, Answer, QueryError
from .query_text import _tokens, inspect_query
from .syntax import explain

SCHEME_PREFIX = "sparql+"
GENID = "https://w3id.org/ssbonto/.well-known/genid/"
RELEASE_GRAPHS = (ONTOLOGY_GRAPH_IRI, KNOWLEDGE_GRAPH_IRI, INFERRED_GRAPH_IRI)
SOLUTIONS_TYPE = "application/sparql-results+json"
GRAPH_TYPES = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES,
               "text/turtle": ox.RdfFormat.TURTLE, "application/rdf+xml": ox.RdfFormat.RDF_XML}
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
MAX_ERROR_CHARS = 2000
_SYNTAX_CHECKER = ox.Store()  # empty: parsing a query against it costs nothing


class RemoteStoreError(ConnectionError):
    """The remote store cannot be reached or failed; the message names it and says how."""


def endpoint_url(location: str) -> str:
    """`sparql+http://host:port/path` (or a plain http(s) URL) -> the URL queries are sent to."""
    url = location[len(SCHEME_PREFIX):] if location.startswith(SCHEME_PREFIX) else location
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"store location {location!r} is not sparql+http://HOST:PORT/PATH "
                         "(or sparql+https://...)")
    return url


def skolem(term):
    return ox.NamedNode(GENID + term.value) if isinstance(term, ox.BlankNode) else term


def unskolem(term):
    if isinstance(term, ox.NamedNode) and term.value.startswith(GENID):
        return ox.BlankNode(term.value[len(GENID):])
    return term


class Http:
    """POST/PUT with optional credentials from the URL (user:password@host; basic or digest)."""

    def __init__(self, url: str, timeout: float):
        parts = urllib.parse.urlsplit(url)
        self.timeout = timeout
        self.digest = None
        if parts.username:
            netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
            url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
            self.user, self.password = urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or "")
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, url, self.user, self.password)
            self.digest = urllib.request.HTTPDigestAuthHandler(passwords)
        self.url = url
        self.opener = urllib.request.build_opener()

    def send(self, method: str, url: str, data, headers: dict[str, str]) -> tuple[bytes, str]:
        """The body and media type of the answer."""
        headers = {"User-Agent": "ssbonto", **headers}
        if self.digest:  # credentials go with the request: a store may close the socket on a large unauthorised body
            headers["Authorization"] = self._authorization(method, url)
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.read(), response.headers.get_content_type()
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            if isinstance(error, urllib.error.HTTPError):
                raise
            reason = getattr(error, "reason", error)
            raise RemoteStoreError(f"cannot reach the store at {self.url}: {reason}") from error

    def _authorization(self, method: str, url: str) -> str:
        """Basic, or Digest answering the challenge of a HEAD request to the same URL."""
        try:
            with self.opener.open(urllib.request.Request(url, method="HEAD"), timeout=self.timeout):
                challenge = ""
        except urllib.error.HTTPError as error:
            challenge = error.headers.get("WWW-Authenticate", "") if error.code == 401 else ""
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise RemoteStoreError(f"cannot reach the store at {self.url}: {getattr(error, 'reason', error)}") from error
        scheme, _, rest = challenge.partition(" ")
        if scheme.lower() == "digest":
            parameters = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
            return "Digest " + self.digest.get_authorization(urllib.request.Request(url, method=method), parameters)
        return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()


def with_prefixes(sparql: str) -> str:
    """The query with ssbonto's predeclared prefixes it uses but does not declare itself, put
    in front on the first line (so that line numbers in the store's messages stay right)."""
    declared, previous = set(), None
    for kind, text in _tokens(sparql):
        if previous == "PREFIX" and kind == "pname":
            declared.add(text.rstrip(":").split(":")[0])
        previous = text.upper() if kind == "word" else None
    missing = [f"PREFIX {name}: <{iri}>" for name, iri in DEFAULT_PREFIXES.items() if name not in declared]
    return " ".join(missing) + (" " if missing else "") + sparql


class RemoteStore:
    """A SPARQL 1.1 endpoint holding a pushed release; `.store` answers the pattern lookups of
    the linked-data pages (the subset of pyoxigraph.Store they use)."""

    remote = True

    def __init__(self, location: str, timeout: float = 60.0):
        self.endpoint = endpoint_url(location)
        self.http = Http(self.endpoint, timeout)
        self.store = RemotePatterns(self)

    def __len__(self) -> int:
        answer = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")  # the release's graphs only
        return int(answer.rows()[0]["n"])

    def query(self, sparql: str, union_default_graph: bool = True, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None) -> Answer:
        try:
            _SYNTAX_CHECKER.query(sparql, prefixes=DEFAULT_PREFIXES)
        except SyntaxError as error:
            raise QueryError(f"malformed query: {explain(sparql, str(error), DEFAULT_PREFIXES)}") from error
        except (OSError, ValueError):
            pass  # evaluation problems are the store's to report
        shape = inspect_query(sparql, DEFAULT_PREFIXES)
        parameters = [("query", with_prefixes(sparql))]
        if default_graphs is None and union_default_graph and not shape.has_dataset_clause:
            default_graphs = list(RELEASE_GRAPHS)
            if named_graphs is None:  # a protocol dataset without named graphs has none, so name them all
                named_graphs = list(RELEASE_GRAPHS)
        parameters += [("default-graph-uri", iri) for iri in default_graphs or ()]
        parameters += [("named-graph-uri", iri) for iri in named_graphs or ()]
        graph_form = shape.form in ("CONSTRUCT", "DESCRIBE")
        body, media_type = self._post(parameters, GRAPH_ACCEPT if graph_form else SOLUTIONS_TYPE)
        try:
            if graph_form:
                if media_type not in GRAPH_TYPES:
                    raise ValueError(f"a graph came as {media_type}, asked for {GRAPH_ACCEPT}")
                return Answer("graph", [ox.Triple(unskolem(t.subject), t.predicate, unskolem(t.object))
                                        for t in ox.parse(body, format=GRAPH_TYPES[media_type])])
            result = ox.parse_query_results(_unskolem_json(body), format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as error:
            raise RemoteStoreError(f"the store at {self.endpoint} sent an answer that does not parse: {error}")
        if isinstance(result, ox.QueryBoolean):
            return Answer("ask", bool(result))
        if shape.form == "ASK":  # Virtuoso answers ASK as one row binding __ask_retval to 0 or 1
            rows = list(result)
            return Answer("ask", bool(rows) and bool(rows[0][0]) and rows[0][0].value not in ("0", "false"))
        return Answer("select", result)

    def _post(self, parameters: list[tuple[str, str]], accept: str) -> tuple[bytes, str]:
        data = urllib.parse.urlencode(parameters).encode()
        try:
            return self.http.send("POST", self.endpoint, data, {
                "Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
        except urllib.error.HTTPError as error:
            message = error.read(MAX_ERROR_CHARS).decode("utf-8", "replace").strip()
            if error.code == 400:
                raise QueryError(f"the store refused the query: {message}") from error
            raise RemoteStoreError(f"the store at {self.endpoint} answered {error.code}: {message}") from error


def _unskolem_json(body: bytes) -> str:
    document = json.loads(body)
    for row in document.get("results", {}).get("bindings", ()):
        for value in row.values():
            if value.get("type") == "uri" and value["value"].startswith(GENID):
                value["type"], value["value"] = "bnode", value["value"][len(GENID):]
    return json.dumps(document)


def _term(term) -> str:
    return str(skolem(term))


class RemotePatterns:
    """`quads_for_pattern` over the remote store, one SELECT per call."""

    def __init__(self, remote: RemoteStore):
        self.remote = remote

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> list[ox.Quad]:
        positions = {"s": subject, "p": predicate, "o": object, "g": graph_name}
        pattern = {name: (f"?{name}" if term is None else _term(term)) for name, term in positions.items()}
        sparql = (f"SELECT * WHERE {{ GRAPH {pattern['g']} {{ {pattern['s']} {pattern['p']} {pattern['o']} }} }}")
        rows = self.remote.query(sparql, union_default_graph=False).result
        quads = []
        for row in rows:
            values = {name: (row[name] if term is None else term) for name, term in positions.items()}
            quads.append(ox.Quad(unskolem(values["s"]), values["p"], unskolem(values["o"]), values["g"]))
        return quads
