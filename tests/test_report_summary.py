"""The report shows the coding loop: its summary and contents, word headers and one number
format, the net-votes chart, the model's out-of-fold agreement, and the workbook's summary.

One project goes round the whole loop with the real embedding model: two human coders (with
slips, so they disagree), a model trained on them, its suggestions, a review, adjudication and
reconciliation. Every expected figure is counted from the store here, not taken from the
report's own code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coder.agreement import cohen_kappa, krippendorff_alpha_sets
from coder.data.codings import Coding, codings_of, store_codings
from coder.data.contributions import ingest
from coder.data.store import Project, now, open_project
from coder.reconcile.adjudicate import store_decisions
from coder.reconcile.rules import queue, reconcile
from coder.suggest.ideas import all_ideas
from coder.suggest.lookup import load_latest_model, project_embedder
from coder.suggest.models import HEAD, load_model
from coder.suggest.predict import predict
from coder.suggest.settings import TrainingSettings
from coder.suggest.train import train
from coder.suggest.write import suggest
from coder.tables.report import build_report, number, statistic, write_report
from tests.conftest import write_csv
from tests.test_suggest import make_ideas, make_project

RULE_WORDS = {
    "adjudicated": "adjudicated",
    "unanimous": "humans agreed",
    "majority": "majority of the human coders",
    "single_coder": "single coder",
    "accepted_suggestion": "model suggestion accepted",
    "reviewer_edit": "model suggestion corrected by a reviewer",
    "unreviewed_suggestion": "model suggestion, not reviewed",
}


# --------------------------------------------------------------------------------------------
# Reading the page


class Page(HTMLParser):
    """Headings, contents links, tables (with the heading before them) and the chart's bars."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.h2: dict[str, str] = {}
        self.links: list[str] = []
        self.tables: list[dict[str, Any]] = []
        self.rects: list[dict[str, str]] = []
        self.svg: list[dict[str, str]] = []
        self.svg_titles: list[str] = []
        self.svg_texts: list[str] = []
        self.order: list[str] = []  # h2 ids and "nav", in page order
        self._text: list[str] | None = None
        self._tag: tuple[str, dict[str, str]] = ("", {})
        self._heading = ""
        self._in_nav = self._in_svg = False
        self._row: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "nav":
            self._in_nav = True
            self.order.append("nav")
        elif tag == "a" and self._in_nav:
            self.links.append(a["href"])
        elif tag == "svg":
            self._in_svg = True
            self.svg.append(a)
        elif tag == "rect" and "bar" in a.get("class", ""):
            self.rects.append(a)
        elif tag == "line" and self._in_svg:
            self.svg.append(a)
        elif tag == "table":
            self.tables.append({"heading": self._heading, "header": [], "rows": [], "caption": ""})
        elif tag == "tr":
            self._row = []
        if tag in ("h2", "h3", "th", "td", "caption", "title", "text"):
            self._text, self._tag = [], (tag, a)

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_nav = False
        elif tag == "svg":
            self._in_svg = False
        elif tag == "tr" and self.tables and self._row:
            t = self.tables[-1]
            if t["header"]:
                t["rows"].append(self._row)
            else:
                t["header"] = self._row
        if self._text is None or tag != self._tag[0]:
            return
        text = "".join(self._text).strip()
        self._text = None
        if tag == "h2":
            self.h2[self._tag[1].get("id", "")] = text
            self.order.append(self._tag[1].get("id", ""))
            self._heading = text
        elif tag == "h3":
            self._heading = text
        elif tag in ("th", "td"):
            self._row.append(text)
        elif tag == "caption":
            self.tables[-1]["caption"] = text
        elif tag == "title" and self._in_svg:
            self.svg_titles.append(text)
        elif tag == "text" and self._in_svg:
            self.svg_texts.append(text)

    def table(self, heading: str, first: str = "") -> dict[str, Any]:
        """The first table under ``heading`` (whose first header cell is ``first``, if given)."""
        for t in self.tables:
            if t["heading"] == heading and (not first or t["header"][0] == first):
                return t
        raise AssertionError(f"no table under {heading!r}")


