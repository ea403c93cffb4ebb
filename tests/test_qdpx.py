"""REFI-QDA exchange: export a coded project (.qdpx) and codebook (.qdc) that validate against the
official schema, and import the codings another program made on our ideas."""

from __future__ import annotations

import io
import re
import sqlite3
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from lxml import etree

from coder.cli.common import errors
from coder.cli.qdpx import COMMANDS, import_qdpx_file
from coder.data.codings import codings_of, read_codings, store_codings
from coder.data.contributions import ingest
from coder.data.moves import move_ideas, read_moves
from coder.data.redact import Redactor
from coder.data.store import Project, init_project, open_project
from coder.demo.example import example_file
from coder.errors import InputError
from coder.reconcile.rules import reconcile
from coder.refi.codebook import CODEBOOK_NS, PROJECT_NS, Guids, export_qdc
from coder.refi.export import export_qdpx
from coder.refi.imports import import_qdpx
from coder.refi.read import read_qdpx
from tests.conftest import write_csv

REFI = Path(__file__).resolve().parents[2] / "shared" / "standards" / "refi-qda"
NS = {"q": PROJECT_NS}
RULES = Redactor(None)  # patterns and rules only: fast, and enough for these texts
TEXTS = {
    "i1": "Staff need protected time for digital training, said Dr Okonkwo (okonkwo@nhs.net).",
    "i2": "Informaticians should be a registered profession with a career path.",
    "i3": "Our trust's wifi keeps dropping out on the wards.",
    "i4": "Patients should see their own record on their phone.",
}
QUESTIONS = {"i1": "II", "i2": "II", "i3": "III", "i4": "I"}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(REFI / "Project-mrt2019.xsd")))


