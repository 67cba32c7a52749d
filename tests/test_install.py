"""The command works anywhere it is installed: the built wheel, installed into a fresh virtualenv, runs
build, query, validate and merge from a folder that is not a checkout, and the editable install
./run.sh makes does the same from another folder."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from conftest import REPO

SMALL_ONTOLOGY = """@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/lab-ontology> a owl:Ontology .
<https://example.org/lab-ontology#Operando> a owl:Class ; rdfs:label "operando measurement"@en .
"""


def run(command: list[str], cwd: Path, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    """A fresh virtualenv holding only the wheel built from this checkout; its dependencies are read
    from the test environment's site-packages (a .pth line), so nothing is downloaded."""
    root = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(root / "dist"), str(REPO)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    [wheel] = (root / "dist").glob("ssbonto-*.whl")
    venv.EnvBuilder(with_pip=False).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                                str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    work = root / "elsewhere"
    work.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SSBONTO_")}
    env.update(XDG_DATA_HOME=str(root / "data"), PATH=f"{root / 'venv' / 'bin'}{os.pathsep}{env['PATH']}")
    return root, work, env


def test_the_wheel_carries_its_sources_and_builds_from_anywhere(wheel_venv):
    root, work, env = wheel_venv
    ssbonto = str(root / "venv" / "bin" / "ssbonto")
    where = run([str(root / "venv" / "bin" / "python"), "-c", "import ssbonto; print(ssbonto.__file__)"], work, env)
    assert where.stdout.strip().startswith(str(root / "venv")), where.stdout + where.stderr  # not the checkout
    helped = run([ssbonto, "--help"], work, env)
    release = root / "data" / "ssbonto" / "release"
    assert str(release) in "".join(helped.stdout.split()), helped.stdout  # argparse wraps at hyphens
    built = run([ssbonto, "build"], work, env, timeout=600)
    assert built.returncode == 0, built.stderr
    assert f"-> {release}" in built.stdout and (release / "ssbonto.nq").is_file()
    again = run([ssbonto, "build"], work, env)
    assert again.returncode == 0 and "is up to date with its sources" in again.stderr
    asked = run([ssbonto, "query", "ASK { material:llzo a ssb:GarnetElectrolyte }"], work, env)
    assert (asked.returncode, asked.stdout) == (0, "true\n"), asked.stderr
    stats = run([ssbonto, "stats"], work, env)
    assert stats.returncode == 0 and "asserted" in stats.stdout


def test_the_wheel_validates_and_merges_from_anywhere(wheel_venv):
    root, work, env = wheel_venv
    ssbonto = str(root / "venv" / "bin" / "ssbonto")
    example = REPO / "examples" / "high-pressure-na3sbs4-study.jsonld"
    (work / "study.jsonld").write_bytes(example.read_bytes())
    checked = run([ssbonto, "validate", "study.jsonld"], work, env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "conforms" in checked.stdout
    (work / "lab.ttl").write_text(SMALL_ONTOLOGY, encoding="utf-8")
    merged = run([ssbonto, "merge", "--with", "lab.ttl", "--output", "-"], work, env)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "consistent: yes" in merged.stdout


def test_the_editable_install_finds_its_checkout_from_another_folder(built, tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "SSBONTO_RELEASE_DIR"}
    env["SSBONTO_RELEASE_DIR"] = str(built.release)  # the session's build, so nothing is built again here
    result = run([sys.executable, "-m", "ssbonto.cli", "stats"], tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ssbonto ")
    env.pop("SSBONTO_RELEASE_DIR")
    helped = run([sys.executable, "-m", "ssbonto.cli", "--help"], tmp_path, env)
    assert f"Sources(ontology/,shapes/,queries/):{REPO}" in "".join(helped.stdout.split())