def rows_by_first_cell(table: dict[str, Any]) -> dict[str, list[str]]:
    return {r[0]: r for r in table["rows"]}


# --------------------------------------------------------------------------------------------
# The project: round the whole loop


def _votes(tmp: Path) -> Path:
    """Net votes: ideas about waiting are voted down (so some totals are negative)."""
    rows, truth = make_ideas(90)
    votes = []
    for n, row in enumerate(rows):
        idea = str(row["idea_id"])
        down = "waiting" in truth[idea].codes["topic"]
        ups, downs = (1, 4) if down else (n % 5, int(n % 3 == 0))
        votes += [{"voter_id": f"v{k}", "target_id": idea, "value": "+1"} for k in range(ups)]
        votes += [{"voter_id": f"w{k}", "target_id": idea, "value": "-1"} for k in range(downs)]
    return write_csv(tmp / "votes.csv", votes)


def _slips(project: Project) -> None:
    """ann slips on every 7th idea (a wrong tone); bob adds a topic on every 5th of his."""
    _, truth = make_ideas(90)
    ids = sorted(truth)
    slips = {}
    for n, idea in enumerate(ids[:60]):
        if n % 7 == 3:
            tone = {"negative"} if truth[idea].codes["tone"] == {"positive"} else {"positive"}
            slips[(idea, "ann")] = Coding({"topic": set(truth[idea].codes["topic"]), "tone": tone})
        if n % 2 == 0 and n % 5 == 0:
            topics = set(truth[idea].codes["topic"]) | {"records"}
            slips[(idea, "bob")] = Coding({"topic": topics, "tone": set(truth[idea].codes["tone"])})
    store_codings(project, slips, kind="human")


def _review(project: Project, model_id: str) -> None:
    """A reviewer accepts some confident suggestions, edits some, leaves the rest."""
    from coder.studio.review import Decision, store_reviews

    stamp = now()
    with project.transaction() as conn:
        conn.execute(
            "INSERT INTO studio_rounds(round_id, kind, settings, created_at) "
            "VALUES ('test-review', 'review', '{}', ?)",
            (stamp,),
        )
    suggested: dict[tuple[str, str], set[str]] = {}
    for idea, frame, code, chosen in project.conn.execute(
        "SELECT idea_id, frame_id, code_id, suggested FROM suggestions JOIN suggestion_items "
        "USING (idea_id, model_id) WHERE model_id = ? AND abstained = 0",
        (model_id,),
    ):
        codes = suggested.setdefault((idea, frame), set())
        if chosen:
            codes.add(code)
    ideas = sorted({i for i, _ in suggested})
    decisions = []
    for n, idea in enumerate(ideas[:20]):
        for frame in ("topic", "tone"):
            codes = frozenset(suggested[(idea, frame)])
            edit = n % 4 == 0 and frame == "topic"
            decided = codes | {"staff"} if edit and "staff" not in codes else codes
            decision = "edit" if decided != codes else "accept"
            decisions.append(
                Decision(idea, "rev@x", frame, model_id, codes, decided, decision, stamp, None)
            )
    store_reviews(project, "test-review", decisions)


