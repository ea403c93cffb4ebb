"""REFI-QDA basics shared by export and import (namespaces, the GUID scheme, the code tree)
and the code book file (``.qdc``).

REFI-QDA (QDA-XML 1.0) is the exchange standard of NVivo, ATLAS.ti, MAXQDA, QualCoder and
others. A code book is a ``.qdc`` file (XML in ``urn:QDA-XML:codebook:1.0``); a project is a
``.qdpx`` file (:mod:`coder.refi.export`). coder's codebook is a code tree: each frame a folder
(``isCodable="false"``) of its codes, each code's definition its ``Description``, then one
more code, *Not relevant* (an exclusion, not a code of any frame).

Every GUID is a UUID 5 of project-local ids: a code's of the codebook's id and the code's frame
and id (so a ``.qdc`` and a ``.qdpx`` of the same codebook agree); a source's, user's,
selection's or coding's also of the project's creation time. Exporting again gives the same
GUIDs, and an import recognises what coder exported.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from lxml import etree

from coder.data.codebook import NOT_RELEVANT, Codebook
from coder.data.store import Project
from coder.errors import OutputError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
NOT_RELEVANT_NAME = "Not relevant"
_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, "urn:coder:refi-qda")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(_ROOT, "\x1f".join(parts))).upper()


@dataclass(frozen=True)
class Guids:
    """The GUIDs of a codebook's (``project_key`` empty) or a project's export."""

    codebook_id: str
    project_key: str = ""

    @classmethod
    def of(cls, project: Project) -> Guids:
        return cls(project.codebook.id, project.meta("created_at") or str(project.path.name))

    def frame(self, frame_id: str) -> str:
        return _guid("frame", self.codebook_id, frame_id)

    def code(self, frame_id: str, code_id: str) -> str:
        return _guid("code", self.codebook_id, frame_id, code_id)

    def not_relevant(self) -> str:
        return _guid("code", self.codebook_id, NOT_RELEVANT)

    def source(self, idea_id: str) -> str:
        return _guid("source", self.project_key, idea_id)

    def user(self, coder_id: str) -> str:
        return _guid("user", self.project_key, coder_id)

    def selection(self, idea_id: str, coder_id: str) -> str:
        return _guid("selection", self.project_key, idea_id, coder_id)

    def coding(self, idea_id: str, coder_id: str, frame_id: str, code_id: str) -> str:
        return _guid("coding", self.project_key, idea_id, coder_id, frame_id, code_id)

    def case(self, question_id: str) -> str:
        return _guid("case", self.project_key, question_id)

    def variable(self, name: str) -> str:
        return _guid("variable", self.project_key, name)


def el(parent: etree._Element | None, ns: str, tag: str, **attrs: str) -> etree._Element:
    """A new element ``tag`` in namespace ``ns`` (the root, the default namespace, when
    ``parent`` is None)."""
    name = f"{{{ns}}}{tag}"
    if parent is None:
        return etree.Element(name, attrs, nsmap={None: ns})
    return etree.SubElement(parent, name, attrs)


def text_el(parent: etree._Element, ns: str, tag: str, text: str) -> etree._Element:
    """A new element holding ``text`` (without the control characters XML cannot hold)."""
    out = el(parent, ns, tag)
    out.text = _NOT_XML.sub("", text)
    return out


def code_tree(parent: etree._Element, ns: str, codebook: Codebook, guids: Guids) -> None:
    """The codebook as ``Code`` elements: frames as folders of their codes, then
    *Not relevant*."""
    labels = {q.id: q.label for q in codebook.questions}
    for frame in codebook.frames:
        folder = el(
            parent, ns, "Code", guid=guids.frame(frame.id), name=frame.label, isCodable="false"
        )
        rule = "at most one code per idea" if frame.exclusive else "any number of codes per idea"
        questions = "; ".join(labels.get(q, q) for q in frame.questions)
        text_el(folder, ns, "Description", f"Coding frame {frame.id!r} ({rule}); {questions}")
        for code in frame.codes:
            child = el(
                folder,
                ns,
                "Code",
                guid=guids.code(frame.id, code.id),
                name=code.label,
                isCodable="true",
            )
            if code.definition:
                text_el(child, ns, "Description", code.definition)
    excluded = el(
        parent, ns, "Code", guid=guids.not_relevant(), name=NOT_RELEVANT_NAME, isCodable="true"
    )
    text_el(
        excluded,
        ns,
        "Description",
        "The idea is left out of the tables (not a code of any frame). Write why in the "
        "coded segment's comment (the selection's description).",
    )


def codebook_xml(codebook: Codebook) -> bytes:
    """The codebook as a REFI-QDA code book (``.qdc``) document."""
    root = el(None, CODEBOOK_NS, "CodeBook", origin=origin())
    code_tree(el(root, CODEBOOK_NS, "Codes"), CODEBOOK_NS, codebook, Guids(codebook.id))
    return serialise(root)


def export_qdc(codebook: Codebook, path: str | Path) -> Path:
    """Write the codebook as a REFI-QDA code book file (``.qdc``); return its path."""
    path = Path(path)
    write_file(path, lambda: path.write_bytes(codebook_xml(codebook)))
    return path


def origin() -> str:
    """The ``origin`` attribute: the program and its version."""
    try:
        return f"coder {version('coder')}"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "coder"


def serialise(root: etree._Element) -> bytes:
    """The document as UTF-8 XML with a declaration, indented (deterministic)."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_file(path: Path, writer: Callable[[], object]) -> None:
    """Run ``writer``, turning a failure to write ``path`` into :class:`OutputError`."""
    try:
        writer()
    except OSError as exc:
        raise OutputError(
            f"cannot write {path} ({exc.strerror}); check that its folder exists and is writable"
        ) from exc
