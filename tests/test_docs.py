"""The docs' snippets run as written: every ```python block of docs/*.md and README.md, each in a
fresh folder outside the checkout (so a snippet that only works from the repository root fails),
and the shell command of docs/merging.md that merges with the import modules."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

DOCS = sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]
BLOCK = re.compile(r"^```(python|sh)\n(.*?)^```", re.S | re.M)


def blocks(language: str) -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        for number, (kind, code) in enumerate(BLOCK.findall(path.read_text(encoding="utf-8")), start=1):
            if kind == language:
                found.append((f"{path.relative_to(REPO)}#{number}", code))
    return found


def environment() -> dict:
    bin_dir = str(Path(sys.executable).parent)  # `ssbonto` and `python3` of this environment
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def test_the_docs_have_python_snippets():
    assert len(blocks("python")) >= 2


@pytest.mark.parametrize("where, code", blocks("python"), ids=[where for where, _ in blocks("python")])
def test_python_snippet_runs_as_written(where, code, tmp_path):
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=environment(), capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, f"{where} failed:\n{result.stderr[-3000:]}"


def test_the_bare_clone_merge_command_runs_from_any_folder(tmp_path):
    [(where, code)] = [(w, c) for w, c in blocks("sh") if "ontology/imports/*.ttl" in c]
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=tmp_path, env=environment(),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{where} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    assert "consistent: yes" in result.stdout and (tmp_path / "merged-modules.owl").is_file()
