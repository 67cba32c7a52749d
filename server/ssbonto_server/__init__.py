"""The ssbonto web service: SPARQL 1.1 protocol, linked-data pages, dumps and a UI (Flask)."""

__all__ = ["create_app"]


def __getattr__(name):
    # lazily, so that query processes (python -m ssbonto_server.sparql.query_worker) never load Flask
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