def _codings(tmp: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    keys = ["idea_id", "coder", "frame", "code", "reason"]
    return write_csv(tmp / "codings.csv", [dict(zip(keys, r, strict=True)) for r in rows])


@pytest.fixture
def coded(tmp_path: Path) -> Iterator[Project]:
    """Four ideas coded by ann and bob (with an exclusion and an idea seen without a code),
    and reconciled."""
    project = init_project(tmp_path / "proj")
    ideas: list[dict[str, object]] = [
        {"idea_id": i, "question": QUESTIONS[i], "text": t, "author_id": "p1"}
        for i, t in TEXTS.items()
    ]
    ingest(project, ideas=write_csv(tmp_path / "ideas.csv", ideas))
    rows = [
        ("i1", "ann", "literacy", "Learning", ""),
        ("i1", "ann", "readiness", "Skills", ""),
        ("i1", "bob", "literacy", "Learning", ""),
        ("i2", "ann", "literacy", "Professionalism", ""),
        ("i2", "bob", "literacy", "Professionalism", ""),
        ("i2", "bob", "readiness", "Skills", ""),
        ("i3", "ann", "", "not_relevant", "about wifi, not the workforce"),
        ("i3", "bob", "", "not_relevant", "about wifi, not the workforce"),
        ("i4", "ann", "vision", "Empowered patients", ""),
        ("i4", "bob", "", "", ""),
    ]
    store_codings(project, read_codings(project, _codings(tmp_path, rows)))
    reconcile(project)
    yield project
    project.close()


def _qde(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("project.qde"))


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _codings_dump(project_dir: Path) -> list[str]:
    conn = sqlite3.connect(project_dir / "coder.db")
    try:
        return [
            line
            for line in conn.iterdump()
            if line.startswith(('INSERT INTO "codings"', 'INSERT INTO "coding_codes"',
                                'INSERT INTO "coders"', 'INSERT INTO "audit_log"'))
        ]  # fmt: skip
    finally:
        conn.close()


def test_export_validates_against_the_official_schema(
    coded: Project, tmp_path: Path, schema: etree.XMLSchema
) -> None:
    report = export_qdpx(coded, tmp_path / "study.qdpx")  # the default redactor, with spaCy
    members = _members(report.path)
    root = _qde(report.path)
    assert schema.validate(root), schema.error_log
    assert report.redacted and report.sources == 4
    assert report.users == ("ann", "bob", "final")
    # Every text is a UTF-8 .txt file in Sources/, named by a GUID, redacted.
    sources = root.findall("q:Sources/q:TextSource", NS)
    assert [s.get("name") for s in sources] == ["i1", "i2", "i3", "i4"]
    texts = {}
    for s in sources:
        path = s.get("plainTextPath")
        assert path == f"internal://{s.get('guid')}.txt"
        texts[s.get("name")] = members[f"Sources/{s.get('guid')}.txt"].decode("utf-8")
    assert "Okonkwo" not in texts["i1"] and "[EMAIL]" in texts["i1"] and "[NAME]" in texts["i1"]
    assert texts["i2"] == TEXTS["i2"]
    assert set(members) == {"project.qde"} | {f"Sources/{s.get('guid')}.txt" for s in sources}
    # The code tree: each frame a folder of its codes, definitions as descriptions.
    frames = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [f.get("name") for f in frames][:3] == [
        f.label for f in coded.codebook.frames
    ]  # fmt: skip
    assert {f.get("isCodable") for f in frames[:3]} == {"false"}
    learning = coded.codebook.frame("literacy").code("learning")
    code = root.find(f"q:CodeBook//q:Code[@name='{learning.label}']", NS)
    assert code is not None and code.findtext("q:Description", namespaces=NS) == learning.definition
    # Every reference points at something the file defines.
    codes = {c.get("guid") for c in root.iter(f"{{{PROJECT_NS}}}Code")}
    users = {u.get("guid") for u in root.findall("q:Users/q:User", NS)}
    refs = [r.get("targetGUID") for r in root.iter(f"{{{PROJECT_NS}}}CodeRef")]
    assert refs and set(refs) <= codes
    made = {c.get("creatingUser") for c in root.iter(f"{{{PROJECT_NS}}}Coding")}
    assert made <= users
    variables = {v.get("guid") for v in root.findall("q:Variables/q:Variable", NS)}
    assert {r.get("targetGUID") for r in root.iter(f"{{{PROJECT_NS}}}VariableRef")} == variables
    in_cases = {r.get("targetGUID") for r in root.iter(f"{{{PROJECT_NS}}}SourceRef")}
    assert in_cases == {s.get("guid") for s in sources}
    # A selection per (idea, coder) covering the whole text; an exclusion's reason with it.
    i3 = sources[2].findall("q:PlainTextSelection", NS)
    assert len(i3) == 3  # ann, bob, final
    assert {s.get("startPosition") for s in i3} == {"0"}
    assert {s.get("endPosition") for s in i3} == {str(len(texts["i3"]))}
    assert {s.findtext("q:Description", namespaces=NS) for s in i3} == {
        "about wifi, not the workforce"
    }
    # Questions as cases of their ideas.
    cases = {c.get("name"): c for c in root.findall("q:Cases/q:Case", NS)}
    assert set(cases) == {"I. New vision", "II. The role of informaticians",
                          "III. The role of the system (others)"}  # fmt: skip
    assert len(cases["II. The role of informaticians"].findall("q:SourceRef", NS)) == 2


def test_original_text_only_when_asked(coded: Project, tmp_path: Path) -> None:
    report = export_qdpx(coded, tmp_path / "orig.qdpx", original_text=True)
    assert not report.redacted
    texts = {m: b.decode() for m, b in _members(report.path).items() if m.endswith(".txt")}
    assert TEXTS["i1"] in texts.values()


def test_reexport_is_byte_identical(coded: Project, tmp_path: Path) -> None:
    first = export_qdpx(coded, tmp_path / "a.qdpx", redactor=RULES).path.read_bytes()
    path = coded.path
    coded.close()
    with open_project(path) as again:
        second = export_qdpx(again, tmp_path / "b.qdpx", redactor=RULES).path.read_bytes()
        assert second == first
        assert (
            export_qdc(again.codebook, tmp_path / "a.qdc").read_bytes()
            == export_qdc(again.codebook, tmp_path / "b.qdc").read_bytes()
        )
    # The GUIDs are UUID 5s of project-local ids, not random.
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(first)).read("project.qde"))
    guid = root.find("q:Sources/q:TextSource", NS).get("guid")  # type: ignore[union-attr]
    assert uuid.UUID(guid).version == 5


