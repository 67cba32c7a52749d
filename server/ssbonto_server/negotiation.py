"""Content negotiation: pick a media type from an Accept header (q-values and specificity),
with a `format` parameter that overrides it for browsers."""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

# format parameter value -> media type
FORMAT_ALIASES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
    "nq": "application/n-quads",
    "nquads": "application/n-quads",
    "trig": "application/trig",
    "html": "text/html",
}

RDF_MEDIA_TYPES = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
                   "application/n-quads", "application/trig"]


class NotAcceptable(ValueError):
    def __init__(self, offered: list[str]):
        self.offered = offered
        super().__init__("none of the requested media types can be produced; available: " + ", ".join(offered))


def choose(accept_header: str | None, offered: list[str], format_parameter: str | None = None,
           default: str | None = None) -> str:
    """The offered media type that best fits the request; raises NotAcceptable."""
    if format_parameter:
        wanted = FORMAT_ALIASES.get(format_parameter.lower(), format_parameter.lower())
        if wanted in offered:
            return wanted
        raise NotAcceptable(offered)
    if not accept_header or not accept_header.strip():
        return default or offered[0]
    accept = parse_accept_header(accept_header[:4096], MIMEAccept)
    if not accept:
        return default or offered[0]
    best = accept.best_match(offered, default=None)
    if best is None:
        raise NotAcceptable(offered)
    # "*/*" alone expresses no preference: answer in the resource's default representation.
    if default and all(value == "*/*" for value, _ in accept) and default in offered:
        return default
    return best
