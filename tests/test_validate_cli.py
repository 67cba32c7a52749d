"""`ssbonto validate FILE…` on another lab's study description: exit 0 when it conforms, 1 with the
exact violations when it does not, 2 with a clear message for input it cannot read, and nothing is
ever fetched from the network."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from ssbonto import cli
from ssbonto.build.archive import archives
from ssbonto.namespaces import SH

from conftest import REPO, VERSION

EXAMPLE = REPO / "examples" / "high-pressure-na3sbs4-study.jsonld"
LAB = "https://example.org/pressure-lab/"
SSB = "https://w3id.org/ssbonto/def/"
# the current release's context and every archived release's (ontology/releases/)
SERVED_CONTEXTS = ", ".join(sorted({f"https://w3id.org/ssbonto/context/{version}.jsonld"
                                    for version in [*archives(REPO), VERSION]}))


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(["validate", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def example_graph() -> Graph:
    from ssbonto.build import load_tbox, ontology_version
    from ssbonto.build.release import context_for
    from ssbonto.answers.validation import read_graph

    tbox = load_tbox(REPO)
    context = context_for(tbox, ontology_version(tbox))
    return read_graph(EXAMPLE, "jsonld", 10**7, {context["@id"]: context["@context"]})


@pytest.fixture()
def recorder():
    """A real HTTP server on 127.0.0.1 that records every request (none may arrive)."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            body = b'<!ENTITY x "fetched">' if self.path.endswith(".dtd") else b'{"@context": {}}'
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", requests
    finally:
        server.shutdown()
        server.server_close()


def test_the_example_study_conforms_through_the_real_command():
    done = subprocess.run([sys.executable, "-m", "ssbonto.cli", "validate", str(EXAMPLE)], capture_output=True,
                          text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"validated 48 triples from {EXAMPLE} against the ssbonto {VERSION} shapes (with the ontology and the knowledge graph)",
        "conforms: 0 violation(s), 0 warning(s)"]


def test_the_example_uses_the_published_context(built, example_graph):
    published = json.loads((built.release / "context.jsonld").read_text(encoding="utf-8"))
    assert json.loads(EXAMPLE.read_text(encoding="utf-8"))["@context"] == published["@id"] == \
        f"https://w3id.org/ssbonto/context/{VERSION}.jsonld"
    from ssbonto.build import load_tbox
    from ssbonto.build.release import context_for

    assert context_for(load_tbox(REPO), VERSION)["@context"] == published["@context"]  # what validate serves offline
    quantity = URIRef(LAB + "quantity/pressure-range")
    assert example_graph.value(quantity, URIRef(SSB + "minimumValue")) == Literal("0.2", datatype=XSD.decimal)
    assert example_graph.value(quantity, URIRef("http://qudt.org/schema/qudt/unit")) == \
        URIRef("http://qudt.org/vocab/unit/GigaPA")
    assert str(example_graph.value(URIRef(LAB + "study/na3sbs4-under-pressure"), URIRef(SSB + "sourceSection"))) == (
        "Section: Synchrotron X-ray techniques / Structural investigations of solid-state electrolytes (SSEs)")


@pytest.mark.parametrize("fmt,suffix,rdflib_format", [("ttl", ".ttl", "turtle"), ("nt", ".nt", "nt"),
                                                      ("rdfxml", ".rdf", "xml"), ("ttl", ".txt", "turtle")])
def test_the_same_study_in_every_format(capsys, tmp_path, example_graph, fmt, suffix, rdflib_format):
    path = tmp_path / f"study{suffix}"
    example_graph.serialize(path, format=rdflib_format)
    options = ["--format", fmt] if suffix == ".txt" else []
    code, out, _ = run(capsys, *options, path)
    assert code == 0
    assert out.splitlines()[-1] == "conforms: 0 violation(s), 0 warning(s)"


