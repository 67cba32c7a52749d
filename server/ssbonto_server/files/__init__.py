"""Release files over HTTP: the downloads, their listing, VoID and the JSON-LD context, and the
RDF documents written for linked-data pages."""
