"""Read a REFI-QDA file (``.qdpx``, a bare ``project.qde``, or a ``.qdc`` code book).

Another program's file is read as it is, whatever it holds beyond what coder needs: the code
tree, the users, the text sources and every coding on them (on a selection or on a whole
source). Every problem in the file is reported at once (:class:`coder.errors.InputError`); a
problem's row is the line of ``project.qde`` it is on. :mod:`coder.refi.imports` takes the
codings into a project.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from coder.errors import InputError, Problem

PROJECT_NS_PREFIX = "urn:QDA-XML:project:"
CODEBOOK_NS_PREFIX = "urn:QDA-XML:codebook:"
QDE_NAME = "project.qde"
_SELECTIONS = (
    "PlainTextSelection",
    "PictureSelection",
    "PDFSelection",
    "AudioSelection",
    "VideoSelection",
)
_SOURCES = ("TextSource", "PictureSource", "PDFSource", "AudioSource", "VideoSource")


def norm_guid(guid: str) -> str:
    """A GUID as coder compares them: without braces, upper case."""
    return guid.strip().strip("{}").upper()


@dataclass(frozen=True)
class QdaCode:
    """A code of the file's code book, with its children."""

    guid: str
    name: str
    codable: bool
    description: str
    children: tuple[QdaCode, ...]
    line: int | None

    def walk(self, parents: tuple[QdaCode, ...] = ()) -> list[tuple[QdaCode, tuple[QdaCode, ...]]]:
        """This code and every code under it, each with its ancestors (nearest last)."""
        out = [(self, parents)]
        for child in self.children:
            out += child.walk((*parents, self))
        return out


@dataclass(frozen=True)
class QdaSource:
    """A source: its kind (``TextSource``, ``PDFSource``, ...), name and, for a plain text
    source, its text (``None`` when the file does not hold it)."""

    guid: str
    kind: str
    name: str
    text: str | None
    line: int | None


@dataclass(frozen=True)
class QdaCoding:
    """One code applied by one user to a source (``code`` is ``None`` for a selection that
    holds no coding: seen, no code). ``note`` is the selection's description."""

    source: str
    user: str
    code: str | None
    start: int | None
    end: int | None
    note: str
    line: int | None


@dataclass
class QdaProject:
    """What a REFI-QDA file holds, as coder reads it.

    ``codebook`` is the code tree; ``codings`` the codings by user name (the user's GUID when
    the file does not name it, ``""`` when a coding names no user).
    """

    path: str
    kind: str  # "project" or "codebook"
    codebook: tuple[QdaCode, ...] = ()
    users: dict[str, str] = field(default_factory=dict)  # GUID -> name
    sources: dict[str, QdaSource] = field(default_factory=dict)
    codings: dict[str, list[QdaCoding]] = field(default_factory=dict)

    def codes(self) -> dict[str, tuple[QdaCode, tuple[QdaCode, ...]]]:
        """Every code by GUID, with its ancestors."""
        return {c.guid: (c, up) for top in self.codebook for c, up in top.walk()}