def build_looped_project(tmp: Path) -> Path:
    """The loop on 90 ideas: ann codes 60, bob 30 of them, a model the other 30."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with make_project(tmp) as project:
        ingest(project, votes=_votes(tmp))
        _slips(project)
        embedder = project_embedder(project)
        # a cautious model: it routes its less confident ideas to a human
        model = train(project, embedder, TrainingSettings(abstain_below=0.8)).model
        suggest(project, model, embedder)
        _review(project, model.model_id)
        reconcile(project, model_id=model.model_id)
        _, truth = make_ideas(90)
        queued = [i for i, _ in queue(project)]
        store_decisions(project, {i: truth[i] for i in queued}, "judy", "test adjudication")
        reconcile(project, model_id=model.model_id)
    return tmp / "proj"


@pytest.fixture(scope="module")
def looped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = build_looped_project(tmp_path_factory.mktemp("loop"))
    with open_project(folder) as project:
        parts = build_report(project, "final", n_boot=0)
        write_report(project, folder / "report.html", parts)
        write_report(project, folder / "report.xlsx", parts)
    return folder


@pytest.fixture
def project(looped: Path) -> Iterator[Project]:
    with open_project(looped) as p:
        yield p


@pytest.fixture(scope="module")
def page(looped: Path) -> Page:
    return Page((looped / "report.html").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# Summary and contents


def test_the_page_opens_with_the_summary_then_the_contents(page: Page) -> None:
    assert page.order[:2] == ["summary", "nav"]
    sections = [k for k in page.h2 if k not in ("contents", "summary")]
    assert [f"#{k}" for k in sections] == [link for link in page.links if link != "#summary"]
    assert all(link[1:] in page.h2 for link in page.links)  # every link has its target
    assert {"chart", "balance", "q-Q1", "q-Q2", "reliability", "model", "profile"} <= set(page.h2)


def test_who_coded_what_share_counted_from_the_store(page: Page, project: Project) -> None:
    framed = {q for f in project.codebook.frames for q in f.questions}
    codable = sum(q in framed for q in all_ideas(project).questions)
    human = dict(
        project.conn.execute(
            "SELECT k.coder_id, COUNT(*) FROM codings k JOIN coders c USING (coder_id) "
            "WHERE c.kind = 'human' GROUP BY k.coder_id"
        )
    )
    model_id = load_latest_model(project).model_id
    suggested, routed = project.conn.execute(
        "SELECT COUNT(*), SUM(abstained) FROM suggestion_items WHERE model_id = ?", (model_id,)
    ).fetchone()
    assert (codable, human, suggested) == (90, {"ann": 60, "bob": 30}, 30)  # the plan
    assert 0 < routed < suggested  # the model routed some ideas to a human, coded the others
    by_model = suggested - routed
    rows = rows_by_first_cell(page.table("Who coded the ideas"))
    for coder, n in [*human.items(), ("The model", by_model)]:
        assert rows[coder][1:] == [f"{n:,}", f"{100 * n / codable:.1f}%"]
    model_rows = rows_by_first_cell(page.table("Coverage and abstention"))
    coverage = model_rows["Coded by the model (coverage)"]
    assert coverage[1:] == [str(by_model), f"{100 * by_model / codable:.1f}%"]
    routed_row = model_rows["Routed to a human (abstained)"]
    assert routed_row[1:] == [str(routed), f"{100 * routed / suggested:.1f}%"]


def test_final_codes_by_rule_in_words(page: Page, project: Project) -> None:
    counted = dict(
        project.conn.execute("SELECT rule, COUNT(*) FROM final_provenance GROUP BY rule")
    )
    # the loop produced human, adjudicated and model-made final codes
    assert {"unanimous", "adjudicated", "single_coder", "accepted_suggestion"} <= set(counted)
    assert "reviewer_edit" in counted
    table = page.table("Final codes")
    assert table["header"][0] == "Where the final codes came from"
    shown = {r[0]: r[1] for r in table["rows"]}
    assert shown == {RULE_WORDS[r]: f"{n:,}" for r, n in counted.items()}
    total = sum(counted.values())
    for rule, n in counted.items():
        assert rows_by_first_cell(table)[RULE_WORDS[rule]][2] == f"{100 * n / total:.1f}%"


def test_reliability_headline_is_alpha_of_the_two_coders(page: Page, project: Project) -> None:
    ann, bob = codings_of(project, "ann"), codings_of(project, "bob")
    rows = rows_by_first_cell(page.table("Do the human coders agree?"))
    for frame in project.codebook.frames:
        both = sorted(set(ann) & set(bob))
        sets = [[frozenset(c[i].codes.get(frame.id, ())) for i in both] for c in (ann, bob)]
        alpha = krippendorff_alpha_sets(sets, distance="masi")
        assert alpha < 1  # the slips make them disagree
        assert rows[frame.label][1:4] == [f"{alpha:.2f}", "no interval", str(len(both))]


# --------------------------------------------------------------------------------------------
# One number format, word headers, no NaN


def test_headers_are_words_and_numbers_have_one_format(looped: Path, page: Page) -> None:
    text = (looped / "report.html").read_text(encoding="utf-8")
    headers = [h for t in page.tables for h in t["header"]]
    assert headers and not [h for h in headers if re.search(r"[A-Za-z]_[A-Za-z]", h)]
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE)
    assert not re.search(r"\bNone\b", text)
    cells = [c for t in page.tables for r in t["rows"] for c in r]
    percents = [c for c in cells if c.endswith("%")]
    assert percents and all(re.fullmatch(r"-?\d{1,3}(,\d{3})*\.\d%", c) for c in percents)
    # the balance table's vote count has a thousands separator
    balance = page.table("Balance of contributions")
    total = rows_by_first_cell(balance)["Total"]
    assert re.fullmatch(r"\d{1,3}(,\d{3})+|\d{1,3}", total[3])


def test_one_formatting_rule() -> None:
    assert number(1234567) == "1,234,567" and number(-1234) == "-1,234"
    assert number(12.345, "pct") == "12.3%" and number(0.6251) == "0.63"
    assert number(float("nan")) == "" and number(None) == "" and number(np.int64(5)) == "5"
    assert statistic(None) == "undefined" and statistic(float("nan")) == "undefined"
    assert statistic(0.5, 0.25, 0.75) == "0.50 [0.25, 0.75]"
    assert statistic(0.5, 0.25, 0.75, pct=True) == "50.0% [25.0%, 75.0%]"


# --------------------------------------------------------------------------------------------
# The chart


def _net_votes_per_code(project: Project) -> dict[tuple[str, str, str], int]:
    """Each code's total in its question's two-frame table, counted from the final codes."""
    nets = dict(
        project.conn.execute(
            "SELECT target_id, SUM(value) FROM votes WHERE target_kind = 'idea' GROUP BY target_id"
        )
    )
    question = dict(zip(all_ideas(project).ids, all_ideas(project).questions, strict=True))
    topic, tone = project.codebook.frames
    out: dict[tuple[str, str, str], int] = {}
    for q in ("Q1", "Q2"):
        for f in (topic, tone):
            for c in f.codes:
                out[(q, f.label, c.label)] = 0
    for idea, coding in codings_of(project, "final").items():
        rows, cols = coding.codes.get("topic", set()), coding.codes.get("tone", set())
        if coding.not_relevant_reason or not rows or not cols:
            continue
        q = question[idea]
        for r in rows:  # an idea counts in each cell it is coded to
            out[(q, topic.label, topic.code(r).label)] += nets.get(idea, 0) * len(cols)
        for c in cols:
            out[(q, tone.label, tone.code(c).label)] += nets.get(idea, 0) * len(rows)
    return out


def test_chart_has_one_bar_per_question_and_code_with_its_sign(
    page: Page, project: Project
) -> None:
    expected = _net_votes_per_code(project)
    assert any(v < 0 for v in expected.values()) and any(v > 0 for v in expected.values())
    got = {
        (r["data-question"], r["data-frame"], r["data-code"]): int(r["data-value"])
        for r in page.rects
    }
    assert len(page.rects) == len(expected) and got == expected
    zero = float(next(a for a in page.svg if "x1" in a)["x1"])
    for r in page.rects:
        x, width, value = float(r["x"]), float(r["width"]), int(r["data-value"])
        assert ("neg" in r["class"]) == (value < 0)
        if value < 0:
            assert x + width == pytest.approx(zero, abs=0.11) and x < zero
        else:
            assert x == pytest.approx(zero, abs=0.11)
    assert page.svg[0]["role"] == "img" and page.svg_titles[0] == "Net votes per code, by question"
    assert "Waiting" in page.svg_texts and "Q1" in page.svg_texts


# --------------------------------------------------------------------------------------------
# The model: out-of-fold agreement


def _saved_oof(folder: Path, frame: str) -> tuple[list[str], np.ndarray]:
    with np.load(folder / HEAD, allow_pickle=False) as npz:
        return [str(i) for i in npz[f"_oof.{frame}.ideas"]], npz[f"_oof.{frame}.decisions"]


def test_oof_agreement_equals_an_independent_computation(
    page: Page, project: Project, looped: Path
) -> None:
    model = load_latest_model(project)
    folder = looped / "models" / model.model_id
    shown = {
        (r[0], r[1]): r for r in page.table("Agreement with each human coder, out of fold")["rows"]
    }
    assert len(shown) == 4  # two frames x two coders
    for frame in project.codebook.frames:
        ideas, decisions = _saved_oof(folder, frame.id)
        codes = [c.id for c in frame.codes]
        for coder in ("ann", "bob"):
            mine = codings_of(project, coder)
            both = [n for n, i in enumerate(ideas) if i in mine]
            P = decisions[both].astype(int)
            H = np.array(
                [[int(c in mine[ideas[n]].codes.get(frame.id, ())) for c in codes] for n in both]
            )
            tp, fp, fn = (H * P).sum(), ((1 - H) * P).sum(), (H * (1 - P)).sum()
            micro = 2 * tp / (2 * tp + fp + fn)
            kappa = cohen_kappa(H.ravel(), P.ravel())
            row = shown[(frame.label, coder)]
            assert row[2:5] == [str(len(both)), f"{micro:.2f}", f"{kappa:.2f}"]


def test_oof_decisions_are_not_the_in_sample_predictions(project: Project, looped: Path) -> None:
    model = load_latest_model(project)
    assert set(model.oof) == {"topic", "tone"}
    ideas = all_ideas(project)
    embedder = project_embedder(project)
    index = {idea: n for n, idea in enumerate(ideas.ids)}
    differ = 0
    for frame_id, oof in model.oof.items():
        rows = [index[i] for i in oof.ideas]
        training = ideas.subset(rows)
        (pred,) = [
            p
            for p in predict(model, training, embedder.encode(training.texts))
            if p.frame_id == frame_id
        ]
        assert pred.suggested.shape == oof.decisions.shape
        differ += int((pred.suggested != oof.decisions).any(axis=1).sum())
    assert differ > 0  # in-sample predictions would flatter the model
    config = json.loads((looped / "models" / model.model_id / "config.json").read_text())
    assert len(model.oof["topic"].ideas) == config["training"]["items"] == 60
    assert 0 < len(model.oof["tone"].ideas) < 60  # ideas whose coders disagree are left out


def test_a_model_folder_without_oof_data_still_loads_and_the_report_says_so(
    looped: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "proj"
    shutil.copytree(looped, copy)
    with open_project(copy) as project:
        model = load_latest_model(project)
        model.oof = {}  # as a coder from before out-of-fold decisions were kept saved it
        folder = model.save(project.path / "models")
        with np.load(folder / HEAD, allow_pickle=False) as npz:
            assert not [k for k in npz.files if k.startswith("_oof.")]
        assert load_model(folder, project.codebook).oof == {}
        with project.transaction() as conn:
            conn.execute(
                "INSERT INTO models VALUES (?, ?, ?, ?, '9999-01-01T00:00:00+00:00')",
                (
                    model.model_id,
                    f"models/{folder.name}",
                    model.codebook_hash,
                    model.embedding_model,
                ),
            )
        parts = build_report(project, "final", n_boot=0)
        assert parts.model is not None and parts.model.agreement is None
        page = Page(write_and_read(project, parts, tmp_path / "old.html"))
    assert "Out-of-fold agreement is not available" in (tmp_path / "old.html").read_text()
    assert page.table("Cross-validated quality per code")["rows"]


def write_and_read(project: Project, parts: Any, path: Path) -> str:
    write_report(project, path, parts)
    return path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# The workbook


def test_the_workbook_opens_with_the_summary(looped: Path, project: Project) -> None:
    from openpyxl import load_workbook

    book = load_workbook(looped / "report.xlsx")
    assert book.sheetnames[0] == "Summary" and book.active.title == "Summary"
    rows = list(book["Summary"].iter_rows(values_only=True))
    assert rows[1] == ("Part", "What", "Value", "Share (%)", "Note")
    facts = {(r[0], r[1]): r[2:4] for r in rows[2:] if r and r[0]}
    assert facts[("Ideas", "Codable ideas")][0] == 90
    assert facts[("Who coded", "ann")] == (60, pytest.approx(66.7))
    suggested, routed = project.conn.execute(
        "SELECT COUNT(*), SUM(abstained) FROM suggestion_items WHERE model_id = ?",
        (load_latest_model(project).model_id,),
    ).fetchone()
    coded = suggested - routed
    assert facts[("Who coded", "The model")] == (coded, pytest.approx(round(100 * coded / 90, 1)))
    routed_row = facts[("The model", "Routed to a human (abstained)")]
    assert routed_row == (routed, pytest.approx(round(100 * routed / suggested, 1)))
    counted = dict(
        project.conn.execute("SELECT rule, COUNT(*) FROM final_provenance GROUP BY rule")
    )
    for rule, n in counted.items():
        assert facts[("Where the final codes came from", RULE_WORDS[rule])][0] == n
    second = [next(ws.iter_rows(min_row=2, max_row=2, values_only=True)) for ws in book]
    headers = [c for row in second for c in row]
    assert not [h for h in headers if isinstance(h, str) and re.search(r"[a-z]_[a-z]", h)]


def test_the_model_id_covers_the_oof_data(looped: Path, tmp_path: Path) -> None:
    from coder.suggest.models import ModelFolderError

    with open_project(looped) as project:
        source = looped / "models" / load_latest_model(project).model_id
    folder = tmp_path / source.name
    shutil.copytree(source, folder)
    with np.load(folder / HEAD, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["_oof.topic.decisions"][0] = 1 - arrays["_oof.topic.decisions"][0]
    np.savez_compressed(folder / HEAD, **arrays)
    with pytest.raises(ModelFolderError, match="do not match its id"):
        load_model(folder)
    del arrays["_oof.topic.decisions"]
    np.savez_compressed(folder / HEAD, **arrays)
    with pytest.raises(ModelFolderError, match="incomplete"):
        load_model(folder)


def test_undefined_agreement_is_said_not_nan() -> None:
    from types import SimpleNamespace

    from coder.suggest.models import OutOfFold
    from coder.tables.report import oof_agreement

    oof = OutOfFold(["a", "b", "c"], np.zeros((3, 2), dtype=np.int8))
    model: Any = SimpleNamespace(oof={"f": oof}, frames={"f": {"codes": ["x", "y"]}})
    silent = {"a": Coding(), "b": Coding(), "c": Coding(not_relevant_reason="spam")}
    busy = {"a": Coding({"f": {"x"}}), "b": Coding({"f": {"y"}}), "z": Coding({"f": {"x"}})}
    got = oof_agreement(model, {"silent": silent, "busy": busy}).set_index("coder")
    assert got.loc["silent", "ideas"] == 2  # the excluded idea is left out
    assert got.loc["silent", "micro_f1"] is None and got.loc["silent", "kappa"] is None
    assert "neither applied any code" in got.loc["silent", "note"]
    assert got.loc["busy", "micro_f1"] == 0.0 and got.loc["busy", "ideas"] == 2
