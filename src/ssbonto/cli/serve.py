"""`ssbonto serve`: the web service (server/ssbonto_server) under granian (or gunicorn), with
production defaults: worker processes with threads, JSON logs on standard error, a graceful stop
that lets running queries finish. Builds the release first when there is none or its sources changed.

Every flag has an environment variable, SSBONTO_<FLAG IN UPPER CASE> (SSBONTO_PORT, ...);
flags win over the environment. Service limits are the fields of ssbonto_server.settings.Settings.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication

from ..errors import BuildError
from ..sources import default_release_dir
from ..store import STORE_MODES, choose_mode


def _env(name: str, default, kind=str):
    raw = os.environ.get(f"SSBONTO_{name.upper()}")
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        raise SystemExit(f"error: SSBONTO_{name.upper()}={raw!r} is not a valid {kind.__name__}")


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    cores = os.cpu_count() or 1
    parser.add_argument("--host", default=_env("host", "127.0.0.1"),
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    parser.add_argument("--port", type=int, default=_env("port", 8000, int), help="TCP port (default 8000)")
    parser.add_argument("--workers", type=int, default=_env("workers", min(cores, 4), int),
                        help=f"web worker processes (default: cores, at most 4; here {min(cores, 4)})")
    parser.add_argument("--threads", type=int, default=_env("threads", 8, int),
                        help="requests each web worker handles at once (default 8)")
    parser.add_argument("--query-processes", type=int, default=None,
                        help="query processes per web worker (default 2)")
    parser.add_argument("--query-timeout", type=float, default=None,
                        help="seconds a query may run before it is stopped with 503 (default 30)")
    parser.add_argument("--max-query-bytes", type=int, default=None, help="largest query accepted (default 100000)")
    parser.add_argument("--allow-service", action="append", default=None, metavar="IRI",
                        help="an endpoint or graph IRI that SERVICE / FROM may reach (repeatable; an IRI ending "
                             "in / allows everything below it); none by default")
    parser.add_argument("--store", default=_env("store", ""), metavar="sparql+http://HOST:PORT/PATH",
                        help="answer from this SPARQL 1.1 endpoint (loaded with `ssbonto push`) instead of the "
                             "embedded store; downloads still come from the local release")
    parser.add_argument("--store-mode", default=_env("store_mode", "auto"), choices=STORE_MODES,
                        help="hold the embedded store in memory in every process (fastest joins), or read the "
                             "release's on-disk store shared by all (starts at once, little memory); auto: memory "
                             "up to 250 000 triples (default auto)")
    parser.add_argument("--answer-cache-bytes", type=int, default=None,
                        help="answers to GET queries kept per web worker (default 32000000; 0: no cache)")
    parser.add_argument("--worker-lane-limit", type=int, default=None, metavar="N",
                        help="answer queries that are one triple pattern in the web worker, without the handoff "
                             "to a query process, when its subject is given, two of its terms are, or its LIMIT "
                             "is at most N (default 10000; 0: every query goes to a query process)")
    parser.add_argument("--validation-max-bytes", type=int, default=None,
                        help="largest document /api/validate accepts (default 5000000; 413 above)")
    parser.add_argument("--validation-timeout", type=float, default=None,
                        help="seconds one validation may run before it is stopped with 503 (default 20)")
    parser.add_argument("--validation-workers", type=int, default=None,
                        help="validations at once per web worker, one process each (default 2; 429 above)")
    parser.add_argument("--http-server", default=_env("http_server", "granian"), choices=("granian", "gunicorn"),
                        help="the HTTP server running the web workers (default granian; bench/README.md compares)")
    parser.add_argument("--rebuild", action="store_true",
                        help="build the release before serving even when it is up to date with its sources")
    parser.add_argument("--log-level", default=_env("log_level", "info"),
                        choices=["debug", "info", "warning", "error"], help="info logs every request (default)")
    return parser


def run(args) -> int:
    from .release import build_if_needed

    if args.store:
        from ..store.remote import endpoint_url

        try:
            endpoint_url(args.store)
        except ValueError as error:
            raise SystemExit(f"error: --store: {error}")
    release = Path(args.release_dir) if getattr(args, "release_dir", None) else default_release_dir()
    build_if_needed(None, release, rebuild=args.rebuild, keep_undigested=True)  # when the sources changed
    if not args.store:
        try:
            store_mode = choose_mode(release, args.store_mode)
        except BuildError as error:
            raise SystemExit(f"error: --store-mode {args.store_mode}: {error.problems[0]}")

    from ssbonto_server.access_log import configure_logging
    from ssbonto_server.settings import Settings
    from ssbonto_server.wsgi import hand_over

    settings = Settings.from_environment(
        release_dir=release, query_timeout=args.query_timeout, query_processes=args.query_processes,
        max_query_bytes=args.max_query_bytes, service_allow_list=args.allow_service,
        store=args.store or None, store_mode=args.store_mode, answer_cache_bytes=args.answer_cache_bytes,
        worker_lane_limit=args.worker_lane_limit,
        validation_max_bytes=args.validation_max_bytes, validation_timeout=args.validation_timeout,
        validation_workers=args.validation_workers)
    configure_logging(args.log_level)
    hand_over(settings, args.log_level)
    workers, threads = max(1, args.workers), max(1, args.threads)
    print(f"serving ssbonto from {release.resolve()} at http://{args.host}:{args.port}/ "
          f"(SPARQL at /sparql; {args.http_server}, {workers} workers x {threads} threads, "
          f"{settings.query_processes} query processes each; "
          + (f"store {settings.store}" if settings.store else f"embedded store {store_mode}")
          + (f", answer cache {settings.answer_cache_bytes:,} bytes per worker" if settings.answer_cache_bytes
             else ", no answer cache") + ")", file=sys.stderr, flush=True)
    if args.http_server == "gunicorn":
        _serve_with_gunicorn(args, settings, workers, threads)
    else:
        _serve_with_granian(args, settings, workers, threads)
    return 0


def _serve_with_granian(args, settings, workers: int, threads: int) -> None:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings, HTTP2Settings
    from granian.log import LogLevels

    server = Granian(
        "ssbonto_server.wsgi:application", factory=True, interface=Interfaces.WSGI,
        address=args.host, port=args.port, workers=workers, blocking_threads=threads,
        # headers within 10 s; request bodies are read by the application (ssbonto_server.request_body)
        http1_settings=HTTP1Settings(header_read_timeout=10_000, keep_alive=True),
        # HTTP/1.1 for SPARQL clients; a client opening with the HTTP/2 preface (h2c) is answered in
        # HTTP/2 instead of being dropped. TLS belongs to the proxy in front.
        http=HTTPModes.auto,
        http2_settings=HTTP2Settings(max_concurrent_streams=32, max_headers_size=65_536, keep_alive_timeout=20),
        log_level=LogLevels(args.log_level),
        respawn_failed_workers=True,
        respawn_interval=0.5,  # a killed worker is replaced at once; it takes requests once it can answer them
        workers_kill_timeout=int(settings.query_timeout) + 5,  # running queries finish on SIGTERM
    )
    server.serve()


def _serve_with_gunicorn(args, settings, workers: int, threads: int) -> None:
    options = {
        "bind": f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,  # worker heartbeat; a gthread worker beats while its threads run queries
        "graceful_timeout": int(settings.query_timeout) + 5,  # running queries finish on SIGTERM
        "keepalive": 5,
        "limit_request_line": 8190,  # gunicorn's maximum: longer GET queries must be POSTed
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "accesslog": None,  # the app writes its own structured access log
        "errorlog": "-",
        "loglevel": args.log_level,
        "proc_name": "ssbonto",
        "control_socket_disable": True,  # no socket in $HOME shared by every server on the machine
        "worker_exit": _stop_query_processes,
    }
    _Gunicorn(options).run()


def _stop_query_processes(server, worker) -> None:
    from ssbonto_server.sparql.query_runner import query_runner
    from ssbonto_server.validation.pool import POOL_KEY

    if getattr(worker, "wsgi", None) is not None:
        query_runner(worker.wsgi).close()
        if POOL_KEY in worker.wsgi.extensions:  # validator processes, if a validation started them
            worker.wsgi.extensions[POOL_KEY].close()


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # control_socket_disable exists from gunicorn 25 on
                self.cfg.set(key, value)

    def load(self):
        from ssbonto_server.wsgi import application

        return application()
