"""Exchange with QDA programs (NVivo, ATLAS.ti, MAXQDA, QualCoder) through REFI-QDA (QDA-XML 1.0).

``codebook`` writes the code tree (a ``.qdc`` file) and holds the shared GUID scheme;
``export`` writes a project (``.qdpx``); ``read`` reads another program's file; ``imports``
takes its codings into the store through the same checks and audited write path as any codings
import. Imports only ``coder.data`` and ``coder.errors``.
"""
