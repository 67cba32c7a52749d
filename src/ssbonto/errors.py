"""Errors that name what was wrong and where, so a curator can fix the row."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.column:
            where += f": column '{self.column}'"
        return f"{where}: {self.reason}"


class BuildError(Exception):
    """A build step failed; carries every problem found, each with file, row and column."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ReasoningError(BuildError):
    """The ontology plus knowledge graph is inconsistent or has unsatisfiable classes."""
