"""The first hour: a release is rebuilt only when its sources changed (and says why), warnings come
as one line, and every count of triples is the same number."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import requests

from conftest import REPO
from ssbonto.build.digest import built_from, is_up_to_date, sources_digest
from ssbonto.layout import read_manifest


def ssbonto(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "ssbonto.cli", *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd)


def private_release(built, tmp_path):
    """A copy of the session's release that a test may rebuild, published as ssbonto build does."""
    builds = tmp_path / ".release-builds"
    builds.mkdir()
    shutil.copytree(built.release.resolve(), builds / "copy")
    (tmp_path / "release").symlink_to(builds / "copy")
    return tmp_path / "release"


def test_the_release_records_the_digest_of_what_it_was_built_from(built):
    assert built_from(built.release) == sources_digest(REPO)
    assert is_up_to_date(built.release, REPO)


def test_an_unchanged_release_is_not_built_again(built):
    result = ssbonto("build", "--release-dir", str(built.release))
    assert result.returncode == 0, result.stderr
    assert "is up to date with its sources; not building it again (--rebuild builds anyway)" in result.stderr
    assert "building ssbonto" not in result.stderr


def test_a_changed_source_is_built_again_says_why_and_sums_up_its_warnings(built, sources, tmp_path):
    release = private_release(built, tmp_path)
    same = ssbonto("build", "--sources", str(sources), "--release-dir", str(release))
    assert "is up to date" in same.stderr  # a copy of the sources has the same digest
    table = sources / "ontology" / "review" / "references.tsv"
    table.write_text(table.read_text(encoding="utf-8").replace("P. Albertus et al.", "P. Albertus, et al.", 1),
                     encoding="utf-8")
    changed = ssbonto("build", "--sources", str(sources), "--release-dir", str(release))
    assert changed.returncode == 0, changed.stderr
    assert "building ssbonto (its sources changed since it was built)" in changed.stderr
    assert built_from(release) == sources_digest(sources) != sources_digest(REPO)
    [summary] = [line for line in changed.stderr.splitlines() if "warning(s):" in line]
    total = int(re.search(r"(\d+) warning\(s\):", summary).group(1))
    kinds = [int(n) for n in re.findall(r"(\d+) × ", summary)]
    assert total == len(built.warnings) and sum(kinds) == total and len(kinds) >= 2
    assert summary.endswith("`ssbonto build --warnings` lists them")
    assert not any(line.strip().startswith("Warning:") for line in changed.stderr.splitlines())
    listed = ssbonto("build", "--sources", str(sources), "--release-dir", str(release), "--warnings")
    assert "is up to date" in listed.stderr  # the warnings come from the release, nothing is built again
    assert sum(line.strip().startswith("Warning:") for line in listed.stderr.splitlines()) == total
    forced = ssbonto("build", "--sources", str(sources), "--release-dir", str(release), "--rebuild", "--reasoner-timeout",
                     "0.001")  # --rebuild builds (and fails at once here, leaving the release as it was)
    assert "building ssbonto (--rebuild asked for it)" in forced.stderr and forced.returncode == 1
    assert built_from(release) == sources_digest(sources)


def test_one_count_of_triples_everywhere(built, live_server):
    counts = built.graphs.triple_counts()
    assert counts["asserted"] == counts["ontology"] + counts["kg"]  # the two graphs share no triple
    assert read_manifest(built.release)["triples"] == counts
    stats = ssbonto("stats", "--release-dir", str(built.release)).stdout
    assert re.search(rf"asserted\s+{counts['asserted']} triples", stats)
    landing = requests.get(live_server + "/", timeout=30).text
    assert f">{counts['asserted']}<" in landing.replace(" ", "")
    listing = requests.get(live_server + "/downloads", headers={"Accept": "application/json"}, timeout=30).json()
    assert listing["triples"] == counts
