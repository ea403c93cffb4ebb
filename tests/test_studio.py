"""Label Studio for real: one server for the module, push, pull, review, the demo and a browser.

Nothing here is skipped: without Label Studio or chromium the tests fail and say to run
``bash scripts/setup_studio.sh``. The server starts once (about a minute on an empty data
directory) with stray HOST/PORT/USERNAME/PASSWORD/DEBUG variables set, which it must ignore.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner

from coder.data.audit import history
from coder.data.codings import Coding, codings_of, read_codings
from coder.data.contributions import ingest
from coder.data.moves import move_ideas, read_moves
from coder.data.store import Project, init_project
from coder.demo.example import REVIEWER, example_file
from coder.demo.studio import StudioPeople
from coder.errors import CoderError, InputError
from coder.studio import config as cfg
from coder.studio import push as push_module
from coder.studio import server
from coder.studio.client import Studio
from coder.studio.errors import StudioError, TransientError
from coder.studio.pull import close, pull
from coder.studio.push import push_round, sample_round
from coder.studio.review import pull_reviews, push_suggestions
from coder.studio.rounds import (
    create_round,
    is_closed,
    open_items,
    studio_projects,
    studio_uid,
    task_map,
)
from coder.studio.sample import explicit_assignment
from coder.studio.settings import Account, StudioSettings, load_accounts

SETUP = "run `bash scripts/setup_studio.sh` (Label Studio in .venv-labelstudio, Debian chromium)"
ALEX, SAM = "alex@example.org", "sam@example.org"
REVIEWER2 = "rev2@example.org"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StudioSettings]:
    exe = server.label_studio_bin()
    if not exe.exists():
        pytest.fail(f"Label Studio is not installed ({exe} is missing): {SETUP}")
    base = tmp_path_factory.mktemp("studio")
    port = server.free_port(18080)
    settings = StudioSettings(
        url=f"http://127.0.0.1:{port}",
        port=port,
        admin_email="admin@coder.invalid",
        admin_password="test-admin-password",
        token="0123456789abcdef0123456789abcdef01234567",
        folder=base / ".studio",
        accounts_file=base / "accounts.json",
    )
    with pytest.MonkeyPatch.context() as mp:
        # Label Studio would read these plain variables; coder must unset them.
        for name, value in {"HOST": "0.0.0.0", "PORT": "1", "USERNAME": "intruder@x.org",
                            "PASSWORD": "nope", "DEBUG": "true"}.items():  # fmt: skip
            mp.setenv(name, value)
        state = server.start(settings, echo=lambda _: None)
    assert state.running and state.url == settings.url
    yield settings
    server.stop(settings)
    assert not server.status(settings).running


def _project(path: Path) -> Project:
    project = init_project(path)
    ingest(
        project,
        participants=example_file("participants.csv"),
        ideas=example_file("ideas.csv"),
        comments=example_file("comments.csv"),
        votes=example_file("votes.csv"),
    )
    move_ideas(project, read_moves(example_file("moves.csv")))
    return project


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    with _project(tmp_path / "p") as p:
        yield p


def _studio(live: StudioSettings, project: Project) -> Studio:
    # The module's server (its folder holds the database that accounts are made in) for this
    # project; the project is passed to every call.
    del project
    return Studio(live, retries=2, backoff=0.2)


def _accounts(live: StudioSettings) -> dict[str, Account]:
    assert live.accounts_file is not None
    return load_accounts(live.accounts_file, live.url)


def _annotate(studio: Studio, token: str, task_id: int, result: list[dict[str, Any]],
              **kwargs: Any) -> None:  # fmt: skip
    studio.client_for(token).annotations.create(id=task_id, result=result, **kwargs)


def _dump(project: Project) -> dict[str, list[Any]]:
    conn = project.conn
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


def _server_items(studio: Studio, pid: int) -> list[str]:
    """Every task's item id in a Label Studio project (duplicates kept)."""
    return sorted(
        str(t.data["item"])
        for t in studio.sdk.tasks.list(project=pid, fields="task_only", page_size=1000)
    )


def _view(project: Project, item: str) -> cfg.View:
    q = project.conn.execute(
        "SELECT COALESCE(analysis_question, question) FROM ideas WHERE idea_id = ?", (item,)
    ).fetchone()[0]
    return cfg.view_for(project.codebook, q)


