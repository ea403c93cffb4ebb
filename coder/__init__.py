"""coder: NLP-assisted thematic coding of crowdsourced contributions."""

__version__ = "0.1.0"
