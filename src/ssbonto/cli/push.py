"""`ssbonto push --to URL`: load the release into a remote store (ssbonto.store.push)."""

from __future__ import annotations

import argparse
import sys
import urllib.error
from pathlib import Path

from ..sources import default_release_dir
from ..store.push import push, without_password
from ..store.remote import RemoteStoreError

EXIT_OK, EXIT_FAILED = 0, 1


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--to", required=True, metavar="URL",
                        help="the store's SPARQL 1.1 Graph Store Protocol endpoint (http://HOST:PORT/PATH; "
                             "user:password@ in it for stores that ask for credentials)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds one graph upload may take")
    return parser


def run(args) -> int:
    release = Path(args.release_dir) if getattr(args, "release_dir", None) else default_release_dir()
    try:
        counts = push(release, args.to, args.timeout, log=lambda message: print(message, file=sys.stderr))
    except (ValueError, FileNotFoundError, RemoteStoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except urllib.error.HTTPError as error:
        detail = error.read(2000).decode("utf-8", "replace").strip()
        print(f"error: the store refused the upload to {error.url}: {error.code} {error.reason}"
              + (f": {detail}" if detail else ""), file=sys.stderr)
        return EXIT_FAILED
    print(f"pushed {sum(counts.values())} triples in {len(counts)} graphs to {without_password(args.to)}")
    return EXIT_OK