class _Reader:
    def __init__(
        self,
        label: str,
        ns: str,
        files: dict[str, zipfile.ZipInfo],
        archive: zipfile.ZipFile | None,
    ) -> None:
        self.label = label
        self.ns = ns
        self.files = files
        self.archive = archive
        self.problems: list[Problem] = []

    def q(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}"

    def add(self, line: int | None, column: str, found: str, expected: str, fix: str) -> None:
        self.problems.append(Problem(self.label, line, column, found, expected, fix))

    def attr(self, el: etree._Element, name: str) -> str:
        value = el.get(name)
        if value is None or not value.strip():
            tag = etree.QName(el).localname
            self.add(
                el.sourceline,
                tag,
                f"a {tag} without {name!r}",
                f"a {tag} with {name!r}",
                "export the file again from the program; it is not valid QDA-XML",
            )
            return ""
        return value

    def code(self, el: etree._Element) -> QdaCode:
        desc = el.findtext(self.q("Description")) or ""
        return QdaCode(
            norm_guid(self.attr(el, "guid")),
            self.attr(el, "name").strip(),
            el.get("isCodable", "true").strip().lower() in ("true", "1"),
            desc.strip(),
            tuple(self.code(c) for c in el.findall(self.q("Code"))),
            el.sourceline,
        )

    def text(self, el: etree._Element) -> str | None:
        content = el.find(self.q("PlainTextContent"))
        if content is not None:
            return content.text or ""
        path = el.get("plainTextPath") or ""
        if not path.startswith("internal://") or self.archive is None:
            return None
        name = path.removeprefix("internal://").lstrip("/")
        info = self.files.get(f"sources/{name}".casefold())
        if info is None:
            return None
        try:
            return self.archive.read(info).decode("utf-8-sig")
        except UnicodeDecodeError:
            self.add(
                el.sourceline,
                "plainTextPath",
                f"{info.filename} not in UTF-8",
                "plain text in UTF-8 (REFI-QDA 9.1.2)",
                "export the file again",
            )
            return None

    def codings(self, source: etree._Element, guid: str) -> list[tuple[str, QdaCoding]]:
        """(user GUID, coding) of every coding on a source and its selections."""
        out: list[tuple[str, QdaCoding]] = []
        owner = source.get("creatingUser") or ""

        def add(
            el: etree._Element, user: str, start: int | None, end: int | None, note: str
        ) -> None:
            ref = el.find(self.q("CodeRef"))
            target = "" if ref is None else self.attr(ref, "targetGUID")
            if ref is None:
                self.add(
                    el.sourceline,
                    "Coding",
                    "a Coding without a CodeRef",
                    "a CodeRef naming the code",
                    "export the file again",
                )
            user = el.get("creatingUser") or user
            out.append(
                (user, QdaCoding(guid, user, norm_guid(target), start, end, note, el.sourceline))
            )

        for coding in source.findall(self.q("Coding")):
            add(coding, owner, None, None, "")
        for sel in source:
            if not isinstance(sel.tag, str) or etree.QName(sel).localname not in _SELECTIONS:
                continue
            user = sel.get("creatingUser") or owner
            start, end = self.position(sel, "startPosition"), self.position(sel, "endPosition")
            note = (sel.findtext(self.q("Description")) or "").strip()
            found = sel.findall(self.q("Coding"))
            for coding in found:
                add(coding, user, start, end, note)
            if not found:
                out.append((user, QdaCoding(guid, user, None, start, end, note, sel.sourceline)))
        return out

    def position(self, sel: etree._Element, name: str) -> int | None:
        value = sel.get(name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            self.add(sel.sourceline, name, repr(value), "a whole number", "export the file again")
            return None


def _fail(label: str, line: int | None, found: str, expected: str, fix: str) -> InputError:
    return InputError([Problem(label, line, None, found, expected, fix)])


def _open(path: Path) -> tuple[bytes, str, dict[str, zipfile.ZipInfo], zipfile.ZipFile | None]:
    """The XML bytes, a label for problems, the zip's files (by lower-case name) and the zip."""
    label = str(path)
    try:
        if not zipfile.is_zipfile(path):
            if path.suffix.lower() == ".qdpx":
                raise _fail(
                    label,
                    None,
                    "a file that is not a zip archive",
                    "a .qdpx file (a zip holding project.qde)",
                    "export the project again from the program",
                )
            return path.read_bytes(), label, {}, None
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise _fail(
            label, None, f"an unreadable file ({exc})", "a readable REFI-QDA file", "check the path"
        ) from exc
    files = {i.filename.casefold(): i for i in archive.infolist()}
    info = files.get(QDE_NAME)
    if info is None:
        found = ", ".join(sorted(i.filename for i in archive.infolist())[:10]) or "nothing"
        archive.close()
        raise _fail(
            label,
            None,
            f"no {QDE_NAME} in the zip (found: {found})",
            f"a .qdpx file holding {QDE_NAME} at its top level",
            "export the project again as REFI-QDA (.qdpx)",
        )
    return archive.read(info), f"{label}/{info.filename}", files, archive


def read_qdpx(path: str | Path) -> QdaProject:
    """Read a REFI-QDA project (``.qdpx``, or a bare ``.qde``) or code book (``.qdc``).

    Raises
    ------
    InputError
        for a file that is not a zip, a zip without ``project.qde``, XML that does not parse or
        is not QDA-XML, and every element that lacks what QDA-XML requires, all at once.
    """
    path = Path(path)
    data, label, files, archive = _open(path)
    try:
        return _read(data, label, files, archive)
    finally:
        if archive is not None:
            archive.close()


def _read(
    data: bytes, label: str, files: dict[str, zipfile.ZipInfo], archive: zipfile.ZipFile | None
) -> QdaProject:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _fail(
            label,
            exc.lineno,
            f"invalid XML ({exc.msg})",
            "a QDA-XML document",
            "export the file again from the program",
        ) from exc
    name = etree.QName(root)
    ns = name.namespace or ""
    if name.localname == "Project" and ns.startswith(PROJECT_NS_PREFIX):
        kind = "project"
    elif name.localname == "CodeBook" and ns.startswith(CODEBOOK_NS_PREFIX):
        kind = "codebook"
    else:
        raise _fail(
            label,
            root.sourceline,
            f"the root element {name.localname!r} in namespace {ns!r}",
            "<Project> in urn:QDA-XML:project:1.0 or <CodeBook> in urn:QDA-XML:codebook:1.0",
            "give a REFI-QDA file (.qdpx, .qde or .qdc)",
        )
    r = _Reader(label, ns, files, archive)
    codes_el = (
        root.find(r.q("Codes"))
        if kind == "codebook"
        else root.find(f"{r.q('CodeBook')}/{r.q('Codes')}")
    )
    out = QdaProject(label, kind)
    if codes_el is not None:
        out.codebook = tuple(r.code(c) for c in codes_el.findall(r.q("Code")))
    for el in root.findall(f"{r.q('Users')}/{r.q('User')}"):
        guid = norm_guid(r.attr(el, "guid"))
        out.users[guid] = (el.get("name") or "").strip() or guid
    for el in root.findall(r.q("Sources") + "/*"):
        if not isinstance(el.tag, str) or etree.QName(el).localname not in _SOURCES:
            continue
        guid = norm_guid(r.attr(el, "guid"))
        kind_ = etree.QName(el).localname
        text = r.text(el) if kind_ == "TextSource" else None
        out.sources[guid] = QdaSource(
            guid, kind_, (el.get("name") or "").strip(), text, el.sourceline
        )
        for user, coding in r.codings(el, guid):
            user_name = out.users.get(norm_guid(user), norm_guid(user)) if user else ""
            out.codings.setdefault(user_name, []).append(coding)
    if r.problems:
        raise InputError(r.problems)
    return out