def test_codebook_qdc_is_valid_and_reads_back(
    coded: Project, tmp_path: Path, schema: etree.XMLSchema
) -> None:
    path = export_qdc(coded.codebook, tmp_path / "codebook.qdc")
    root = etree.parse(str(path)).getroot()
    assert root.tag == f"{{{CODEBOOK_NS}}}CodeBook"
    # The code book schema's codes are the project schema's: validate the same tree there.
    text = etree.tostring(root).decode().replace(CODEBOOK_NS, PROJECT_NS)
    codes = etree.fromstring(text).find(f"{{{PROJECT_NS}}}Codes")
    assert codes is not None
    project = etree.Element(f"{{{PROJECT_NS}}}Project", name="x", nsmap={None: PROJECT_NS})
    etree.SubElement(project, f"{{{PROJECT_NS}}}CodeBook").append(codes)
    assert schema.validate(project), schema.error_log
    tree = read_qdpx(path).codebook
    assert [c.name for c in tree] == [f.label for f in coded.codebook.frames] + ["Not relevant"]
    assert [c.name for c in tree[1].children] == [c.label for c in coded.codebook.frames[1].codes]
    guids = Guids(coded.codebook.id)
    assert tree[0].children[0].guid == guids.code("vision", coded.codebook.frames[0].codes[0].id)


def test_export_then_import_as_a_new_coder_gives_the_same_codings(
    coded: Project, tmp_path: Path
) -> None:
    path = export_qdpx(coded, tmp_path / "study.qdpx", redactor=RULES).path
    for user, coder in (("ann", "ann2"), ("bob", "bob2"), ("final", "final2")):
        report = import_qdpx(coded, path, coder, user=user)
        assert report.coders == {user: coder}
        assert codings_of(coded, coder) == codings_of(coded, user)
    assert codings_of(coded, "bob2")["i4"].codes == {}  # seen, no code
    assert codings_of(coded, "ann2")["i3"].not_relevant_reason == "about wifi, not the workforce"
    # Through the audited write path, naming the file; importing again changes nothing.
    sql = "SELECT DISTINCT reason FROM audit_log WHERE coder_id = 'ann2' AND action = 'import'"
    reasons = {r for (r,) in coded.conn.execute(sql)}
    assert reasons == {"REFI-QDA import from study.qdpx"}
    assert import_qdpx(coded, path, "ann2", user="ann").changed == 0
    # Without --coder, each user is a coder of that name: the final coder is refused.
    with pytest.raises(InputError, match="'final', a final coder"):
        import_qdpx(coded, path)


def test_the_bundled_example_round_trips(tmp_path: Path, schema: etree.XMLSchema) -> None:
    with init_project(tmp_path / "ex") as project:
        ingest(project, ideas=example_file("ideas.csv"))
        move_ideas(project, read_moves(example_file("moves.csv")))
        store_codings(project, read_codings(project, example_file("coder_codings.csv")))
        reconcile(project)
        path = export_qdpx(project, tmp_path / "ex.qdpx", redactor=RULES).path
        assert schema.validate(_qde(path)), schema.error_log
        for user in ("alex@example.org", "sam@example.org", "final"):
            import_qdpx(project, path, f"copy of {user}", user=user)
            assert codings_of(project, f"copy of {user}") == codings_of(project, user)


def _new() -> str:
    return str(uuid.uuid4()).upper()


def _q(tag: str) -> str:
    return f"{{{PROJECT_NS}}}{tag}"


def _code(parent: etree._Element, name: str, by_name: dict[str, str]) -> etree._Element:
    by_name[name] = _new()
    return etree.SubElement(parent, _q("Code"), guid=by_name[name], name=name, isCodable="true")


