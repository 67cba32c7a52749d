"""The published releases, kept in the repository under ontology/releases/: for each version its
N-Quads (every named graph, gzip-compressed), the list of its IRIs, its manifest and (for the releases
that published them) its SHACL shapes, gzip-compressed. From them a
fresh clone serves and queries every earlier release, diffs releases, and checks that no IRI of
an earlier release is lost. `ssbonto release archive` adds the built release to them."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph

from ..errors import BuildError, Problem
from ..layout import DATASET_DUMP, MANIFEST_FILE, SHAPES_FILE, read_manifest, version_key
from ..namespaces import INFERRED_GRAPH, KNOWLEDGE_GRAPH, ONTOLOGY_GRAPH, bind_prefixes
from ..prefixes import BASE, INFERRED_GRAPH_IRI
from .release import ReleaseGraphs, gzip_bytes

ARCHIVE_DIR = "ontology/releases"


@dataclass(frozen=True)
class Archive:
    version: str
    folder: Path

    def _file(self, suffix: str) -> Path:
        return self.folder / f"{self.version}{suffix}"

    dump = property(lambda self: self._file(".nq.gz"))
    iris_file = property(lambda self: self._file(".iris"))
    manifest_file = property(lambda self: self._file(".manifest.json"))
    shapes_file = property(lambda self: self._file(".shapes.ttl.gz"))

    def nquads(self) -> bytes:
        return self._gunzip(self.dump)

    def shapes(self) -> bytes | None:
        """The shapes.ttl the release published; None for a release that published none."""
        return self._gunzip(self.shapes_file) if self.shapes_file.exists() else None

    def _gunzip(self, path: Path) -> bytes:
        try:
            return gzip.decompress(path.read_bytes())
        except (OSError, EOFError) as error:
            raise BuildError(Problem(f"{ARCHIVE_DIR}/{path.name}", None, None,
                                     f"the archived release cannot be read: {error}"))

    def manifest(self) -> dict:
        try:
            return json.loads(self.manifest_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise BuildError(Problem(f"{ARCHIVE_DIR}/{self.manifest_file.name}", None, None,
                                     f"the archived manifest cannot be read: {error}"))

    def iris(self) -> list[str]:
        try:
            return [line for line in self.iris_file.read_text(encoding="utf-8").splitlines() if line]
        except OSError as error:
            raise BuildError(Problem(f"{ARCHIVE_DIR}/{self.iris_file.name}", None, None,
                                     f"the list of IRIs of release {self.version} cannot be read: {error}"))

    def graphs(self) -> ReleaseGraphs:
        return graphs_from_nquads(self.nquads(), self.version)


def archives(sources: Path) -> dict[str, Archive]:
    """Every archived release, oldest first."""
    folder = sources / ARCHIVE_DIR
    if not folder.is_dir():
        return {}
    versions = [path.name.removesuffix(".nq.gz") for path in folder.glob("*.nq.gz")]
    return {version: Archive(version, folder) for version in sorted(versions, key=version_key)}


def graphs_from_nquads(data: bytes, version: str) -> ReleaseGraphs:
    dataset = Dataset()
    dataset.parse(data=data, format="nquads")

    def graph(name) -> Graph:
        result = bind_prefixes(Graph())
        for triple in dataset.graph(name):
            result.add(triple)
        return result

    return ReleaseGraphs(graph(ONTOLOGY_GRAPH), graph(KNOWLEDGE_GRAPH), graph(INFERRED_GRAPH), version)


def release_iris(nquads: bytes) -> list[str]:
    """The IRIs a release describes: every subject of ours (under the base IRI) in its asserted
    graphs, the ontology and the knowledge graph."""
    found = {quad.subject.value for quad in ox.parse(nquads, format=ox.RdfFormat.N_QUADS)
             if isinstance(quad.subject, ox.NamedNode) and quad.subject.value.startswith(BASE)
             and quad.graph_name != ox.NamedNode(INFERRED_GRAPH_IRI)}
    return sorted(found)


def archive_release(release_dir: Path, sources: Path) -> tuple[Archive, bool]:
    """Add the built release to the archives; returns it and whether it was new. A version is
    archived once: archiving it again with other content is refused (published releases never change)."""
    manifest_bytes = (Path(release_dir) / MANIFEST_FILE).read_bytes()
    version = read_manifest(release_dir)["version"]
    nquads = (Path(release_dir) / DATASET_DUMP).read_bytes()
    shapes_path = Path(release_dir) / SHAPES_FILE
    shapes = shapes_path.read_bytes() if shapes_path.is_file() else None
    archive = Archive(version, sources / ARCHIVE_DIR)
    if archive.dump.exists():
        archived_shapes = archive.shapes()
        if archive.nquads() == nquads and archived_shapes in (None, shapes):
            if archived_shapes is None and shapes is not None:  # archived before archives kept shapes
                archive.shapes_file.write_bytes(gzip_bytes(shapes))
                return archive, True
            return archive, False
        raise BuildError(Problem(f"{ARCHIVE_DIR}/{archive.dump.name}", None, None,
                                 f"release {version} is archived already with other content, and a published "
                                 "release never changes; give this one a new version (ssbonto release bump patch)"))
    archive.folder.mkdir(parents=True, exist_ok=True)
    archive.dump.write_bytes(gzip_bytes(nquads))
    archive.iris_file.write_text("".join(f"{iri}\n" for iri in release_iris(nquads)), encoding="utf-8")
    archive.manifest_file.write_bytes(manifest_bytes)
    if shapes is not None:
        archive.shapes_file.write_bytes(gzip_bytes(shapes))
    return archive, True