def test_push_is_idempotent_redacted_and_assigned(live: StudioSettings, project: Project) -> None:
    studio = _studio(live, project)
    a = sample_round(project, "r1", [ALEX, SAM], n=24, overlap=0.5, seed=3)
    assert len(a.shared) == 12 and all(len(v) == 18 for v in a.items.values())
    first = push_round(project, studio, "r1", batch_size=7)
    assert first.pushed == first.tasks == 36 and first.created_projects == first.projects
    again = push_round(project, studio, "r1")
    assert (again.pushed, again.created_projects, again.recovered) == (0, 0, 0)
    for sp in studio_projects(project, "r1"):
        items = _server_items(studio, sp.ls_project_id)
        assert len(items) == len(set(items)), "duplicate tasks"
        assert set(items) == set(task_map(project, sp.ls_project_id).values())
        # Each coder's project holds only their items; shared items are in both coders'.
        assert set(items) <= set(a.items[sp.coder_id])
        # No model suggestion can reach a coder during reliability coding.
        detail = studio.project(sp.ls_project_id, studio.desk_token(sp.coder_id))
        assert detail["show_collab_predictions"] is False
        # What a coder reads is in words; coder's key is out of sight.
        n = len(task_map(project, sp.ls_project_id))
        assert detail["title"].startswith(f"Code {n}") and "(r1)" in detail["title"]
        assert f"each of these {n} contributions" in detail["description"]
        assert "coder-key" not in detail["description"] + detail["title"]
        assert cfg.key_in(detail["expert_instruction"]) == (
            f"{project.meta('studio_uid')}/r1/{sp.coder_id}/{sp.view}"
        )
    for coder in (ALEX, SAM):
        pushed = {
            i
            for sp in studio_projects(project, "r1")
            if sp.coder_id == coder
            for i in task_map(project, sp.ls_project_id).values()
        }
        assert pushed == set(a.items[coder])
    # The stored configs are the generated ones, valid for the SDK.
    configs = sorted(p.name for p in (project.annotations_dir / cfg.CONFIG_DIR).iterdir())
    assert configs == ["literacy+readiness.xml", "vision.xml"]


def test_personal_data_never_leaves_the_store(live: StudioSettings, project: Project) -> None:
    studio = _studio(live, project)
    # idea-012 names a person and gives a phone number; idea-043 gives an email address.
    create_round(project, "pii", explicit_assignment({ALEX: ["idea-012", "idea-043"]}))
    push_round(project, studio, "pii")
    texts = {}
    for sp in studio_projects(project, "pii"):
        for t in studio.sdk.tasks.list(project=sp.ls_project_id, fields="all"):
            texts[t.data["item"]] = t.data["text"]
            assert not t.predictions
    original = dict(project.conn.execute("SELECT idea_id, text FROM ideas"))
    assert "Mark Ellison" in original["idea-012"] and "01632 960275" in original["idea-012"]
    assert "Mark Ellison" not in texts["idea-012"] and "01632 960275" not in texts["idea-012"]
    assert "[NAME]" in texts["idea-012"] and "[PHONE]" in texts["idea-012"]
    assert "examplenhs.net" not in texts["idea-043"] and "[EMAIL]" in texts["idea-043"]


def test_pull_stores_sets_skips_cancelled_and_drafts_and_is_idempotent(
    live: StudioSettings, project: Project
) -> None:
    studio = _studio(live, project)
    items = ["idea-001", "idea-004", "idea-006", "idea-009", "idea-012", "idea-014"]
    create_round(project, "r2", explicit_assignment({ALEX: items, SAM: items[:3]}))
    push_round(project, studio, "r2")
    token = _accounts(live)
    tasks = {
        (sp.coder_id, item): tid
        for sp in studio_projects(project, "r2")
        for tid, item in task_map(project, sp.ls_project_id).items()
    }
    lit, vision = _view(project, "idea-001"), _view(project, "idea-009")
    codes = {"literacy": {"learning", "data_literacy"}, "readiness": {"skills"}}
    alex = token[ALEX].token
    comment = {"from_name": cfg.COMMENT, "to_name": cfg.TEXT, "type": "textarea",
               "value": {"text": ["asked the lead"]}}  # fmt: skip
    _annotate(
        studio, alex, tasks[(ALEX, "idea-001")], cfg.choices_result(lit, codes), lead_time=12.5
    )
    _annotate(
        studio, alex, tasks[(ALEX, "idea-004")], [*cfg.exclusion_result("off topic"), comment]
    )
    _annotate(studio, alex, tasks[(ALEX, "idea-006")], [])  # seen, nothing applies
    _annotate(studio, alex, tasks[(ALEX, "idea-009")],
              cfg.choices_result(vision, {"vision": {"integration"}}))  # fmt: skip
    skipped = cfg.choices_result(lit, {"literacy": {"innovation"}})
    _annotate(studio, alex, tasks[(ALEX, "idea-012")], skipped, was_cancelled=True)
    # Drafts: on a task nobody submitted, and on a submitted one; neither may be stored.
    for item in ("idea-014", "idea-009"):
        httpx.post(
            f"{live.url}/api/tasks/{tasks[(ALEX, item)]}/drafts",
            json={"result": cfg.choices_result(vision, {"vision": {"empowered_staff"}})},
            headers={"Authorization": f"Token {alex}"},
        ).raise_for_status()
    _annotate(studio, token[SAM].token, tasks[(SAM, "idea-001")],
              cfg.choices_result(lit, {"literacy": {"learning"}}))  # fmt: skip

    report = pull(project, studio, "r2")
    assert (report.codings, report.cancelled, report.drafts) == (5, 1, 1)
    assert codings_of(project, ALEX) == {
        "idea-001": Coding(codes),
        "idea-004": Coding({}, "off topic"),
        "idea-006": Coding({}),
        "idea-009": Coding({"vision": {"integration"}}),
    }
    assert codings_of(project, SAM) == {"idea-001": Coding({"literacy": {"learning"}})}
    meta = project.conn.execute(
        "SELECT lead_time, comment, created_at, updated_at FROM studio_annotations "
        "WHERE idea_id = 'idea-001' AND coder_id = ?",
        (ALEX,),
    ).fetchone()
    assert meta[0] == 12.5 and meta[2] and meta[3]
    comment = project.conn.execute(
        "SELECT comment FROM studio_annotations WHERE idea_id = 'idea-004' AND coder_id = ?",
        (ALEX,),
    ).fetchone()[0]
    assert comment == "asked the lead"
    ann = project.conn.execute(
        "SELECT ls_annotation_id FROM studio_annotations WHERE idea_id = 'idea-001' "
        "AND coder_id = ?",
        (ALEX,),
    ).fetchone()[0]
    pulled = [e for e in history(project, "idea-001") if e["action"] == "studio pull"]
    assert {e["coder_id"] for e in pulled} == {ALEX, SAM}
    mine = next(e for e in pulled if e["coder_id"] == ALEX)
    assert f"Label Studio annotation {ann} " in mine["ref"]
    assert mine["after"] == "coded; literacy:data_literacy; literacy:learning; readiness:skills"
    archives = sorted((project.annotations_dir / "labelstudio" / "exports").iterdir())
    raw = json.loads(archives[0].read_text())
    assert isinstance(raw[0]["annotations"][0]["completed_by"], dict)
    before = _dump(project)
    second = pull(project, studio, "r2")
    assert second.changed == 0
    assert _dump(project) == before
    assert sorted((project.annotations_dir / "labelstudio" / "exports").iterdir()) == archives