def _other_program(exported: Path, out: Path, *, extra: bool, edit: bool = False) -> Path:
    """The project as another program would write it back: new GUIDs for everything, its own
    user, nested codes matched by name, selections over the whole (redacted) text with CRLF
    line ends (and one over part of a text), and, with ``extra``, codes coder's codebook lacks;
    with ``edit``, one text changed."""
    ours = _qde(exported)
    members = _members(exported)
    root = etree.Element(_q("Project"), name="From another program", nsmap={None: PROJECT_NS})
    jo = _new()
    etree.SubElement(etree.SubElement(root, _q("Users")), _q("User"), guid=jo, name="Jo Bloggs")
    codes = etree.SubElement(etree.SubElement(root, _q("CodeBook")), _q("Codes"))
    by_name: dict[str, str] = {}
    for folder in ours.findall("q:CodeBook/q:Codes/q:Code", NS):
        top = _code(codes, folder.get("name", ""), by_name)
        for child in folder.findall("q:Code", NS):
            _code(top, child.get("name", ""), by_name)
        if extra and folder.get("name") == "Digital readiness dimensions":
            _code(top, "skils", by_name)
            _code(top, "Staff wellbeing", by_name)
    _code(codes, "Memos", by_name)  # a code the other program added, applied to nothing
    sources = etree.SubElement(root, _q("Sources"))
    files = {}
    plan = {"i1": ["Learning", "Skills"], "i2": ["Professionalism"], "i4": ["Empowered patients"]}
    if extra:
        plan["i2"].append("skils")
        plan["i1"].append("Staff wellbeing")
    for src in ours.findall("q:Sources/q:TextSource", NS):
        name = src.get("name", "")
        text = members[f"Sources/{src.get('guid')}.txt"].decode().replace("\n", "\r\n")
        if edit and name == "i4":
            text += " (edited)"
        guid = _new()
        files[f"Sources/{guid}.txt"] = text.encode()
        el = etree.SubElement(sources, _q("TextSource"), guid=_new(), name=f"{name}.txt",
                              plainTextPath=f"internal://{guid}.txt")  # fmt: skip
        if name not in plan:
            continue
        end = 20 if name == "i2" else len(text)  # a code on part of a text codes the idea
        sel = etree.SubElement(el, _q("PlainTextSelection"), guid=_new(), startPosition="0",
                               endPosition=str(end), creatingUser=jo)  # fmt: skip
        for label in plan[name]:
            coding = etree.SubElement(sel, _q("Coding"), guid=_new(), creatingUser=jo)
            etree.SubElement(coding, _q("CodeRef"), targetGUID=by_name[label])
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("project.qde", etree.tostring(root, xml_declaration=True, encoding="utf-8"))
        for n, data in files.items():
            z.writestr(n, data)
    return out


def test_another_programs_file_imports_by_name_and_text(
    coded: Project, tmp_path: Path, schema: etree.XMLSchema
) -> None:
    exported = export_qdpx(coded, tmp_path / "study.qdpx").path  # the default redactor
    path = _other_program(exported, tmp_path / "nvivo.qdpx", extra=False)
    assert schema.validate(_qde(path)), schema.error_log
    report = import_qdpx(coded, path, "jo")
    assert report.coders == {"Jo Bloggs": "jo"} and report.codings == 3
    assert report.unused_codes == ["Memos"]
    jo = codings_of(coded, "jo")
    assert jo["i1"].codes == {"literacy": {"learning"}, "readiness": {"skills"}}
    assert jo["i2"].codes == {"literacy": {"professionalism"}}
    assert jo["i4"].codes == {"vision": {"empowered_patients"}}


def test_a_code_not_in_the_codebook_is_named_and_nothing_changes(
    coded: Project, tmp_path: Path
) -> None:
    exported = export_qdpx(coded, tmp_path / "study.qdpx", redactor=RULES).path
    path = _other_program(exported, tmp_path / "atlas.qdpx", extra=True, edit=True)
    project_dir = coded.path
    coded.close()
    before = _codings_dump(project_dir)
    with open_project(project_dir) as project, pytest.raises(InputError) as info:
        import_qdpx(project, path, "jo", redactor=RULES)
    message = str(info.value)
    assert "the code 'skils', not in this project's codebook" in message
    assert "a code of frame 'readiness' (Digital readiness dimensions); did you mean 'Skills'?" in (
        message
    )
    assert "the code 'Staff wellbeing', not in this project's codebook" in message
    assert "the source 'i4.txt'" in message and "matching no idea" in message
    assert len(info.value.problems) == 3
    assert _codings_dump(project_dir) == before


def test_wrong_frame_exclusive_and_reason_checks_are_those_of_any_import(
    coded: Project, tmp_path: Path
) -> None:
    path = export_qdpx(coded, tmp_path / "study.qdpx", redactor=RULES).path
    guids = Guids.of(coded)
    root = _qde(path)
    # ann's selection on i2 (question II) gets a vision code; bob's exclusion of i3 loses
    # its reason.
    sels = {s.get("name"): s for s in root.iter(f"{{{PROJECT_NS}}}PlainTextSelection")}
    coding = etree.SubElement(sels["i2 ann"], f"{{{PROJECT_NS}}}Coding",
                              guid=str(uuid.uuid4()), creatingUser=guids.user("ann"))  # fmt: skip
    etree.SubElement(coding, f"{{{PROJECT_NS}}}CodeRef",
                     targetGUID=guids.code("vision", "integration"))  # fmt: skip
    sels["i3 bob"].remove(sels["i3 bob"].find("q:Description", NS))  # type: ignore[arg-type]
    bad = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(bad, "w") as z:
        for name, data in _members(path).items():
            z.writestr(name, etree.tostring(root) if name == "project.qde" else data)
    with pytest.raises(InputError) as info:
        import_qdpx(coded, bad, user="ann", coder="ann")
    assert "the frame 'vision' on an idea of question 'II'" in str(info.value)
    with pytest.raises(InputError, match="an exclusion without a reason"):
        import_qdpx(coded, bad, user="bob", coder="bob")


