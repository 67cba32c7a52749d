"""Releases people can trust, checked on a copy of the sources bumped to the next version (so the
checks hold before and after the real bump): the bumped release is current, every earlier release
is still served as published and answers SPARQL at its pinned endpoint, the service description
and VoID name the versions, retired IRIs answer 301 or 410, a lost IRI fails the build, the diff
lists exactly what changed and CHANGELOG.md's entries are held to it, and pages carry their history.
The repository itself: no IRI of an archived release is lost, and every file carrying the version
is one `ssbonto release bump` changes."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import shutil
import subprocess
import sys

import lxml.html
import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS, VOID
from SPARQLWrapper import JSON, SPARQLWrapper

from ssbonto.answers.changes import changelog_entries, diff_releases, listed, markdown
from ssbonto.build import build, generate
from ssbonto.build.archive import archives, graphs_from_nquads, release_iris
from ssbonto.build.diff import compare
from ssbonto.build.history import write_earlier_release
from ssbonto.build.release import ReleaseGraphs
from ssbonto.build.retired import described
from ssbonto.build.versioning import CARRIERS, bump, carrier_files, next_version
from ssbonto.errors import BuildError
from ssbonto.layout import MANIFEST_FILE, read_manifest

from conftest import REPO, VERSION
from sparql_support import app_server

BASE = "https://w3id.org/ssbonto/"
ID = BASE + "id/"
RETIRED = "al-poor-lgp"  # replaced by LAGP in the bumped copy
GONE = "li2co3"  # retired with a reason
ADDED = "lzo-test-material"
RELABELLED = "llto"
DATE = datetime.date(2026, 12, 7)


def copy_checkout(target):
    for part in ("ontology", "shapes", "queries", "examples"):
        shutil.copytree(REPO / part, target / part)
    shutil.copy(REPO / "pyproject.toml", target / "pyproject.toml")
    (target / "src" / "ssbonto").mkdir(parents=True)
    shutil.copy(REPO / "src" / "ssbonto" / "__init__.py", target / "src" / "ssbonto" / "__init__.py")
    return target


def edit_table(sources, name: str, change) -> None:
    path = sources / "ontology" / "review" / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(change(lines)), encoding="utf-8")


def header_of(lines: list[str]) -> list[str]:
    return next(line for line in lines if line.strip() and not line.startswith("#")).rstrip("\n").split("\t")


def without_row(key: str):
    return lambda lines: [line for line in lines if not line.startswith(key + "\t")]


def run_cli(*argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ssbonto.cli", *map(str, argv)], capture_output=True, text=True,
                          cwd=REPO, timeout=600)


@pytest.fixture(scope="module")
def bumped(tmp_path_factory):
    """A copy of the checkout with one release more: if the current version is not archived yet it is
    built and archived first (as publishing it would), then the data changes (a material added, one
    relabelled, two retired) and `ssbonto release bump minor` gives it the next version."""
    root = tmp_path_factory.mktemp("bumped")
    sources = copy_checkout(root / "checkout")
    if VERSION not in archives(sources):
        build(sources, root / "published")
        assert run_cli("release", "archive", "--sources", sources, "--release-dir", root / "published").returncode == 0
    added = {"key": ADDED, "label": "Li2ZrO3 test material", "formula_printed": "Li2ZrO3", "formula": "Li2ZrO3",
             "class": "OtherInorganicElectrolyte", "roles": "Electrolyte", "source": "Section: Introduction"}
    edit_table(sources, "materials.tsv", lambda lines: [
        line.replace("lithium lanthanum titanate", "lithium lanthanum titanate (LLTO)", 1)
        if line.startswith(RELABELLED + "\t") else line for line in without_row(GONE)(without_row(RETIRED)(lines))]
        + ["\t".join(added.get(column, "") for column in header_of(lines)) + "\n"])
    with open(sources / "ontology" / "deprecated.tsv", "a", encoding="utf-8") as table:
        table.write(f"id/material/{RETIRED}\tid/material/lagp\t\n")
        table.write(f"id/material/{GONE}\t\tthe review names Li2CO3 only in passing\n")
    done = run_cli("release", "bump", "minor", "--date", DATE.isoformat(), "--sources", sources)
    assert done.returncode == 0, done.stderr
    new = next_version(VERSION, "minor")
    assert done.stdout.splitlines()[0].startswith(f"ssbonto {VERSION} -> {new}: changed ")
    result = build(sources, root / "release")
    return {"sources": sources, "old": VERSION, "new": new, "result": result, "release": root / "release",
            "versions": [*archives(sources)]}


@pytest.fixture(scope="module")
def server(bumped):
    from ssbonto_server.settings import Settings

    with app_server(Settings(release_dir=bumped["release"])) as url:
        yield url


def get(server, path, accept="*/*", **options):
    return requests.get(server + path, headers={"Accept": accept}, allow_redirects=False, timeout=60, **options)


# -- the version, from one command ------------------------------------------------------------------

def test_bump_wrote_the_new_version_everywhere_and_the_date(bumped):
    sources, old, new = bumped["sources"], bumped["old"], bumped["new"]
    for carrier in CARRIERS:
        for path in carrier_files(sources, carrier):
            versions = {m.group("version") for m in re.finditer(carrier.pattern, path.read_text(encoding="utf-8"))}
            assert versions == {new}, (path, carrier.what)
    ontology = (sources / "ontology" / "ssbonto.ttl").read_text(encoding="utf-8")
    assert f'dcterms:modified "{DATE.isoformat()}"^^xsd:date' in ontology
    assert f"version {new} ({DATE.year}). {BASE}release/{new}/def" in ontology
    assert old not in (sources / "src" / "ssbonto" / "__init__.py").read_text()


def test_every_file_carrying_the_version_is_one_the_bump_changes():
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=REPO, check=True).stdout.split()
    # the history and the tests name versions on purpose; docs name a semantic version as an example
    # (ontology/imports/ holds other ontologies' modules, which carry their own versions)
    ignored = re.compile(r"^(CHANGELOG\.md|ontology/releases/|ontology/imports/|tests/|docs/|bench/results/)"
                         r"|package-lock\.json$")
    counted: dict[str, int] = {}
    for carrier in CARRIERS:
        for path in carrier_files(REPO, carrier):
            text = path.read_text(encoding="utf-8")
            found = sum(m.group(0).count(VERSION) for m in re.finditer(carrier.pattern, text))
            counted[path.relative_to(REPO).as_posix()] = counted.get(path.relative_to(REPO).as_posix(), 0) + found
    for name in tracked:
        if ignored.search(name) or not (REPO / name).is_file():
            continue
        try:
            text = (REPO / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        occurrences = sum(line.count(VERSION) for line in text.splitlines()
                          if f"such as {VERSION}" not in line)  # a message that gives a version as an example
        assert occurrences == counted.get(name, 0), f"{name} carries {VERSION} where `ssbonto release bump` " \
                                                   "does not change it: add a Carrier in build/versioning.py"


def test_bump_refuses_to_leave_a_version_that_is_not_archived(tmp_path):
    sources = copy_checkout(tmp_path / "checkout")
    shutil.rmtree(sources / "ontology" / "releases")
    before = (sources / "pyproject.toml").read_text()
    with pytest.raises(BuildError) as refused:
        bump(sources, "minor")
    assert str(refused.value.problems[0]) == (
        f"ontology/releases/{VERSION}.nq.gz: release {VERSION} is not archived, so its files and IRIs would not "
        f"stay served; archive the published {VERSION} first (ssbonto release archive)")
    assert (sources / "pyproject.toml").read_text() == before  # nothing written
    assert [next_version("1.4.2", part) for part in ("major", "minor", "patch")] == ["2.0.0", "1.5.0", "1.4.3"]


# -- the releases served --------------------------------------------------------------------------

def test_the_bumped_release_is_current_and_every_earlier_one_is_kept_as_published(bumped):
    release, sources = bumped["release"], bumped["sources"]
    manifest = read_manifest(release)
    assert manifest["version"] == bumped["new"]
    assert manifest["earlier_releases"] == bumped["versions"]
    assert bumped["result"].notices == []  # nothing regenerated differently from what was published
    for version, archive in archives(sources).items():
        earlier = release / "earlier" / version
        assert (earlier / MANIFEST_FILE).read_bytes() == archive.manifest_file.read_bytes()
        for line in (earlier / "SHA256SUMS").read_text().splitlines():
            digest, name = line.split("  ")
            assert hashlib.sha256((earlier / name).read_bytes()).hexdigest() == digest, (version, name)
        assert (earlier / "ssbonto.nq").read_bytes() == archive.nquads()
        assert archive.iris() == release_iris(archive.nquads())


def test_an_earlier_release_is_served_with_its_files_and_answers_sparql_at_its_own_endpoint(bumped, server):
    old, new = bumped["old"], bumped["new"]
    published = json.loads((bumped["release"] / "earlier" / old / MANIFEST_FILE).read_text())["files"]
    dump = get(server, f"/release/{old}/ssbonto.ttl")
    assert dump.status_code == 200 and dump.headers["ETag"] == f'"{published["ssbonto.ttl"]["sha256"]}"'
    listing = lxml.html.fromstring(get(server, f"/release/{old}/", "text/html").text)
    assert listing.xpath("string(//h1)") == f"Downloads: release {old}"
    assert f"/release/{old}/sparql" in listing.xpath("string(//p[@class='note'])")
    assert get(server, f"/release/{old}").headers["Location"] == f"/release/{old}/"
    ask = f"ASK {{ <{ID}material/{RETIRED}> a ?class }}"

    def answer(endpoint):
        client = SPARQLWrapper(server + endpoint)
        client.setQuery(ask)
        client.setReturnFormat(JSON)
        return client.query().convert()["boolean"]

    assert answer(f"/release/{old}/sparql") is True  # 1.0.0 still describes it
    assert answer("/sparql") is False and answer(f"/release/{new}/sparql") is False
    versioned = get(server, f"/release/{old}/def", "text/turtle")
    assert (versioned.status_code, versioned.headers["Location"]) == (303, f"/release/{old}/ontology.ttl")
    assert get(server, f"/context/{old}.jsonld").status_code == 200
    unknown = get(server, "/release/0.1.0/ssbonto.ttl")
    assert unknown.status_code == 404
    *earlier, last = [*bumped["versions"], new]
    assert unknown.json()["message"] == ("release '0.1.0' is not served here; this server serves releases "
                                         + ", ".join(earlier) + " and " + last)


def test_the_service_description_and_void_name_the_versions(bumped, server):
    description = Graph().parse(data=get(server, "/sparql", "text/turtle").text, format="turtle")
    versions = {str(v): str(description.value(node, URIRef("http://www.w3.org/ns/sparql-service-description#endpoint")))
                for node in description.objects(None, DCTERMS.hasVersion)
                for v in description.objects(node, OWL.versionInfo)}
    assert versions == {**{v: f"{server}/release/{v}/sparql" for v in bumped["versions"]}, bumped["new"]: f"{server}/sparql"}
    void = Graph().parse(bumped["release"] / "void.ttl", format="turtle")
    kept = {str(void.value(node, OWL.versionInfo)): str(void.value(node, VOID.sparqlEndpoint))
            for node in void.objects(URIRef(BASE + "void#ssbonto"), DCTERMS.hasVersion)}
    assert kept == {v: f"{BASE}release/{v}/sparql" for v in bumped["versions"]}


def test_retired_iris_answer_301_to_their_replacement_or_410_with_the_reason(bumped, server):
    moved = get(server, f"/id/material/{RETIRED}", "text/turtle")
    assert (moved.status_code, moved.headers["Location"]) == (301, "/id/material/lagp")
    assert get(server, f"/page/id/material/{RETIRED}", "text/html").headers["Location"] == "/page/id/material/lagp"
    assert get(server, f"/data/id/material/{RETIRED}.ttl").headers["Location"] == "/data/id/material/lagp.ttl"
    gone = get(server, f"/id/material/{GONE}", "application/json")
    assert gone.status_code == 410
    assert gone.json()["message"] == (
        f'<{ID}material/{GONE}> ("Li2CO3") is deprecated and no longer described. Described until release '
        f"{bumped['versions'][-1]}; the review names Li2CO3 only in passing. Release {bumped['versions'][-1]} still "
        f"describes it: /release/{bumped['versions'][-1]}/")
    page = get(server, f"/page/id/material/{GONE}", "text/html")
    assert page.status_code == 410 and "the review names Li2CO3 only in passing" in page.text
    graph = bumped["result"].graphs.knowledge
    retired = URIRef(f"{ID}material/{RETIRED}")
    assert graph.value(retired, OWL.deprecated) == Literal(True)
    assert graph.value(retired, DCTERMS.isReplacedBy) == URIRef(ID + "material/lagp")
    assert str(graph.value(retired, RDFS.label)) == "Al-poor LGP"


def test_an_iri_that_disappears_without_deprecation_fails_the_build(sources):
    edit_table(sources, "materials.tsv", without_row(RETIRED))
    with pytest.raises(BuildError) as failure:
        generate(sources)
    line = archives(sources)[VERSION].iris().index(f"{ID}material/{RETIRED}") + 1
    assert [str(p) for p in failure.value.problems] == [
        f"ontology/releases/{VERSION}.iris:{line}: <{ID}material/{RETIRED}> of release {VERSION} is gone from the "
        "sources: keep it, deprecate it in the ontology, or retire it in ontology/deprecated.tsv with its "
        "replacement or a reason (IRIs are never lost)"]


def test_a_retirement_that_cannot_hold_is_refused(sources):
    with open(sources / "ontology" / "deprecated.tsv", "a", encoding="utf-8") as table:
        table.write("id/material/llzo\t\tstill here\n")  # still described
        table.write("id/material/never-released\tid/material/llzo\t\n")
        table.write(f"id/material/{GONE}\t\t\n")  # neither replacement nor reason
    with pytest.raises(BuildError) as failure:
        generate(sources)
    assert [str(p) for p in failure.value.problems] == [
        "ontology/deprecated.tsv:8: column 'reason': a retired IRI needs its replacement (replaced_by) or the "
        "reason it has none"]
    lines = (sources / "ontology" / "deprecated.tsv").read_text().splitlines(keepends=True)
    (sources / "ontology" / "deprecated.tsv").write_text("".join(lines[:-1]))
    with pytest.raises(BuildError) as failure:
        generate(sources)
    assert [str(p) for p in failure.value.problems] == [
        f"ontology/deprecated.tsv:6: column 'iri': <{ID}material/llzo> is still described by the sources; retire an "
        "IRI only once nothing describes it",
        f"ontology/deprecated.tsv:7: column 'iri': <{ID}material/never-released> is in no archived release "
        "(ontology/releases/); an IRI never released needs no retirement"]


# -- what changed --------------------------------------------------------------------------------

def test_the_diff_lists_the_changes_of_the_bump_and_the_changelog_entry_made_from_it_holds(bumped, tmp_path):
    old, new = bumped["versions"][-1], bumped["new"]
    diff = diff_releases(old, new, bumped["sources"], bumped["release"])
    sections = listed(diff)
    assert f"material:{ADDED}" in sections["added"]
    assert {f"material:{RETIRED}", f"material:{GONE}"} <= sections["deprecated"]
    assert "removed" not in sections  # never: the build keeps every IRI
    assert {f"<{BASE}def>", f"material:{RELABELLED}"} <= sections["changed"]
    [relabelled] = [c for c in diff.changed if c.iri == f"{ID}material/{RELABELLED}"]
    assert relabelled.labels == (["lithium lanthanum titanate"], ["lithium lanthanum titanate (LLTO)"])
    [header] = [c for c in diff.changed if c.kind == "ontology"]
    assert f'owl:versionInfo "{new}"' in header.added and f'owl:versionInfo "{old}"' in header.removed
    # the command prints the same, as Markdown (a CHANGELOG.md entry) and as JSON
    done = run_cli("diff", old, new, "--sources", bumped["sources"], "--release-dir", bumped["release"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == markdown(diff)
    as_json = run_cli("diff", old, new, "--format", "json", "--sources", bumped["sources"],
                      "--release-dir", bumped["release"])
    assert json.loads(as_json.stdout) == json.loads(json.dumps(diff.as_dict()))
    # an entry generated from it, then edited by hand (prose added), still lists exactly the diff
    entry = markdown(diff).replace(f"Compared with {old}:", f"A test release.\n\nCompared with {old}:")
    current = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    first_entry = current.index("\n## [") + 1
    changelog = current[:first_entry] + entry + "\n" + current[first_entry:]
    parsed = changelog_entries(changelog)[new]
    assert (parsed.previous, parsed.date) == (old, DATE.isoformat())
    assert parsed.items == sections


def test_changelog_entries_list_exactly_the_diff_of_their_release(built):
    """Each entry of the repository's CHANGELOG.md whose release and predecessor are both at hand
    (archived, or the current build) names exactly the IRIs `ssbonto diff` lists."""
    entries = changelog_entries((REPO / "CHANGELOG.md").read_text(encoding="utf-8"))
    first = list(archives(REPO))[0] if archives(REPO) else VERSION
    assert first in entries and entries[first].previous is None  # the first release compares with nothing
    for version, entry in entries.items():
        if entry.previous is None:
            continue
        assert version in (*archives(REPO), VERSION), f"CHANGELOG.md has an entry for {version}, which is unknown"
        diff = diff_releases(entry.previous, version, REPO, built.release)
        assert entry.items == listed(diff), f"CHANGELOG.md's entry for {version} differs from `ssbonto diff`"


def test_compare_names_exactly_what_changed():
    def graphs(version, triples):
        ontology, knowledge = Graph(), Graph()
        for s, p, o in triples:
            (ontology if "/def" in str(s) else knowledge).add((URIRef(s), URIRef(p), o))
        return ReleaseGraphs(ontology, knowledge, Graph(), version)

    label, defn, measures = str(RDFS.label), "http://www.w3.org/2004/02/skos/core#definition", BASE + "def/measures"
    line = BASE + "def/curationLine"
    old = graphs("1.0.0", [(ID + "m/a", label, Literal("a")), (ID + "m/b", label, Literal("b")),
                           (ID + "m/b", measures, URIRef(BASE + "def/X")), (BASE + "def/T", defn, Literal("old")),
                           (ID + "m/c", line, Literal(3)), (ID + "m/d", label, Literal("d"))])
    new = graphs("1.1.0", [(ID + "m/a", label, Literal("a")), (ID + "m/b", label, Literal("b")),
                           (ID + "m/b", measures, URIRef(BASE + "def/Y")), (BASE + "def/T", defn, Literal("new")),
                           (ID + "m/c", line, Literal(4)), (ID + "m/e", label, Literal("e")),
                           (ID + "m/d", str(OWL.deprecated), Literal(True))])
    diff = compare(old, new)
    assert {name: {c.iri for c in changes} for name, changes in diff.sections().items() if changes} == {
        "added": {ID + "m/e"}, "deprecated": {ID + "m/d"}, "changed": {ID + "m/b", BASE + "def/T"}}
    [b] = [c for c in diff.changed if c.iri == ID + "m/b"]
    assert (b.added, b.removed, b.summary()) == (["ssb:measures ssb:Y"], ["ssb:measures ssb:X"], ["ssb:measures"])
    assert diff.provenance_moved == 1  # m/c: only its curation line moved, and it is not listed


# -- history on the pages --------------------------------------------------------------------------

def test_a_page_says_in_which_release_its_iri_appeared_and_what_changed_since(bumped, server):
    def history(path):
        page = lxml.html.fromstring(get(server, f"/page/{path}", "text/html").text)
        return page.xpath("string(//section[@id='history']/p[1])"), \
            [li.text_content() for li in page.xpath("//section[@id='history']//li")]

    first = bumped["versions"][0]
    assert history(f"id/material/{ADDED}") == (f"In ssbonto since release {bumped['new']}, unchanged since.", [])
    since, changes = history(f"id/material/{RELABELLED}")
    assert since == f"In ssbonto since release {first}."
    diff = diff_releases(bumped["versions"][-1], bumped["new"], bumped["sources"], bumped["release"])
    [change] = [c for c in diff.changed if c.iri == f"{ID}material/{RELABELLED}"]
    assert "label" in change.summary()  # the relabelling, beside whatever else the sources changed
    assert changes[-1] == f"Release {bumped['new']}: changed — {', '.join(change.summary())}"
    assert history("id/material/llzo")[0].startswith(f"In ssbonto since release {first}")


# -- the repository --------------------------------------------------------------------------------

def test_no_iri_of_an_archived_release_is_lost(built):
    """Every IRI of every release in ontology/releases/ is still described by the current build
    (deprecated ones keep their owl:deprecated description)."""
    assert archives(REPO), "ontology/releases/ holds no archived release"
    current = described([built.graphs.ontology, built.graphs.knowledge])
    for version, archive in archives(REPO).items():
        lost = sorted(set(archive.iris()) - current)
        assert lost == [], f"IRIs of release {version} gone without deprecation: {lost[:10]}"


def test_an_earlier_release_is_reused_from_the_build_it_replaces(tmp_path):
    [archive] = [a for v, a in archives(REPO).items() if v == list(archives(REPO))[0]]
    graphs = graphs_from_nquads(archive.nquads(), archive.version)
    first, second = tmp_path / "first", tmp_path / "second"
    history = json.loads((REPO / "ontology" / "releases" / f"{archive.version}.manifest.json").read_text())
    assert history["version"] == archive.version
    from ssbonto.build.history import term_history

    assert write_earlier_release(archive, first, graphs, [], term_history([graphs])) == []
    assert write_earlier_release(archive, second, graphs, [], {}, previous=first) == []
    for path in first.iterdir():  # the same files, linked rather than written again
        assert (second / path.name).stat().st_ino == path.stat().st_ino
