"""Pages for people and dereferencing: linked-data pages for every IRI, the ontology's
documentation, the landing and query pages."""
