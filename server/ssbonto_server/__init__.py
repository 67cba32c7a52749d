"""The ssbonto web service: SPARQL 1.1 protocol, linked-data pages, dumps and a UI (Flask)."""

from .app import create_app

__all__ = ["create_app"]
