"""The service's configuration: every field is a flag of `ssbonto serve` and an environment
variable SSBONTO_<FIELD NAME IN UPPER CASE>."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Settings:
    """Service configuration; every field can be set by a flag of `ssbonto serve` or by the
    environment variable SSBONTO_<FIELD NAME IN UPPER CASE>."""

    release_dir: Path = Path("release")
    base_iri: str = "https://w3id.org/ssbonto/"
    query_timeout: float = 30.0
    max_query_bytes: int = 100_000
    max_body_bytes: int = 1_000_000
    service_allow_list: list[str] = field(default_factory=list)
    query_processes: int = 2  # per web worker; one may be stuck at the deadline while the other serves
    max_answer_bytes: int = 64_000_000
    query_memory_bytes: int = 2_000_000_000  # address-space limit of each query process
    store: str = ""  # empty: the embedded store; else sparql+http://HOST:PORT/PATH (remote_store)
    store_mode: str = "auto"  # the embedded store in memory or on disk (ssbonto.store.choose_mode)
    answer_cache_bytes: int = 32_000_000  # per web worker; 0 turns the answer cache off
    # one-triple-pattern queries with a given subject, two given terms or a LIMIT up to this are
    # answered in the web worker (sparql.worker_lane); 0 sends every query to a query process
    worker_lane_limit: int = 10_000
    validation_max_bytes: int = 5_000_000  # largest document POST /api/validate and /validate accept (413 above)
    validation_timeout: float = 20.0  # seconds one validation may run (503 past it; bench/validation_service.py)
    validation_workers: int = 2  # validations at once per web worker (429 with Retry-After above)
    # checked before a query reaches Oxigraph, whose recursive parser and evaluator would exhaust the
    # query process's stack past these (bench/README.md: the depths measured and the margin kept)
    max_query_tokens: int = 25_000
    max_query_nesting: int = 100
    max_query_depth: int = 2_000
    # request bodies: read within body_timeout seconds, at no less than body_min_rate bytes/s once
    # body_grace seconds have passed, by at most body_readers requests at once per web worker
    body_timeout: float = 30.0
    body_min_rate: int = 1_000
    body_grace: float = 2.0
    body_readers: int = 4

    @classmethod
    def from_environment(cls, **overrides) -> "Settings":
        settings = cls()
        for name, default in settings.__dict__.items():
            raw = os.environ.get(f"SSBONTO_{name.upper()}")
            if raw is None:
                continue
            if isinstance(default, Path):
                value = Path(raw)
            elif isinstance(default, float):
                value = float(raw)
            elif isinstance(default, int):
                value = int(raw)
            elif isinstance(default, list):
                value = [item for item in raw.split(",") if item]
            else:
                value = raw
            setattr(settings, name, value)
        for name, value in overrides.items():
            if value is not None:
                setattr(settings, name, value)
        return settings
