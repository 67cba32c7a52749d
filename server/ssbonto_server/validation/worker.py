"""A validator process: loads the release's validator once, then validates one document at a time
for the web process (pool), which kills it when a validation passes the deadline. It runs without
network (nothing is ever fetched) and under an address-space limit.

Started as `python -m ssbonto_server.validation.worker FD OPTIONS-JSON`, FD being its end of a
socket pair to the parent.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

DOCUMENT_BASE = "https://validator.invalid/document/"  # relative IRIs of a posted document resolve here


@dataclass(frozen=True)
class ValidationJob:
    data: bytes
    fmt: str  # ttl, nt, jsonld or rdfxml
    name: str  # what messages call the document
    report: bool = False  # also return the SHACL validation report (as N-Triples)


def run_job(validator, explainer, job: ValidationJob) -> dict:
    from ssbonto.answers.validation import Unreadable, parse_document

    try:
        graph = parse_document(job.data, job.fmt, DOCUMENT_BASE, validator.local_contexts)
    except Unreadable as error:
        return {"status": 400, "message": f"{job.name}: {error}", "line": error.line, "column": error.column}
    outcome = validator.check({job.name: graph})
    answer = {"status": 200, "conforms": outcome.report.conforms, "ssbonto": outcome.version,
              "triples": outcome.triples, "results": [result.as_dict() for result in explainer.explain(outcome)]}
    if job.report:
        answer["report"] = outcome.report.graph.serialize(format="nt", encoding="utf-8")
    return answer


def worker_main(connection, release_dir: str, parent_pid: int, memory_bytes: int, isolate_network: bool) -> None:
    from ..sparql.query_worker import _die_with_parent, _leave_network

    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on the server is handled by the parent
    if isolate_network:
        _leave_network()
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, resource.getrlimit(resource.RLIMIT_AS)[1]))
    try:
        from rdflib import Graph

        from ssbonto.answers.explanations import Explainer
        from ssbonto.answers.validation import DocumentValidator

        validator = DocumentValidator.from_release(Path(release_dir))
        explainer = Explainer(validator)
        validator.check({"warm-up": Graph()})  # compiles the shapes before the first document
    except Exception as error:  # reported to the parent, which reports it to clients
        connection.send(("failed", f"cannot load the validator of {release_dir}: {error}"))
        return
    connection.send(("ready", {}))
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer = run_job(validator, explainer, job)
        except MemoryError:
            answer = {"status": 503, "message": f"{job.name}: validating it needed more memory than this service "
                                                "grants one validation"}
        except Exception as error:  # a document no check foresaw: say so, and keep serving
            print(f"validation of {job.name} failed: {error!r}", file=sys.stderr, flush=True)
            answer = {"status": 400, "message": f"{job.name} could not be validated: {type(error).__name__}: "
                                                f"{error}"}
        connection.send(answer)


def main(argv: list[str]) -> None:
    descriptor, options = int(argv[0]), json.loads(argv[1])
    worker_main(Connection(descriptor), **options)


if __name__ == "__main__":
    # through the package module, so that pickled jobs name the same class in both processes
    from ssbonto_server.validation.worker import main as package_main

    package_main(sys.argv[1:])
