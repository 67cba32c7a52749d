"""The build room, in the order data flows through it: tables -> curation (with chemistry and the
vocabulary read from the TBox) -> populate -> reason (HermiT) -> validate (SHACL) -> release.
`pipeline` runs them and publishes the release atomically; `ssbonto build` calls it.

`from ssbonto.build import build` keeps working; the names below are loaded on first use, so that
importing one stage (say, chemistry) does not import the whole pipeline.
"""

from __future__ import annotations

_EXPORTS = {
    "build": "pipeline", "generate": "pipeline", "BuildResult": "pipeline", "print_problems": "pipeline",
    "load_tbox": "tbox", "ontology_version": "tbox", "table_captions": "curation",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