def test_unknown_code_stops_the_pull_and_changes_nothing(
    live: StudioSettings, project: Project
) -> None:
    studio = _studio(live, project)
    create_round(project, "r3", explicit_assignment({ALEX: ["idea-001", "idea-004"]}))
    push_round(project, studio, "r3")
    (sp,) = studio_projects(project, "r3")
    tasks = {item: tid for tid, item in task_map(project, sp.ls_project_id).items()}
    # Someone adds a code to the config in the UI and a coder uses it.
    desk = studio.desk_token(ALEX)
    xml = studio.project_config(sp.ls_project_id, desk)
    edited = xml.replace('<Choice value="Learning"', '<Choice value="Telepathy"/>\n'
                         '    <Choice value="Learning"')  # fmt: skip
    studio.set_config(sp.ls_project_id, edited, desk)
    token = _accounts(live)[ALEX].token
    lit = _view(project, "idea-001")
    _annotate(studio, token, tasks["idea-004"], cfg.choices_result(lit, {"literacy": {"learning"}}))
    _annotate(studio, token, tasks["idea-001"],
              [{"from_name": "literacy", "to_name": cfg.TEXT, "type": "choices",
                "value": {"choices": ["Telepathy", "Learning"]}}])  # fmt: skip
    before = _dump(project)
    with pytest.raises(InputError) as caught:
        pull(project, studio, "r3")
    message = str(caught.value)
    assert "'Telepathy'" in message and "not in the codebook" in message
    assert f"Label Studio project {sp.ls_project_id}" in message
    assert _dump(project) == before
    assert not (project.annotations_dir / "labelstudio" / "exports").exists()
    # Pushing again restores the generated config.
    assert push_round(project, studio, "r3").configs_restored == 1
    assert "Telepathy" not in studio.project_config(sp.ls_project_id, desk)


def _check_complete(studio: Studio, project: Project, round_id: str, expected: int) -> None:
    for sp in studio_projects(project, round_id):
        items = _server_items(studio, sp.ls_project_id)
        assert len(items) == len(set(items)), "duplicates after resuming"
        assert set(items) == set(task_map(project, sp.ls_project_id).values())
    stored = [task_map(project, sp.ls_project_id) for sp in studio_projects(project, round_id)]
    assert sum(len(m) for m in stored) == expected