def broken_example(tmp_path):
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    nodes = {node["@id"]: node for node in document["@graph"]}
    del nodes[LAB + "measurement/adxrd-0-2-to-2-gpa"]["hasStimulus"]
    nodes[LAB + "quantity/pressure-range"]["qudt:unit"] = {"@id": "unit:K"}
    path = tmp_path / "broken.jsonld"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_broken_study_gets_its_exact_violations_as_json(capsys, tmp_path):
    path = broken_example(tmp_path)
    code, out, _ = run(capsys, "--report", "json", path)
    assert code == 1
    report = json.loads(out)
    assert report["conforms"] is False and report["triples"] == 47 and report["warnings"] == []
    assert [(v["focus"], v["path"], v["constraint"], v["value"], v["shape"], v["file"]) for v in report["violations"]] == [
        (LAB + "measurement/adxrd-0-2-to-2-gpa", "ssb:hasStimulus", "sh:SPARQLConstraintComponent", None,
         "ssbsh:MeasurementShape", str(path)),
        (LAB + "quantity/pressure-range", "qudt:unit", "sh:SPARQLConstraintComponent", "unit:K",
         "ssbsh:QuantityShape", str(path))]
    assert report["violations"][1]["message"] == (
        "unit unit:K does not measure quantitykind:ForcePerArea (units ssbonto accepts are listed in ontology/units.tsv)")


def test_a_broken_study_as_text_and_as_a_shacl_report(capsys, tmp_path):
    path = broken_example(tmp_path)
    code, out, _ = run(capsys, path)
    assert code == 1
    assert out.splitlines()[1:] == [
        f"  Violation: in-situ angle-dispersive XRD of Na3SbS4 from 0.2 to 2.0 GPa <{LAB}measurement/adxrd-0-2-to-2-gpa> "
        "ssb:hasStimulus: an ssb:InSitu measurement names its stimulus (temperature, pressure, electrochemical cycling, "
        f"gas atmosphere) [{path}] (sh:SPARQLConstraintComponent)",
        f"  Violation: 0.2 to 2.0 GPa <{LAB}quantity/pressure-range> qudt:unit: unit unit:K does not measure "
        f"quantitykind:ForcePerArea (units ssbonto accepts are listed in ontology/units.tsv) [{path}] "
        "(sh:SPARQLConstraintComponent, value unit:K)",
        "does not conform: 2 violation(s), 0 warning(s)"]
    code, out, _ = run(capsys, "--report", "ttl", path)
    assert code == 1
    report = Graph().parse(data=out, format="turtle")
    assert [c.toPython() for c in report.objects(None, SH.conforms)] == [False]
    assert {report.value(r, SH.focusNode) for r in report.subjects(SH.resultSeverity, None)} == {
        URIRef(LAB + "measurement/adxrd-0-2-to-2-gpa"), URIRef(LAB + "quantity/pressure-range")}


def test_files_are_validated_together(capsys, tmp_path, example_graph):
    material = URIRef(LAB + "material/na3sbs4-tetragonal")
    first, second = Graph(), Graph()
    for triple in example_graph:
        (first if triple[0] == material else second).add(triple)
    first.serialize(tmp_path / "material.ttl", format="turtle")
    second.serialize(tmp_path / "study.ttl", format="turtle")
    code, out, _ = run(capsys, tmp_path / "material.ttl", tmp_path / "study.ttl")
    assert (code, out.splitlines()[-1]) == (0, "conforms: 0 violation(s), 0 warning(s)")
    code, out, _ = run(capsys, "--report", "json", tmp_path / "study.ttl")  # the subject is unknown on its own
    assert code == 1
    assert {(v["focus"], v["path"], v["constraint"]) for v in json.loads(out)["violations"]} == {
        (LAB + "study/na3sbs4-under-pressure", "ssb:hasSubject", "sh:ClassConstraintComponent"),
        (LAB + "measurement/adxrd-0-2-to-2-gpa", "ssb:hasSubject", "sh:ClassConstraintComponent"),
        (LAB + "measurement/raman-under-pressure", "ssb:hasSubject", "sh:ClassConstraintComponent")}


