"""Suggestions: sentence embeddings, the classifier trained on human codes, model folders,
prediction and writing suggestions to the store, the sampling of what humans code next, and
scale-out of prediction over many contributions (Dask).

Imports only ``coder.data`` and ``coder.errors`` from the rest of the package.
"""
