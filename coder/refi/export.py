"""REFI-QDA export: a coded project as a ``.qdpx`` file (the codebook alone, a ``.qdc`` file,
is :mod:`coder.refi.codebook`).

REFI-QDA (QDA-XML 1.0) is the exchange standard of NVivo, ATLAS.ti, MAXQDA, QualCoder and
others. A ``.qdpx`` file is a zip holding ``project.qde`` (XML in the namespace
``urn:QDA-XML:project:1.0``) and a ``Sources/`` folder. What coder writes:

==================  ========================================================================
REFI-QDA            coder
==================  ========================================================================
``Code`` (folder)   a coding frame (``isCodable="false"``), its codes as children, each with
                    its definition as ``Description``; one more code, *Not relevant*
``User``            a coder (human, reference, model or ``final``, the reconciled codes)
``TextSource``      an idea: its text (redacted unless asked otherwise) in
                    ``Sources/<GUID>.txt`` (UTF-8), named by the idea's id
``PlainText-        one per (idea, coder) coding, covering the whole text; a ``Coding`` per
Selection``         code; an exclusion's reason is the selection's ``Description``
``Case``            a question, with its text and the ideas analysed under it; with
                    ``participants=True``, also a participant who posted ideas, with their
                    questionnaire answers as variable values and their ideas
``Variable``        *Question* and *Posted under*, on every source; with ``participants=True``,
                    *Participant: <column>* for each questionnaire column
==================  ========================================================================

Every GUID is a UUID 5 of project-local ids (:class:`coder.refi.codebook.Guids`) and the zip is
written with fixed timestamps: exporting the same project twice gives the same bytes.
Questionnaire answers are exported only when asked for (``participants=True``): joined to the
texts a person wrote, answers make them easier to identify, which coder's own tables never do.
Reading such files is :mod:`coder.refi.read`; importing their codings,
:mod:`coder.refi.imports`.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from coder.data.codebook import NOT_RELEVANT, Codebook
from coder.data.redact import Redactor, redact_cached
from coder.data.store import Project
from coder.errors import OutputError, ProjectError
from coder.refi.codebook import (
    PROJECT_NS,
    Guids,
    code_tree,
    el,
    origin,
    serialise,
    text_el,
    write_file,
)

SOURCES_DIR = "Sources"
KINDS = ("human", "reference", "model", "final")
VARIABLES = {
    "Question": "The question the idea is analysed under",
    "Posted under": "The question the idea was posted under",
}
MAX_INTERNAL_FILE = 2**31 - 1  # the standard's limit for a file inside the zip (8.5)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class QdpxExport:
    """What :func:`export_qdpx` wrote."""

    path: Path
    sources: int
    users: tuple[str, ...]
    selections: int
    codings: int
    redacted: bool


@dataclass(frozen=True)
class _Coding:
    idea: str
    coder: str
    reason: str | None
    updated_at: str
    codes: tuple[tuple[str, str], ...]  # (frame, code) in codebook order


def _codings(project: Project, kinds: Sequence[str]) -> tuple[dict[str, str], list[_Coding]]:
    marks = ",".join("?" * len(kinds))
    coders = dict(
        project.conn.execute(
            f"SELECT coder_id, kind FROM coders WHERE kind IN ({marks}) ORDER BY coder_id",
            tuple(kinds),
        )
    )
    order = {
        (f.id, c.id): (i, j)
        for i, f in enumerate(project.codebook.frames)
        for j, c in enumerate(f.codes)
    }
    codes: dict[tuple[str, str], list[tuple[str, str]]] = {}
    stale = set()
    for idea, coder, frame, code in project.conn.execute(
        "SELECT idea_id, coder_id, frame_id, code_id FROM coding_codes"
    ):
        if coder in coders:
            codes.setdefault((idea, coder), []).append((frame, code))
            if (frame, code) not in order:
                stale.add(f"{frame}:{code}")
    if stale:
        raise ProjectError(
            f"codings hold codes the codebook no longer has ({', '.join(sorted(stale))}); "
            "carry them across with `coder codebook migrate` before exporting"
        )
    out = [
        _Coding(
            idea,
            coder,
            reason,
            updated,
            tuple(sorted(codes.get((idea, coder), []), key=order.__getitem__)),
        )
        for idea, coder, reason, updated in project.conn.execute(
            "SELECT idea_id, coder_id, not_relevant_reason, updated_at FROM codings "
            "ORDER BY idea_id, coder_id"
        )
        if coder in coders
    ]
    return coders, out


def export_qdpx(
    project: Project,
    path: str | Path,
    *,
    original_text: bool = False,
    kinds: Sequence[str] = KINDS,
    redactor: Redactor | None = None,
    participants: bool = False,
) -> QdpxExport:
    """Write the project as a REFI-QDA project file (``.qdpx``).

    Parameters
    ----------
    project
        The open project.
    path
        Where to write the file (replaced if it exists).
    original_text
        Export the ideas' original text. By default the text is redacted (names, emails, phone
        numbers, NHS numbers and postcodes replaced by placeholders, as in every export).
    kinds
        The kinds of coders whose codings are exported (default: all of them).
    redactor
        The redactor (default: :class:`coder.data.redact.Redactor` with spaCy's names).
    participants
        Also export each participant who posted an exported idea as a case, with their
        questionnaire answers as variable values and their ideas as the case's sources. Off by
        default: the answers, joined to what a person wrote, make them easier to identify.

    Raises
    ------
    ProjectError
        when stored codings hold codes the codebook no longer has.
    OutputError
        when the file cannot be written.
    """
    path = Path(path)
    guids = Guids.of(project)
    ideas = [
        _Idea(*row)
        for row in project.conn.execute(
            "SELECT idea_id, question, COALESCE(analysis_question, question), text FROM ideas "
            "ORDER BY idea_id"
        )
    ]
    if not original_text:
        redacted = redact_cached(project, [i.text for i in ideas], redactor)
        ideas = [_Idea(i.id, i.posted, i.question, t) for i, t in zip(ideas, redacted, strict=True)]
    coders, codings = _codings(project, kinds)
    name = project.path.resolve().name
    root = el(None, PROJECT_NS, "Project", name=name, origin=origin())
    if created := project.meta("created_at"):
        root.set("creationDateTime", created)
    if coders:
        users = el(root, PROJECT_NS, "Users")
        for coder in coders:
            el(users, PROJECT_NS, "User", guid=guids.user(coder), name=coder, id=coder)
    code_tree(
        el(el(root, PROJECT_NS, "CodeBook"), PROJECT_NS, "Codes"),
        PROJECT_NS,
        project.codebook,
        guids,
    )
    people = _participants(project) if participants else []
    _questions(root, project.codebook, guids, ideas, people)
    files = _sources(root, project.codebook, guids, ideas, codings) if ideas else []
    how = (
        "their original text"
        if original_text
        else "redacted text: names, emails, phone numbers, NHS numbers and postcodes replaced "
        "by placeholders"
    )
    text_el(
        root,
        PROJECT_NS,
        "Description",
        f"Ideas of the coder project {name} (codebook "
        f"{project.codebook.id}, version {project.codebook.hash}), with {how}.",
    )
    members = [("project.qde", serialise(root)), *files]
    write_file(path, lambda: _zip(path, members))
    applied = sum(len(c.codes) + (c.reason is not None) for c in codings)
    return QdpxExport(path, len(ideas), tuple(coders), len(codings), applied, not original_text)


@dataclass(frozen=True)
class _Idea:
    id: str
    posted: str  # the question it was posted under
    question: str  # the question it is analysed under
    text: str


@dataclass(frozen=True)
class _Person:
    id: str
    answers: tuple[tuple[str, str], ...]  # (questionnaire column, answer), in file order
    ideas: tuple[str, ...]


def _participants(project: Project) -> list[_Person]:
    """The participants who posted ideas, with their answers and ideas."""
    ideas: dict[str, list[str]] = {}
    for idea, author in project.conn.execute(
        "SELECT idea_id, author_id FROM ideas WHERE author_id != '' ORDER BY idea_id"
    ):
        ideas.setdefault(str(author), []).append(str(idea))
    answers = {
        str(pid): json.loads(raw or "{}")
        for pid, raw in project.conn.execute("SELECT participant_id, answers FROM participants")
    }
    return [
        _Person(
            pid,
            tuple((str(k), str(v)) for k, v in answers.get(pid, {}).items() if str(v).strip()),
            tuple(ideas[pid]),
        )
        for pid in sorted(ideas)
    ]


def _questions(
    root: etree._Element,
    codebook: Codebook,
    guids: Guids,
    ideas: list[_Idea],
    people: Sequence[_Person] = (),
) -> None:
    """The variables (two on every source, and the questionnaire's columns when participants
    are exported), a case per question holding its ideas, and one per participant."""
    variables = el(root, PROJECT_NS, "Variables")
    columns = list(dict.fromkeys(column for p in people for column, _ in p.answers))
    about = {**VARIABLES, **{f"Participant: {c}": f"The answer to {c!r}" for c in columns}}
    for name, about_it in about.items():
        var = el(
            variables,
            PROJECT_NS,
            "Variable",
            guid=guids.variable(name),
            name=name,
            typeOfVariable="Text",
        )
        text_el(var, PROJECT_NS, "Description", about_it)
    asked = [q for q in codebook.questions if any(i.question == q.id for i in ideas)]
    exported = {i.id for i in ideas}
    people = [p for p in people if exported.intersection(p.ideas)]
    if not asked and not people:
        return
    cases = el(root, PROJECT_NS, "Cases")
    for q in asked:
        case = el(cases, PROJECT_NS, "Case", guid=guids.case(q.id), name=q.label)
        text_el(case, PROJECT_NS, "Description", q.text or q.label)
        for i in ideas:
            if i.question == q.id:
                el(case, PROJECT_NS, "SourceRef", targetGUID=guids.source(i.id))
    for person in people:
        case = el(cases, PROJECT_NS, "Case", guid=guids.case(f"participant {person.id}"))
        case.set("name", f"Participant {person.id}")
        for column, answer in person.answers:
            value = el(case, PROJECT_NS, "VariableValue")
            el(
                value,
                PROJECT_NS,
                "VariableRef",
                targetGUID=guids.variable(f"Participant: {column}"),
            )
            text_el(value, PROJECT_NS, "TextValue", answer)
        for idea in person.ideas:
            if idea in exported:
                el(case, PROJECT_NS, "SourceRef", targetGUID=guids.source(idea))


def _sources(
    root: etree._Element,
    codebook: Codebook,
    guids: Guids,
    ideas: list[_Idea],
    codings: list[_Coding],
) -> list[tuple[str, bytes]]:
    """A text source per idea, with a selection over its whole text per coding; the files."""
    ns = PROJECT_NS
    labels = {q.id: q.label for q in codebook.questions}
    by_idea: dict[str, list[_Coding]] = {}
    for c in codings:
        by_idea.setdefault(c.idea, []).append(c)
    sources = el(root, ns, "Sources")
    files = []
    for idea in ideas:
        guid = guids.source(idea.id)
        files.append((f"{SOURCES_DIR}/{guid}.txt", idea.text.encode("utf-8")))
        source = el(
            sources,
            ns,
            "TextSource",
            guid=guid,
            name=idea.id,
            plainTextPath=f"internal://{guid}.txt",
        )
        for c in by_idea.get(idea.id, []):
            user = guids.user(c.coder)
            sel = el(
                source,
                ns,
                "PlainTextSelection",
                guid=guids.selection(idea.id, c.coder),
                name=f"{idea.id} {c.coder}",
                startPosition="0",
                endPosition=str(len(idea.text)),
                creatingUser=user,
                creationDateTime=c.updated_at,
            )
            if c.reason is not None:
                text_el(sel, ns, "Description", c.reason)
            for frame, code in [*c.codes, *([("", NOT_RELEVANT)] if c.reason is not None else [])]:
                target = guids.code(frame, code) if frame else guids.not_relevant()
                coding = el(
                    sel,
                    ns,
                    "Coding",
                    guid=guids.coding(idea.id, c.coder, frame, code),
                    creatingUser=user,
                    creationDateTime=c.updated_at,
                )
                el(coding, ns, "CodeRef", targetGUID=target)
        for name, q in zip(VARIABLES, (idea.question, idea.posted), strict=True):
            value = el(source, ns, "VariableValue")
            el(value, ns, "VariableRef", targetGUID=guids.variable(name))
            text_el(value, ns, "TextValue", labels.get(q, q))
    return files


def _zip(path: Path, members: list[tuple[str, bytes]]) -> None:
    """Write a zip with fixed timestamps and attributes: the same members give the same bytes."""
    for name, data in members:
        if len(data) > MAX_INTERNAL_FILE:
            raise OutputError(
                f"{name} is {len(data)} bytes, over the REFI-QDA limit of {MAX_INTERNAL_FILE} "
                "bytes for a file inside a .qdpx; export fewer ideas"
            )
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w") as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            z.writestr(info, data, compresslevel=9)
    tmp.replace(path)
