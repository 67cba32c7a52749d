"""ssbonto: an OWL 2 DL knowledge graph of characterization techniques for solid-state batteries."""

__version__ = "1.1.0"
