"""Shared fixtures: one real build of the repository's sources, reused by the whole session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ssbonto.build import build, load_tbox, ontology_version
from ssbonto.store import EmbeddedStore

REPO = Path(__file__).resolve().parents[1]
# What a bare clone does not carry: the complete reference ontologies (for the full-set merge proof and
# for checking that ontology/imports/ is what they give) and the review's text (for quotes checked
# against it). Tests that need them skip, naming the variable, when they are absent.
REFERENCE_DIR = Path(os.environ.get("SSBONTO_REFERENCE_DIR") or REPO.parent / "shared" / "ref-ontologies")
REVIEW_TEXT = Path(os.environ.get("SSBONTO_REVIEW_TEXT") or REPO.parent / "shared" / "seed" / "review.txt")
COMPETENCY_QUESTIONS = REPO.parent / "shared" / "competency-questions.md"

needs_reference = pytest.mark.skipif(
    not REFERENCE_DIR.is_dir(),
    reason=f"needs the complete reference ontologies at $SSBONTO_REFERENCE_DIR (default ../shared/ref-ontologies; "
           f"not found at {REFERENCE_DIR}); docs/merging.md says where to get them")
needs_review_text = pytest.mark.skipif(
    not REVIEW_TEXT.is_file(),
    reason=f"needs the review's text at $SSBONTO_REVIEW_TEXT (default ../shared/seed/review.txt; "
           f"not found at {REVIEW_TEXT})")
VERSION = ontology_version(load_tbox(REPO))  # the current release; tests name it, never a literal version


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    release = tmp_path_factory.mktemp("release") / "release"
    return build(REPO, release)


@pytest.fixture(scope="session")
def store(built):
    return EmbeddedStore(built.release)


@pytest.fixture()
def sources(tmp_path):
    """A private copy of the curated sources that a test may break."""
    copy = tmp_path / "sources"
    for part in ("ontology", "shapes", "queries"):
        shutil.copytree(REPO / part, copy / part)
    return copy


def select(store, sparql: str) -> list[dict[str, str]]:
    return store.query(sparql).rows()


@pytest.fixture(scope="session")
def live_server(built):
    """The real Flask application on a free loopback port (werkzeug, in a thread): real HTTP."""
    import threading

    from werkzeug.serving import make_server

    from ssbonto_server.app import create_app
    from ssbonto_server.settings import Settings

    app = create_app(Settings(release_dir=built.release))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def partner():
    """A loopback endpoint to allow-list (sparql_support.Listener): it records every request."""
    from sparql_support import Listener

    listener = Listener()
    yield listener
    listener.close()
