"""Release files over a real socket: the listing, checksums, conditional GET, Range, VoID, the
JSON-LD context, and requests that try to leave the release directory."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
from urllib.parse import urlsplit

import lxml.html
import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, VOID, XSD

from conftest import VERSION

BASE = "https://w3id.org/ssbonto/"


def get(live_server, path, **headers):
    return requests.get(live_server + path, headers=headers, allow_redirects=False, timeout=30)


def raw_get(live_server, path: str) -> tuple[int, bytes, str]:
    """The path exactly as written (requests and urllib would normalize `..` away)."""
    connection = http.client.HTTPConnection(urlsplit(live_server).netloc, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read(), response.headers.get("Location", "")
    finally:
        connection.close()


@pytest.fixture(scope="module")
def release_files(built):
    """name -> bytes of every file the build wrote, read from disk here."""
    return {path.name: path.read_bytes() for path in sorted(built.release.iterdir()) if path.is_file()}


def test_the_listing_names_every_release_file_with_its_size_and_sha256(live_server, release_files):
    listing = get(live_server, "/downloads", Accept="application/json").json()
    assert listing["version"] == VERSION
    assert {f["name"]: (f["bytes"], f["sha256"]) for f in listing["files"]} == {
        name: (len(data), hashlib.sha256(data).hexdigest()) for name, data in release_files.items()}
    names = set(release_files)
    for dump in ("ssbonto.ttl", "ssbonto.jsonld", "ssbonto.nt", "ssbonto.rdf", "ssbonto.nq", "ssbonto.trig",
                 "context.jsonld", "void.ttl", "SHA256SUMS"):
        assert dump in names
        if dump.startswith("ssbonto."):
            assert dump + ".gz" in names

    html = lxml.html.fromstring(get(live_server, "/downloads", Accept="text/html").text)
    rows = {tr.xpath("string(td[1])"): (int(tr.xpath("string(td[4])")), tr.xpath("string(td[5])"))
            for tr in html.xpath("//table[@class='downloads']/tbody/tr")}
    assert rows == {name: (len(data), hashlib.sha256(data).hexdigest()) for name, data in release_files.items()}
    assert html.xpath("string(//tr[td[1]='ssbonto.ttl.gz']/td[2])") == "ontology and knowledge graph (Turtle), gzip-compressed"


def test_every_file_downloads_intact_with_its_media_type(live_server, release_files):
    sums = dict(reversed(line.split("  ")) for line in release_files["SHA256SUMS"].decode().splitlines())
    media_types = {"ssbonto.ttl": "text/turtle; charset=utf-8", "ssbonto.nt": "application/n-triples",
                   "ssbonto.rdf": "application/rdf+xml; charset=utf-8", "ssbonto.jsonld": "application/ld+json",
                   "ssbonto.nq": "application/n-quads", "ssbonto.trig": "application/trig",
                   "ssbonto.nq.gz": "application/gzip", "manifest.json": "application/json",
                   "SHA256SUMS": "text/plain; charset=utf-8"}
    for name, data in release_files.items():  # ~24 files, 8 MB over loopback
        response = get(live_server, f"/downloads/{name}")
        assert response.status_code == 200, name
        assert response.content == data, name
        assert response.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"', name
        if name in sums:
            assert sums[name] == hashlib.sha256(response.content).hexdigest(), name
        if name in media_types:
            assert response.headers["Content-Type"] == media_types[name], name
    gzipped = get(live_server, "/downloads/ssbonto.nt.gz")
    assert "Content-Encoding" not in gzipped.headers  # a .gz file, not a transfer encoding
    assert gzip.decompress(gzipped.content) == release_files["ssbonto.nt"]


def test_conditional_get_answers_304_when_the_client_has_the_file(live_server, release_files):
    first = get(live_server, "/downloads/ssbonto.ttl")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag == '"%s"' % hashlib.sha256(release_files["ssbonto.ttl"]).hexdigest()
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"other", {etag}'}, {"If-Modified-Since": modified}):
        again = get(live_server, "/downloads/ssbonto.ttl", **headers)
        assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", etag), headers
    changed = get(live_server, "/downloads/ssbonto.ttl", **{"If-None-Match": '"0000"'})
    assert (changed.status_code, len(changed.content)) == (200, len(release_files["ssbonto.ttl"]))


def test_range_requests_get_206_with_exactly_the_bytes_asked_for(live_server, release_files):
    data = release_files["ssbonto.nt"]
    size = len(data)
    head = get(live_server, "/downloads/ssbonto.nt", Range="bytes=0-99")
    assert (head.status_code, head.content, head.headers["Content-Range"]) == (206, data[:100], f"bytes 0-99/{size}")
    middle = get(live_server, "/downloads/ssbonto.nt", Range="bytes=1000-1999")
    assert (middle.status_code, middle.content) == (206, data[1000:2000])
    tail = get(live_server, "/downloads/ssbonto.nt", Range="bytes=-50")
    assert (tail.status_code, tail.content, tail.headers["Content-Range"]) == (206, data[-50:],
                                                                              f"bytes {size - 50}-{size - 1}/{size}")
    etag = head.headers["ETag"]
    resumed = get(live_server, "/downloads/ssbonto.nt", Range="bytes=10-19", **{"If-Range": etag})
    assert (resumed.status_code, resumed.content) == (206, data[10:20])
    stale = get(live_server, "/downloads/ssbonto.nt", Range="bytes=10-19", **{"If-Range": '"an-old-version"'})
    assert (stale.status_code, stale.content) == (200, data)  # the file changed: the whole of it
    beyond = get(live_server, "/downloads/ssbonto.nt", Range=f"bytes={size + 10}-")
    assert (beyond.status_code, beyond.headers["Content-Range"]) == (416, f"bytes */{size}")
    assert beyond.json()["message"] == f"the range 'bytes={size + 10}-' lies outside ssbonto.nt ({size} bytes)"
    malformed = get(live_server, "/downloads/ssbonto.nt", Range="bytes=abc")
    assert (malformed.status_code, malformed.json()["message"]) == (
        416, "the Range header 'bytes=abc' is not a byte range such as bytes=0-99")
    assert get(live_server, "/downloads/ssbonto.nt").headers["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize("path", [
    "/downloads/../pyproject.toml", "/downloads/..%2F..%2Fpyproject.toml", "/downloads/%2e%2e/%2e%2e/etc/passwd",
    "/downloads//etc/passwd", "/downloads/..\\..\\pyproject.toml", f"/release/{VERSION}/../../../../etc/passwd",
    f"/release/{VERSION}/..%2f..%2f..%2fetc%2fpasswd", "/static/../app.py", "/static/..%2fapp.py",
    "/static/%2e%2e/%2e%2e/pyproject.toml", "/context/..%2f..%2fpyproject.toml.jsonld",
])
def test_paths_that_try_to_leave_the_release_get_404_and_nothing_else(live_server, path):
    status, body, location = raw_get(live_server, path)
    if status == 308:  # werkzeug merges "//" by redirecting to the same server
        assert location.startswith(live_server + "/downloads/"), location
        status, body, _ = raw_get(live_server, location[len(live_server):])
    assert status == 404, (path, body[:200])
    assert b"[project]" not in body and b"root:" not in body and b"create_app" not in body


def test_unknown_files_and_versions_are_named_in_the_404(live_server):
    missing = get(live_server, "/downloads/ssbonto.xlsx")
    assert (missing.status_code, missing.json()["message"]) == (
        404, f"no file 'ssbonto.xlsx' in release {VERSION}; see /downloads for the list")
    other = get(live_server, "/release/0.1.0/ssbonto.ttl")
    assert (other.status_code, other.json()["message"]) == (
        404, f"release '0.1.0' is not served here; this server serves releases 1.0.0 and {VERSION}")


def test_void_is_at_the_well_known_address_and_dump_iris_resolve_here(live_server, built, release_files):
    response = get(live_server, "/.well-known/void")
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    void = Graph().parse(data=response.content, format="turtle")
    dataset = URIRef(BASE + "void#ssbonto")
    manifest = json.loads(release_files["manifest.json"])
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert (dataset, VOID.triples, Literal(manifest["triples"]["asserted"], datatype=XSD.integer)) in void
    dumps = sorted(str(d) for d in void.objects(dataset, VOID.dataDump))
    assert len(dumps) == 12
    for dump in dumps:  # <base>release/<version>/<file> is served at /release/<version>/<file>
        served = get(live_server, "/" + dump[len(BASE):])
        assert served.content == release_files[dump.rsplit("/", 1)[1]], dump
    for accept, fmt in (("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
                        ("application/n-triples", "nt")):
        other = get(live_server, "/void", Accept=accept)
        assert other.headers["Content-Type"].split(";")[0] == accept
        assert isomorphic(Graph().parse(data=other.content, format=fmt), void), accept
    assert get(live_server, "/.well-known/void", Accept="text/csv").status_code == 406


def test_the_jsonld_context_is_served_at_its_published_path(live_server, release_files):
    context = json.loads(release_files["context.jsonld"])
    response = get(live_server, "/" + context["@id"][len(BASE):])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/ld+json"
    assert response.json() == context
    # it is the context the JSON-LD dump is written with (test_release checks the dump's round trip)
    assert json.loads(release_files["ssbonto.jsonld"])["@context"] == response.json()["@context"]
    assert get(live_server, "/context/0.1.0.jsonld").status_code == 404