# -- input it cannot read: exit 2 and a message naming what is wrong -------------------------------

def unreadable(capsys, *argv) -> str:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    return err.strip()


def test_unknown_format(capsys, tmp_path):
    (tmp_path / "study.csv").write_text("a,b\n")
    assert unreadable(capsys, tmp_path / "study.csv") == (
        f"error: {tmp_path / 'study.csv'}: cannot tell the format of 'study.csv' from its extension; "
        "use --format {ttl,nt,jsonld,rdfxml}")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["validate", "--format", "csv", str(tmp_path / "study.csv")])
    assert exit_.value.code == 2
    assert "argument --format: invalid choice: 'csv'" in capsys.readouterr().err


def test_empty_missing_and_directory(capsys, tmp_path):
    (tmp_path / "empty.ttl").write_bytes(b"")
    (tmp_path / "blank.ttl").write_text("  \n\t\n")
    (tmp_path / "prefixes-only.ttl").write_text("@prefix ex: <http://example.org/> .\n")
    assert unreadable(capsys, tmp_path / "empty.ttl", tmp_path / "blank.ttl", tmp_path / "prefixes-only.ttl",
                      tmp_path / "missing.ttl", tmp_path) == "\n".join([
        f"error: {tmp_path / 'empty.ttl'}: is empty",
        f"error: {tmp_path / 'blank.ttl'}: is empty",
        f"error: {tmp_path / 'prefixes-only.ttl'}: holds no RDF statements",
        f"error: {tmp_path / 'missing.ttl'}: no such file",
        f"error: {tmp_path}: cannot tell the format of '{tmp_path.name}' from its extension; "
        "use --format {ttl,nt,jsonld,rdfxml}"])
    assert unreadable(capsys, "--format", "ttl", tmp_path) == f"error: {tmp_path}: is not a regular file"


