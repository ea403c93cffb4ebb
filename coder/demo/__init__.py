"""The bundled example run end to end (``example``), locally or through a real Label Studio
(``studio``). Uses every stage below it; nothing below imports it.
"""
