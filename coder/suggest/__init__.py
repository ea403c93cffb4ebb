"""Suggestions: sentence embeddings, the classifier trained on human codes, model folders,
prediction and writing suggestions to the store, the sampling of what humans code next, and
scale-out of prediction over many contributions (Dask).

The modules, bottom up: ``onnx_int8`` (the int8 forward pass: export, quantisation, cache,
onnxruntime), ``embeddings`` (sentence vectors, their backends and their cache), ``features`` and
``classifier`` (the scikit-learn transformer and estimator), ``coverage`` (the
coverage-quality curve and the confidence cut for a target F1), ``settings`` (training settings),
``models`` (model folders), ``ideas`` (the store as this stage reads it), ``lookup`` (the
project's models, the newest found once), ``policy`` (which codings are training labels),
``predict``, ``scaleout`` (Dask), ``train``, ``write`` (suggestions into the store),
``zeroshot``, ``sampling`` and ``evaluate`` (agreement with a reference; the demo's step).

Imports only ``coder.data`` and ``coder.errors`` from the rest of the package.
"""