def test_a_file_of_100_mb_is_refused_before_it_is_read(capsys, tmp_path):
    big = tmp_path / "big.nt"
    with open(big, "wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: takes no disk space, and is never read
    assert unreadable(capsys, big) == (
        f"error: {big}: is 104.9 MB, above the limit of 25 MB (raise it with --max-size MB)")
    assert unreadable(capsys, "--max-size", "0", big) == "error: --max-size must be a positive number of megabytes"


@pytest.mark.parametrize("name,content,message", [
    ("broken.ttl", b'@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n',
     "line 3, column 11: Unexpected end of file"),
    ("broken.nt", b'<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n'
                  b'<http://example.org/a> <http://example.org/b> c .\n',
     "line 2, column 47: The object of a triple must be an IRI, a blank node or a literal"),
    ("latin1.ttl", b'@prefix ex: <http://example.org/> .\nex:a ex:b "caf\xe9" .\n',
     "line 2, column 15: Invalid UTF-8: incomplete utf-8 byte sequence from index 3"),
    ("broken.jsonld", b'{\n  "@context": {},\n  "@id": "http://example.org/a",\n  "http://example.org/b": [1, 2,\n}\n',
     "line 5, column 1: JSON: Expecting value"),
    ("broken.rdf", b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
                   b'<rdf:Description rdf:about="http://example.org/a">\n<foo>\n</rdf:RDF>\n',
     "line 5, column 3: XML: mismatched tag"),
    ("nothing.jsonld", b'{"@context": {"ex": "http://example.org/"}}', "holds no RDF statements"),
])
def test_unparseable_input_names_line_and_column(capsys, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    assert unreadable(capsys, path) == f"error: {path}: {message}"


def test_rdfxml_external_entities_are_neither_fetched_nor_expanded(capsys, tmp_path, recorder):
    address, requests = recorder
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    template = ('<?xml version="1.0"?>\n{doctype}\n'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n'
                '<rdf:Description rdf:about="http://example.org/a"><ex:p>&x;</ex:p></rdf:Description>\n</rdf:RDF>\n')
    cases = {
        "file-entity.rdf": f'<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "{secret.as_uri()}"> ]>',
        "http-entity.rdf": f'<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "{address}/entity.txt"> ]>',
        "http-dtd.rdf": f'<!DOCTYPE rdf:RDF SYSTEM "{address}/external.dtd">',
        "parameter-entity.rdf": f'<!DOCTYPE rdf:RDF [ <!ENTITY % p SYSTEM "{address}/p.dtd"> %p; ]>',
    }
    for name, doctype in cases.items():
        (tmp_path / name).write_text(template.format(doctype=doctype))
    err = unreadable(capsys, *(tmp_path / name for name in cases))

    def end_of_declaration(name):  # expat reports an entity declaration where it ends
        return cases[name].index('">') + 2

    assert err.splitlines() == [
        f"error: {tmp_path / 'file-entity.rdf'}: line 2, column {end_of_declaration('file-entity.rdf')}: "
        f"entity 'x' is external ({secret.as_uri()}); external entities and DTDs are never fetched or expanded",
        f"error: {tmp_path / 'http-entity.rdf'}: line 2, column {end_of_declaration('http-entity.rdf')}: "
        f"entity 'x' is external ({address}/entity.txt); external entities and DTDs are never fetched or expanded",
        f"error: {tmp_path / 'http-dtd.rdf'}: line 2, column {end_of_declaration('http-dtd.rdf')}: "
        "the document type refers to an external DTD "
        f"({address}/external.dtd); external entities and DTDs are never fetched or expanded",
        f"error: {tmp_path / 'parameter-entity.rdf'}: line 2, column {end_of_declaration('parameter-entity.rdf')}: "
        f"entity 'p' is external ({address}/p.dtd); external entities and DTDs are never fetched or expanded"]
    assert "TOP-SECRET" not in err
    assert requests == []


def test_rdfxml_entity_expansion_bomb_is_stopped(capsys, tmp_path):
    entities = "".join(f'<!ENTITY e{i} "{"&e%d;" % (i - 1) * 10}">' for i in range(1, 10))
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY e0 "lol">' + entities + ' ]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n'
            '<rdf:Description rdf:about="http://example.org/a"><ex:p>&e9;</ex:p></rdf:Description>\n</rdf:RDF>\n')
    (tmp_path / "bomb.rdf").write_text(bomb)
    err = unreadable(capsys, tmp_path / "bomb.rdf")
    assert err.startswith(f"error: {tmp_path / 'bomb.rdf'}: line 4, column ")
    assert err.endswith("XML: limit on input amplification factor (from DTD and entities) breached")


def test_remote_jsonld_contexts_are_not_fetched(capsys, tmp_path, recorder):
    address, requests = recorder
    remote = tmp_path / "remote.jsonld"
    remote.write_text(json.dumps({"@context": f"{address}/context.jsonld", "@id": "http://example.org/a",
                                  "http://example.org/p": "x"}))
    other_version = tmp_path / "old.jsonld"
    other_version.write_text(json.dumps({"@context": ["https://w3id.org/ssbonto/context/0.9.0.jsonld", {}],
                                         "@id": "http://example.org/a"}))
    imported = tmp_path / "import.jsonld"
    imported.write_text(json.dumps({"@context": {"@version": 1.1, "@import": f"{address}/base.jsonld"},
                                    "@id": "http://example.org/a"}))
    assert unreadable(capsys, remote, other_version, imported).splitlines() == [
        f"error: {remote}: JSON-LD context <{address}/context.jsonld> is remote and is not fetched; use ssbonto's "
        f"context ({SERVED_CONTEXTS}) or put the context inline",
        f"error: {other_version}: JSON-LD context <https://w3id.org/ssbonto/context/0.9.0.jsonld> is ssbonto 0.9.0; "
        f"this ssbonto serves {SERVED_CONTEXTS}",
        f"error: {imported}: JSON-LD context imports <{address}/base.jsonld>, which is not fetched"]
    assert requests == []
