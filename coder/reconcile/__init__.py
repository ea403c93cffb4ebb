"""Reconciliation: the merge rules that turn coders', adjudicators' and the model's codes into
one final coding per item (``rules``) and the adjudication queue and decisions
(``adjudicate``). Imports only ``coder.data`` and ``coder.errors``.
"""