def test_codes_at_the_top_level_other_sources_and_codings_without_a_user(
    coded: Project, tmp_path: Path
) -> None:
    learning, skills, tech = _new(), _new(), _new()
    pdf = f"""<PDFSource guid="{_new()}" name="report.pdf" path="internal://x.pdf">
      <Coding guid="{_new()}"><CodeRef targetGUID="{tech}"/></Coding>
    </PDFSource>"""
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="flat">
  <CodeBook><Codes>
    <Code guid="{learning}" name="learning" isCodable="true"/>
    <Code guid="{skills}" name="Skills" isCodable="true"/>
    <Code guid="{tech}" name="Tech" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{Guids.of(coded).source("i2")}" name="renamed">
      <PlainTextSelection guid="{_new()}" startPosition="3" endPosition="9">
        <Coding guid="{_new()}"><CodeRef targetGUID="{learning}"/></Coding>
      </PlainTextSelection>
      <Coding guid="{_new()}"><CodeRef targetGUID="{skills}"/></Coding>
    </TextSource>
    PDF
  </Sources>
</Project>"""
    path = tmp_path / "project.qde"  # a bare project.qde reads too
    path.write_text(qde.replace("PDF", pdf), encoding="utf-8")
    # Codings that name no user go only with --coder; a PDF source is no idea.
    with pytest.raises(InputError) as info:
        import_qdpx(coded, path)
    found = [p.found for p in info.value.problems]
    assert found == ["codings that name no user"]
    with pytest.raises(InputError) as info:
        import_qdpx(coded, path, "flat")
    assert [p.found for p in info.value.problems] == ["a coding on the PDFSource 'report.pdf'"]
    # Top-level codes match the one frame that has a code of that name; a coding on part of
    # a text, or on the whole source, codes the idea.
    path.write_text(qde.replace("PDF", ""), encoding="utf-8")
    report = import_qdpx(coded, path, "flat")
    assert report.codings == 1 and report.unused_codes == []
    assert codings_of(coded, "flat")["i2"].codes == {
        "literacy": {"learning"},
        "readiness": {"skills"},
    }


def test_bad_files_get_clear_errors(coded: Project, tmp_path: Path) -> None:
    not_zip = tmp_path / "a.qdpx"
    not_zip.write_text("hello")
    empty = tmp_path / "b.qdpx"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("readme.txt", "no project here")
    broken = tmp_path / "c.qdpx"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("project.qde", "<Project xmlns='urn:QDA-XML:project:1.0'><Users>")
    other = tmp_path / "d.qdpx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("project.qde", "<html/>")
    cases = {
        not_zip: "not a zip archive",
        empty: "no project.qde in the zip (found: readme.txt)",
        broken: "invalid XML",
        other: "the root element 'html'",
    }
    before = list(coded.conn.iterdump())
    for path, message in cases.items():
        with pytest.raises(InputError, match=re.escape(message)):
            import_qdpx(coded, path)
    assert list(coded.conn.iterdump()) == before


def test_the_atlas_ti_samples_read(coded: Project) -> None:
    target = read_qdpx(REFI / "target-atlas-project.qdpx")
    assert [c.name for c in target.codebook] == ["Commits"]
    assert [c.name for c in target.codebook[0].children] == [
        "2022-05-10T02:05:59Z 19e4dce",
        "2022-02-11T10:39:25Z cdbfd92",
    ]
    assert set(target.users.values()) == {"Enric Llagostera", "ATLAS.ti"}
    blank = read_qdpx(REFI / "blank-atlas-project.qdpx")
    assert blank.codebook == () and blank.codings == {}
    with pytest.raises(InputError, match="no codings on any source"):
        import_qdpx(coded, REFI / "blank-atlas-project.qdpx")


def test_cli_export_and_import(coded: Project, tmp_path: Path) -> None:
    group = click.Group("coder", commands={c.name or "": c for c in COMMANDS})

    @group.command("import-qdpx")
    @click.argument("project_dir", type=click.Path(path_type=Path))
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--coder")
    @click.option("--user")
    @errors
    def run(project_dir: Path, file: Path, coder: str | None, user: str | None) -> None:
        import_qdpx_file(project_dir, file, coder, user)

    project_dir = coded.path
    coded.close()
    runner = CliRunner()
    for sub in ("qdpx", "qdc"):
        result = runner.invoke(group, ["export", sub, "--help"])
        assert result.exit_code == 0 and "REFI-QDA" in result.output
    out = tmp_path / "study.qdpx"
    result = runner.invoke(group, ["export", "qdpx", str(project_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        "4 ideas (redacted text), 9 codings by 3 coders (ann, bob, final), 10 codes applied"
        in result.output
    )
    result = runner.invoke(
        group, ["export", "qdc", str(project_dir), "--out", str(tmp_path / "c.qdc")]
    )
    assert result.exit_code == 0 and "3 frames, 16 codes" in result.output
    result = runner.invoke(group, ["import-qdpx", str(project_dir), str(out), "--coder", "cy",
                                   "--user", "ann"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "4 codings read (ann as cy), 4 new or changed" in result.output
    other = _other_program(out, tmp_path / "other.qdpx", extra=False)
    result = runner.invoke(group, ["import-qdpx", str(project_dir), str(other)])
    assert result.exit_code == 0, result.output
    assert "3 codings read (Jo Bloggs), 3 new or changed" in result.output
    assert "Left out: 1 code(s) of the file that the codebook lacks" in result.output
    assert "('Memos')" in result.output
    result = runner.invoke(group, ["import-qdpx", str(project_dir), str(tmp_path / "c.qdc")])
    assert result.exit_code == 2 and "a code book (.qdc)" in result.output


def test_participants_and_their_answers_only_when_asked(
    tmp_path: Path, schema: etree.XMLSchema
) -> None:
    project = init_project(tmp_path / "proj")
    people = [{"participant_id": "p1", "Role": "Nurse", "Region": "North"},
              {"participant_id": "p2", "Role": "=HYPERLINK(1)", "Region": ""},
              {"participant_id": "p3", "Role": "Analyst", "Region": "South"}]  # fmt: skip
    ideas: list[dict[str, object]] = [
        {
            "idea_id": i,
            "question": QUESTIONS[i],
            "text": t,
            "author_id": "p2" if i == "i3" else "p1",
        }
        for i, t in TEXTS.items()
    ]
    ingest(project, participants=write_csv(tmp_path / "people.csv", people),
           ideas=write_csv(tmp_path / "ideas.csv", ideas))  # fmt: skip
    plain = _qde(export_qdpx(project, tmp_path / "plain.qdpx", original_text=True).path)
    assert not [c for c in plain.iter(f"{{{PROJECT_NS}}}Case") if "Participant" in c.get("name")]
    assert "Nurse" not in etree.tostring(plain).decode()
    root = _qde(
        export_qdpx(project, tmp_path / "people.qdpx", original_text=True, participants=True).path
    )
    assert schema.validate(root), schema.error_log
    variables = {v.get("guid"): v.get("name") for v in root.iter(f"{{{PROJECT_NS}}}Variable")}
    assert list(variables.values()) == [
        "Question", "Posted under", "Participant: Role", "Participant: Region"
    ]  # fmt: skip
    sources = {s.get("guid"): s.get("name") for s in root.iter(f"{{{PROJECT_NS}}}TextSource")}
    cases = {
        c.get("name"): (
            {
                variables[v.find("q:VariableRef", NS).get("targetGUID")]: v.findtext(
                    "q:TextValue", namespaces=NS
                )
                for v in c.findall("q:VariableValue", NS)
            },
            [sources[r.get("targetGUID")] for r in c.findall("q:SourceRef", NS)],
        )
        for c in root.iter(f"{{{PROJECT_NS}}}Case")
        if c.get("name", "").startswith("Participant")
    }
    # p3 posted nothing: not a case. An empty answer is left out; text is kept as written.
    assert cases == {
        "Participant p1": (
            {"Participant: Role": "Nurse", "Participant: Region": "North"},
            ["i1", "i2", "i4"],
        ),
        "Participant p2": ({"Participant: Role": "=HYPERLINK(1)"}, ["i3"]),
    }
    project.close()