def test_push_cut_off_after_the_import_resumes_without_duplicates(
    live: StudioSettings, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    studio = _studio(live, project)
    sample_round(project, "r4", [ALEX, SAM], n=20, overlap=0.5, seed=5)
    # coder dies between Label Studio's import of a batch and the store's commit.
    calls = {"n": 0}
    real_record = push_module._record

    def crash_on_second(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("simulated crash after the import")
        real_record(*args)

    monkeypatch.setattr(push_module, "_record", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        push_round(project, studio, "r4", batch_size=6)
    monkeypatch.setattr(push_module, "_record", real_record)
    report = push_round(project, studio, "r4", batch_size=6)
    # The crashed batch was found in Label Studio and recorded, not sent again.
    assert report.recovered > 0 and report.pushed == 30 - 6 - report.recovered
    _check_complete(studio, project, "r4", 30)


def test_push_with_the_server_killed_half_way_completes_on_the_next_run(
    live: StudioSettings, project: Project
) -> None:
    studio = _studio(live, project)
    sample_round(project, "r5", [ALEX, SAM], n=40, overlap=0.5, seed=6)

    def kill_after_first_batch(done: int, total: int) -> None:
        if 0 < done < total:
            server.kill(live)

    with pytest.raises(TransientError, match="run the push again"):
        push_round(project, studio, "r5", batch_size=6, progress=kill_after_first_batch)
    assert not server.status(live).running
    pushed = sum(len(task_map(project, sp.ls_project_id)) for sp in studio_projects(project, "r5"))
    assert 0 < pushed < 60
    server.start(live, echo=lambda _: None)
    report = push_round(project, studio, "r5", batch_size=6)
    assert report.pushed == 60 - pushed
    _check_complete(studio, project, "r5", 60)
    assert push_round(project, studio, "r5").pushed == 0


def test_review_round_trip(live: StudioSettings, project: Project) -> None:
    studio = _studio(live, project)
    reviewer = "rev@example.org"
    suggestions = {
        "idea-001": {"literacy": {"learning": 0.91, "professionalism": 0.7, "innovation": 0.1},
                     "readiness": {"skills": 0.8, "tech": 0.2}},
        "idea-004": {"literacy": {"collaboration": 0.85}, "readiness": {"tech": 0.6}},
        "idea-009": {"vision": {"empowered_patients": 0.77, "integration": 0.3}},
    }  # fmt: skip
    with pytest.raises(InputError, match="'telepathy'"):
        push_suggestions(project, studio, {"idea-009": {"vision": {"telepathy": 0.9}}},
                         "m-1", [reviewer], round_id="bad")  # fmt: skip
    report = push_suggestions(project, studio, suggestions, "minilm-lr-2024.1", [reviewer])
    assert report.pushed == 3
    assert push_suggestions(project, studio, suggestions, "minilm-lr-2024.1",
                            [reviewer]).pushed == 0  # fmt: skip
    tasks: dict[str, int] = {}
    for sp in studio_projects(project, "review-1"):
        assert sp.coder_id == reviewer  # in the reviewer's own desk
        detail = studio.project(sp.ls_project_id, studio.desk_token(reviewer))
        assert detail["show_collab_predictions"] is True
        for t in studio.sdk.tasks.list(project=sp.ls_project_id, fields="all"):
            tasks[t.data["item"]] = int(t.id)
            (pred,) = t.predictions
            assert pred.model_version == "minilm-lr-2024.1" and pred.score is not None
            shown = {"idea-001": "Learning 0.91", "idea-004": "Collaboration 0.85",
                     "idea-009": "Empowered patients 0.77"}  # fmt: skip
            assert shown[t.data["item"]] in t.data["suggestions"]
    token = _accounts(live)[reviewer].token
    lit, vision = _view(project, "idea-001"), _view(project, "idea-009")
    accepted = {"literacy": {"learning", "professionalism"}, "readiness": {"skills"}}
    _annotate(studio, token, tasks["idea-001"], cfg.choices_result(lit, accepted))
    _annotate(studio, token, tasks["idea-004"],
              cfg.choices_result(lit, {"literacy": {"collaboration", "learning"}}))  # fmt: skip
    _annotate(studio, token, tasks["idea-009"], cfg.choices_result(vision, {}))
    result = pull_reviews(project, studio)
    got = {(d.item, d.frame): (d.decision, d.reviewer, set(d.decided)) for d in result.decisions}
    assert got == {
        ("idea-001", "literacy"): ("accept", reviewer, {"learning", "professionalism"}),
        ("idea-001", "readiness"): ("accept", reviewer, {"skills"}),
        ("idea-004", "literacy"): ("edit", reviewer, {"collaboration", "learning"}),
        ("idea-004", "readiness"): ("reject", reviewer, set()),
        ("idea-009", "vision"): ("reject", reviewer, set()),
    }
    assert all(d.decided_at and d.model_version == "minilm-lr-2024.1" for d in result.decisions)
    before = _dump(project)
    pull_reviews(project, studio)
    assert _dump(project) == before
    assert project.conn.execute("SELECT COUNT(*) FROM studio_reviews").fetchone()[0] == 5
    reviewed = [e for e in history(project, "idea-004") if e["action"] == "review"]
    assert len(reviewed) == 1 and reviewed[0]["actor"] == reviewer
    assert (
        "literacy: edit" in reviewed[0]["after"]
        and "Label Studio annotation" in (reviewed[0]["ref"])
    )
    assert (
        project.conn.execute(
            "SELECT COUNT(*) FROM studio_reviews WHERE ls_annotation_id IS NULL"
        ).fetchone()[0]
        == 0
    )


def test_demo_people_code_and_review_through_label_studio(
    live: StudioSettings, project: Project
) -> None:
    # The store starts with no codings: everything compared comes back from Label Studio.
    assert project.conn.execute("SELECT COUNT(*) FROM codings").fetchone()[0] == 0
    studio = _studio(live, project)
    expected = read_codings(project, example_file("coder_codings.csv"))
    reviewer = read_codings(project, example_file("reviewer_answers.csv"))
    answers = {**expected, **reviewer}
    lines: list[str] = []
    people = StudioPeople(studio, lambda who, item: answers[(item, who)], REVIEWER, lines.append)
    coders = sorted({c for _, c in expected})
    assignment = explicit_assignment(
        {c: sorted(i for i, who in expected if who == c) for c in coders}
    )
    assert people.code(project, "demo", assignment) == 240
    for coder in coders:
        mine = {i: k for (i, c), k in expected.items() if c == coder}
        assert codings_of(project, coder) == {
            i: Coding({f: v for f, v in k.codes.items() if v}, k.not_relevant_reason)
            for i, k in mine.items()
        }
    assert people.code(project, "demo", assignment) == 240  # a re-run posts nothing new
    assert any("0 annotations posted" in line for line in lines)
    items = ["idea-001", "idea-004", "idea-009"]
    suggestions = {
        "idea-001": {"literacy": {"learning": 0.9}, "readiness": {"skills": 0.8}},
        "idea-004": {"literacy": {"collaboration": 0.7}, "readiness": {"tech": 0.6}},
        "idea-009": {"vision": {"integration": 0.9}},
    }
    decisions = people.review(project, "review-demo", suggestions, "m-demo", 0.5)
    assert {d.item for d in decisions} == set(items)
    for d in decisions:
        mine = reviewer[(d.item, REVIEWER)]
        want = set() if mine.not_relevant_reason else mine.codes.get(d.frame, set())
        assert set(d.decided) == want and d.annotation_id is not None
    assert (
        project.conn.execute(
            "SELECT COUNT(*) FROM studio_reviews WHERE ls_annotation_id IS NULL"
        ).fetchone()[0]
        == 0
    )


def test_cli_push_pull_status_never_print_secrets(
    live: StudioSettings, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coder.cli.main import main

    monkeypatch.setenv("CODER_STUDIO_URL", live.url)
    monkeypatch.setenv("CODER_STUDIO_TOKEN", live.token)
    monkeypatch.setenv("CODER_STUDIO_ACCOUNTS", str(live.accounts_file))
    # A server coder does not manage: accounts are made through its database (Label Studio's
    # own variable for the SQLite folder), as on a production machine.
    monkeypatch.setenv("LABEL_STUDIO_BASE_DATA_DIR", str(live.folder / "data"))  # type: ignore[operator]
    path = str(project.path)
    runner = CliRunner()
    outputs = []
    for args in (["studio", "push", path, "--coders", f"{ALEX},{SAM}", "--n", "10",
                  "--round", "cli"],
                 ["studio", "push", path],
                 ["studio", "pull", path, "--round", "cli"],
                 ["studio", "status", path]):  # fmt: skip
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert "10 items, 5 coded by all of 2 coders" in outputs[0]
    assert "0 tasks pushed, 15 in Label Studio" in outputs[1]
    assert "up at" in outputs[3]
    assert ["cli", "coding", "4", "15"] in [line.split() for line in outputs[3].splitlines()]
    secrets = [live.token, live.admin_password] + [a.password for a in _accounts(live).values()]
    secrets += [a.token for a in _accounts(live).values()]
    for out in outputs:
        assert not any(s in out for s in secrets)
    log = (live.folder / server.LOG_FILE).read_text()  # type: ignore[operator]
    assert not any(s in log for s in secrets)


def test_browser_coder_ticks_two_frames_and_pull_stores_exactly_that(
    live: StudioSettings, project: Project
) -> None:
    studio = _studio(live, project)
    coder = "browser@example.org"
    create_round(project, "web", explicit_assignment({coder: ["idea-001", "idea-004"]}))
    push_round(project, studio, "web")
    (sp,) = studio_projects(project, "web")
    task_id = next(t for t, i in task_map(project, sp.ls_project_id).items() if i == "idea-001")
    account = _accounts(live)[coder]
    with _browser() as browser:
        page = _login(browser, live.url, account)
        page.goto(f"{live.url}/projects/{sp.ls_project_id}/data?task={task_id}")
        page.wait_for_selector(_choice("Learning"), timeout=60_000)
        for label in ("Learning", "Data literacy", "Skills"):
            page.locator(_choice(label)).first.click()
        with page.expect_response(lambda r: "/annotations" in r.url and r.ok):
            page.locator("button:has-text('Submit')").first.click()
    report = pull(project, studio, "web")
    assert report.codings == 1
    assert codings_of(project, coder) == {
        "idea-001": Coding({"literacy": {"learning", "data_literacy"}, "readiness": {"skills"}})
    }


def _choice(label: str) -> str:
    """The choice whose label (in bold, above its definition) is exactly ``label``."""
    return f"label:has(b:text-is('{label}'))"


@contextmanager
def _browser() -> Iterator[Any]:
    """Debian's chromium through Playwright (headless, no sandbox, background networking off)."""
    if not CHROMIUM.exists():
        pytest.fail(f"Debian's chromium is not installed ({CHROMIUM} is missing): {SETUP}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"Playwright's Python package is missing from .venv: {SETUP}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            yield browser
        finally:
            browser.close()


def _login(browser: Any, url: str, account: Account) -> Any:
    """A page signed in as ``account`` through Label Studio's login form."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/user/login/")
    page.fill("input[name=email]", account.email)
    page.fill("input[name=password]", account.password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/user/login" not in page.url, "the login failed"
    return page


def _get(url: str, path: str, token: str) -> httpx.Response:
    return httpx.get(url + path, headers={"Authorization": f"Token {token}"}, timeout=60)


def _ids(studio: Studio, project: Project, round_id: str) -> dict[str, tuple[int, dict[str, int]]]:
    """Each person's project of a one-view round and its task ids by item."""
    return {
        sp.coder_id: (sp.ls_project_id,
                      {i: t for t, i in task_map(project, sp.ls_project_id).items()})
        for sp in studio_projects(project, round_id)
    }  # fmt: skip


def test_coders_code_only_in_their_own_desk(live: StudioSettings, project: Project) -> None:
    studio = _studio(live, project)
    items = ["idea-001", "idea-004"]
    create_round(project, "desks", explicit_assignment({ALEX: items, SAM: items}))
    push_round(project, studio, "desks")
    accounts = _accounts(live)
    alex, sam = accounts[ALEX], accounts[SAM]
    assert alex.desk is not None and sam.desk is not None and alex.desk != sam.desk
    ids = _ids(studio, project, "desks")
    a_pid, a_tasks = ids[ALEX]
    s_pid, s_tasks = ids[SAM]
    lit = _view(project, "idea-001")
    ann = studio.annotate(alex.token, a_tasks["idea-001"],
                          cfg.choices_result(lit, {"literacy": {"learning"}}))  # fmt: skip
    httpx.post(f"{live.url}/api/tasks/{a_tasks['idea-004']}/drafts",
               json={"result": cfg.choices_result(lit, {"literacy": {"innovation"}})},
               headers={"Authorization": f"Token {alex.token}"}).raise_for_status()  # fmt: skip
    # Sam lists only Sam's projects, and reaches nothing of Alex's by id.
    listed = {p["id"] for p in _get(live.url, "/api/projects?page_size=1000",
                                    sam.token).json()["results"]}  # fmt: skip
    assert s_pid in listed and a_pid not in listed
    a_task = a_tasks["idea-001"]
    for path in (f"/api/projects/{a_pid}", f"/api/tasks?project={a_pid}", f"/api/tasks/{a_task}",
                 f"/api/tasks/{a_task}/annotations", f"/api/annotations/{ann}",
                 f"/api/tasks/{a_tasks['idea-004']}/drafts", f"/api/projects/{a_pid}/next",
                 f"/api/projects/{a_pid}/export?exportType=JSON", f"/api/dm/views?project={a_pid}",
                 f"/api/predictions?task={a_task}", f"/api/projects/{a_pid}/summary"):  # fmt: skip
        r = _get(live.url, path, sam.token)
        assert r.status_code in (403, 404), (path, r.status_code)
        assert "Learning" not in r.text and "innovation" not in r.text.lower()
    headers = {"Authorization": f"Token {sam.token}"}
    refused = {
        "move into Alex's desk": httpx.patch(f"{live.url}/api/users/{sam.user_id}",
                                             json={"active_organization": alex.desk},
                                             headers=headers),
        "annotate Alex's task": httpx.post(f"{live.url}/api/tasks/{a_task}/annotations",
                                           json={"result": []}, headers=headers),
        "create a project": httpx.post(f"{live.url}/api/projects",
                                       json={"title": "mine", "label_config": "<View/>"},
                                       headers=headers),
        "configure their project": httpx.patch(f"{live.url}/api/projects/{s_pid}",
                                               json={"maximum_annotations": 5}, headers=headers),
        "import tasks": httpx.post(f"{live.url}/api/projects/{s_pid}/import",
                                   json=[{"data": {"text": "x"}}], headers=headers),
        "delete a task": httpx.delete(f"{live.url}/api/tasks/{s_tasks['idea-004']}",
                                      headers=headers),
        "invite people": httpx.get(f"{live.url}/api/invite", headers=headers),
    }  # fmt: skip
    assert {why: r.status_code for why, r in refused.items()} == {
        why: 404 if why == "annotate Alex's task" else 403 for why in refused
    }
    assert _get(live.url, "/api/current-user/whoami", sam.token).json()["active_organization"] == (
        sam.desk
    )
    # Coding itself works, and the analyst pulls both desks.
    studio.annotate(
        sam.token, s_tasks["idea-001"], cfg.choices_result(lit, {"literacy": {"innovation"}})
    )
    report = pull(project, studio, "desks")
    assert report.codings == 2 and report.outside_assignment == 0
    assert codings_of(project, SAM) == {"idea-001": Coding({"literacy": {"innovation"}})}


def test_review_holds_back_items_of_open_coding_rounds(
    live: StudioSettings, project: Project
) -> None:
    studio = _studio(live, project)
    create_round(project, "open", explicit_assignment({ALEX: ["idea-001", "idea-004"],
                                                      SAM: ["idea-001", "idea-006"]}))  # fmt: skip
    push_round(project, studio, "open")
    scores = {"idea-001": {"literacy": {"learning": 0.9}},
              "idea-009": {"vision": {"integration": 0.8}}}  # fmt: skip
    report = push_suggestions(project, studio, scores, "m-hold", [SAM], round_id="rev-a")
    assert report.held_back == {"open": 1} and report.pushed == 1
    (sp,) = studio_projects(project, "rev-a")
    assert sp.coder_id == SAM and set(task_map(project, sp.ls_project_id).values()) == {"idea-009"}
    with pytest.raises(StudioError, match="still open"):
        push_suggestions(project, studio, {"idea-001": scores["idea-001"]}, "m-hold", [SAM],
                         round_id="rev-b")  # fmt: skip
    # Pulled and closed, the round's items may be reviewed; the closed round takes no new task.
    close(project, studio, "open")
    assert is_closed(project, "open") and open_items(project) == {}
    again = push_suggestions(project, studio, {"idea-001": scores["idea-001"]}, "m-hold",
                             [SAM, REVIEWER2], round_id="rev-b")  # fmt: skip
    assert again.held_back == {} and again.pushed == 1
    assert push_round(project, studio, "open").pushed == 0
    # A task deleted in Label Studio would be pushed again, but not into a closed round.
    lost = _ids(studio, project, "open")[SAM][1]["idea-006"]
    studio.request("deleting a task", "DELETE", f"/api/tasks/{lost}", token=studio.desk_token(SAM))
    with pytest.raises(CoderError, match="closed"):
        push_round(project, studio, "open")


def test_projects_made_before_desks_move_into_their_coders_desk(
    live: StudioSettings, project: Project
) -> None:
    studio = _studio(live, project)
    create_round(project, "old", explicit_assignment({ALEX: ["idea-001"]}))
    view = _view(project, "idea-001")
    _, xml = cfg.write_config(project.annotations_dir, view)
    key = f"{studio_uid(project)}/old/{ALEX}/{view.key}"
    # As an older coder made it: in the admin's organization, its key in its description.
    body = {
        "title": "alex · old",
        "label_config": xml,
        "description": f"Made by coder; do not edit the labelling config.\ncoder-key: {key}",
    }
    pid = int(studio.request("creating a project", "POST", "/api/projects", body=body)["id"])
    report = push_round(project, studio, "old")
    assert (report.created_projects, report.pushed) == (0, 1)
    (sp,) = studio_projects(project, "old")
    assert sp.ls_project_id == pid
    detail = studio.project(pid, studio.desk_token(ALEX))
    assert "coder-key" not in detail["description"] and detail["title"].startswith("Code 1:")
    assert cfg.key_in(detail["expert_instruction"]) == key
    mine = _get(live.url, "/api/projects?page_size=1000", _accounts(live)[ALEX].token).json()
    assert pid in {p["id"] for p in mine["results"]}


def test_browser_blind_coding_definitions_and_no_internals(
    live: StudioSettings, project: Project
) -> None:
    studio = _studio(live, project)
    shared = "idea-001"
    create_round(project, "blind", explicit_assignment({ALEX: [shared, "idea-004"],
                                                       SAM: [shared, "idea-006"]}))  # fmt: skip
    push_round(project, studio, "blind")
    ids = _ids(studio, project, "blind")
    a_pid, a_tasks = ids[ALEX]
    s_pid, s_tasks = ids[SAM]
    accounts = _accounts(live)
    lit = _view(project, shared)
    ticks = cfg.choices_result(lit, {"literacy": {"learning", "collaboration"}})
    studio.annotate(accounts[ALEX].token, a_tasks[shared], ticks)
    # A model's suggestion for the shared item reaches nobody while the round is open, even
    # when Sam also reviews.
    scores = {
        shared: {"literacy": {"learning": 0.95}},
        "idea-009": {"vision": {"integration": 0.9}},
    }
    review = push_suggestions(project, studio, scores, "m-blind", [SAM], round_id="rev-blind")
    assert review.held_back == {"blind": 1}
    (rsp,) = studio_projects(project, "rev-blind")
    alex_only = _texts(studio, a_pid)["idea-004"]
    learning = project.codebook.frame("literacy").code("learning").definition
    uid = project.meta("studio_uid") or ""
    with _browser() as browser:
        page = _login(browser, live.url, accounts[SAM])
        # The project list: Sam's coding and review projects only, in words, no internal key.
        with page.expect_response(lambda r: "/api/projects" in r.url and "page=" in r.url) as got:
            page.goto(f"{live.url}/projects/")
        listed = {p["id"] for p in got.value.json()["results"]}
        sams = set(studio.projects_by_key(studio.desk_token(SAM)).values())
        alexs = set(studio.projects_by_key(studio.desk_token(ALEX)).values())
        assert {s_pid, rsp.ls_project_id} <= listed <= sams and not listed & alexs
        page.wait_for_selector("text=Code 2:", timeout=60_000)
        shown = page.inner_text("body")
        assert "each of these 2 contributions" in shown
        assert "coder-key" not in shown and uid not in shown and "Made by coder" not in shown
        # Alex's project by URL: nothing of it reaches the page or Sam's session.
        page.goto(f"{live.url}/projects/{a_pid}/data?task={a_tasks['idea-004']}")
        page.wait_for_timeout(4000)
        assert alex_only[:40] not in page.inner_text("body")
        for path in (f"/api/projects/{a_pid}", f"/api/tasks/{a_tasks[shared]}",
                     f"/api/tasks/{a_tasks[shared]}/annotations"):  # fmt: skip
            assert page.request.get(live.url + path).status in (403, 404), path
        # Sam's own reliability item: no prediction, nobody's ticks, each code's definition
        # on the task screen.
        page.goto(f"{live.url}/projects/{s_pid}/data?task={s_tasks[shared]}")
        page.wait_for_selector(_choice("Learning"), timeout=60_000)
        assert page.get_by_text(" ".join(learning.split())[:60]).first.is_visible()
        assert page.locator("input[type=checkbox]:checked").count() == 0
        task = page.request.get(f"{live.url}/api/tasks/{s_tasks[shared]}").json()
        assert task["predictions"] == [] and task["annotations"] == []
        assert "coder-key" not in page.inner_text("body")


def _texts(studio: Studio, pid: int) -> dict[str, str]:
    return {
        str(t.data["item"]): str(t.data["text"])
        for t in studio.sdk.tasks.list(project=pid, fields="all")
    }


def test_coders_and_login_commands(
    live: StudioSettings, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coder.cli.studio_accounts import STUDIO_COMMANDS

    group = click.Group("studio", commands={c.name: c for c in STUDIO_COMMANDS if c.name})
    monkeypatch.setenv("CODER_STUDIO_URL", live.url)
    monkeypatch.setenv("CODER_STUDIO_TOKEN", live.token)
    monkeypatch.setenv("CODER_STUDIO_ACCOUNTS", str(live.accounts_file))
    monkeypatch.setenv("LABEL_STUDIO_BASE_DATA_DIR", str(live.folder / "data"))  # type: ignore[operator]
    studio = _studio(live, project)
    newbie = "newbie@example.org"
    create_round(project, "logins", explicit_assignment({ALEX: ["idea-001", "idea-004"],
                                                        newbie: ["idea-001"]}))  # fmt: skip
    first = push_round(project, studio, "logins")
    assert newbie in first.created_accounts  # (and Alex's, when no earlier test made it)
    assert push_round(project, studio, "logins").created_accounts == []
    ids = _ids(studio, project, "logins")
    studio.annotate(_accounts(live)[ALEX].token, ids[ALEX][1]["idea-004"], [])
    runner = CliRunner()
    path = str(project.path)
    result = runner.invoke(group, ["coders", path, "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {(r["person"], r["round"]): r for r in csv.DictReader(io.StringIO(result.output))}
    assert (rows[(ALEX, "logins")]["done"], rows[(ALEX, "logins")]["assigned"]) == ("1", "2")
    assert (rows[(newbie, "logins")]["done"], rows[(newbie, "logins")]["assigned"]) == ("0", "1")
    assert rows[(newbie, "logins")]["account"] == "yes"
    assert rows[(newbie, "logins")]["title"] == "Code 1: Literacy and readiness (logins)"
    secrets = [a.token for a in _accounts(live).values()] + [a.desk_token for a in
                                                            _accounts(live).values()]  # fmt: skip
    secrets += [a.password for a in _accounts(live).values()]
    assert not any(x in result.output for x in secrets)
    # The login of one coder, for the analyst to hand over; --reset replaces the password.
    result = runner.invoke(group, ["login", path, newbie])
    assert result.exit_code == 0, result.output
    old = _accounts(live)[newbie].password
    assert f"Login page: {live.url}/user/login/" in result.output and old in result.output
    assert _accounts(live)[ALEX].password not in result.output
    result = runner.invoke(group, ["login", path, newbie, "--reset"])
    assert result.exit_code == 0, result.output
    new = _accounts(live)[newbie].password
    assert new != old and new in result.output and old not in result.output
    assert _form_login(live.url, newbie, new) and not _form_login(live.url, newbie, old)
    result = runner.invoke(group, ["login", path, "stranger@example.org"])
    assert result.exit_code == 1 and "in no round of this project" in result.output
    result = runner.invoke(group, ["close", path, "--round", "logins"])
    assert result.exit_code == 0 and "round logins is closed" in result.output
    for command in STUDIO_COMMANDS:
        assert runner.invoke(group, [str(command.name), "--help"]).exit_code == 0


def _form_login(url: str, email: str, password: str) -> bool:
    """True when Label Studio's login form accepts the password."""
    with httpx.Client(base_url=url, timeout=60) as session:
        session.get("/user/login/")
        r = session.post("/user/login/", data={
            "email": email, "password": password,
            "csrfmiddlewaretoken": session.cookies.get("csrftoken") or ""},
            headers={"Referer": f"{url}/user/login/"})  # fmt: skip
        return r.status_code == 302


def test_setup_script_and_server_script_exist() -> None:
    root = Path(__file__).resolve().parent.parent
    for name in ("setup_studio.sh", "studio.sh"):
        text = (root / "scripts" / name).read_text()
        assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
    assert shutil.which("bash")


def test_serving_another_address_signs_coders_in_there(
    live: StudioSettings, project: Project
) -> None:
    """``host``: the server listens on a second loopback address (tests reach no other host)
    with Label Studio told its public address, and a coder signs in through it. Last in the
    module: it restarts the module's server and puts it back."""
    studio = _studio(live, project)
    create_round(project, "lan", explicit_assignment({ALEX: ["idea-001"]}))
    push_round(project, studio, "lan")
    (sp,) = studio_projects(project, "lan")
    address = f"http://127.0.0.2:{live.port}"
    served = replace(live, host="127.0.0.2", public_url=address, url=address)
    env = server.server_env(served, live.folder / "data")  # type: ignore[operator]
    assert env["LABEL_STUDIO_HOST"] == address
    assert env["LABEL_STUDIO_CSRF_TRUSTED_ORIGINS"] == address
    assert "127.0.0.2" in env["LABEL_STUDIO_ALLOWED_HOSTS"].split(",")
    server.stop(live)
    try:
        state = server.start(served, echo=lambda _: None)
        assert state.running and state.url == address
        assert not server.health(live.url, timeout=1)  # nothing on 127.0.0.1 now
        with _browser() as browser:
            page = _login(browser, address, _accounts(live)[ALEX])
            assert page.url.startswith(address)
            me = page.request.get(f"{address}/api/current-user/whoami").json()
            assert me["email"] == ALEX
            page.goto(f"{address}/projects/{sp.ls_project_id}/data")
            page.wait_for_selector("text=Code 1: Literacy and readiness (lan)", timeout=60_000)
    finally:
        server.stop(served)
        server.start(live, echo=lambda _: None)
    assert server.status(live).running
