"""The reading tools of the release this process serves, built once and kept with it: the
Describer (labels, links, raw statements), the class Hierarchy and the Reader the pages query with."""

from __future__ import annotations

from flask import current_app, request

from ..served import served_release
from .hierarchy import Hierarchy
from .reading import Reader
from .resource_view import Describer


def base_iri() -> str:
    return current_app.config["SSBONTO"].base_iri


def describer() -> Describer:
    served = served_release()
    return served.cached("describer", lambda: Describer(served.store.store, base_iri(), request.script_root))


def reader() -> Reader:
    served = served_release()
    described = describer()
    hierarchy = served.cached("hierarchy", lambda: Hierarchy(Reader(served.store, described)))
    return Reader(served.store, described, hierarchy)


def template_helpers(reading: Reader) -> dict:
    """What every page template may call: links and labels of IRIs."""
    return {"link": reading.link, "label": reading.label, "href": reading.href, "reader": reading}
