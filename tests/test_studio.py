"""Label Studio for real: one server for the module, push, pull, review, the demo and a browser.

Nothing here is skipped: without Label Studio or chromium the tests fail and say to run
``bash scripts/setup_studio.sh``. The server starts once (about a minute on an empty data
directory) with stray HOST/PORT/USERNAME/PASSWORD/DEBUG variables set, which it must ignore.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from coder.data.audit import history
from coder.data.codings import Coding, codings_of, read_codings
from coder.data.contributions import ingest, move_ideas, read_moves
from coder.data.store import Project, init_project
from coder.demo.example import REVIEWER, example_file
from coder.demo.studio import StudioPeople
from coder.errors import InputError
from coder.studio import config as cfg
from coder.studio import push as push_module
from coder.studio import server
from coder.studio.client import Studio
from coder.studio.errors import TransientError
from coder.studio.pull import pull
from coder.studio.push import push_round, sample_round
from coder.studio.review import pull_reviews, push_suggestions
from coder.studio.rounds import create_round, studio_projects, task_map
from coder.studio.sample import explicit_assignment
from coder.studio.settings import Account, StudioSettings, load_accounts

SETUP = "run `bash scripts/setup_studio.sh` (Label Studio in .venv-labelstudio, Debian chromium)"
ALEX, SAM = "alex@example.org", "sam@example.org"
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
    return Studio(replace(live, folder=project.path / ".studio"), retries=2, backoff=0.2)


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
        detail = studio.sdk.projects.get(id=sp.ls_project_id)
        assert detail.show_collab_predictions is False
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
    xml = studio.project_config(sp.ls_project_id)
    edited = xml.replace('<Choice value="Learning"', '<Choice value="Telepathy"/>\n'
                         '    <Choice value="Learning"')  # fmt: skip
    studio.set_config(sp.ls_project_id, edited)
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
    assert "Telepathy" not in studio.project_config(sp.ls_project_id)


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
        assert studio.sdk.projects.get(id=sp.ls_project_id).show_collab_predictions is True
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
    assert "up at" in outputs[3] and "cli\tcoding\t4 projects\t15 tasks pushed" in outputs[3]
    secrets = [live.token, live.admin_password] + [a.password for a in _accounts(live).values()]
    secrets += [a.token for a in _accounts(live).values()]
    for out in outputs:
        assert not any(s in out for s in secrets)
    log = (live.folder / server.LOG_FILE).read_text()  # type: ignore[operator]
    assert not any(s in log for s in secrets)


def test_browser_coder_ticks_two_frames_and_pull_stores_exactly_that(
    live: StudioSettings, project: Project
) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"Debian's chromium is not installed ({CHROMIUM} is missing): {SETUP}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"Playwright's Python package is missing from .venv: {SETUP}")

    studio = _studio(live, project)
    coder = "browser@example.org"
    create_round(project, "web", explicit_assignment({coder: ["idea-001", "idea-004"]}))
    push_round(project, studio, "web")
    (sp,) = studio_projects(project, "web")
    task_id = next(t for t, i in task_map(project, sp.ls_project_id).items() if i == "idea-001")
    account = _accounts(live)[coder]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            page = browser.new_page()
            page.goto(f"{live.url}/user/login/")
            page.fill("input[name=email]", account.email)
            page.fill("input[name=password]", account.password)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            page.goto(f"{live.url}/projects/{sp.ls_project_id}/data?task={task_id}")
            page.wait_for_selector("label:has-text('Learning')", timeout=60_000)
            for label in ("Learning", "Data literacy", "Skills"):
                page.locator(f"label:has-text('{label}')").first.click()
            with page.expect_response(lambda r: "/annotations" in r.url and r.ok):
                page.locator("button:has-text('Submit')").first.click()
        finally:
            browser.close()
    report = pull(project, studio, "web")
    assert report.codings == 1
    assert codings_of(project, coder) == {
        "idea-001": Coding({"literacy": {"learning", "data_literacy"}, "readiness": {"skills"}})
    }


def test_setup_script_and_server_script_exist() -> None:
    root = Path(__file__).resolve().parent.parent
    for name in ("setup_studio.sh", "studio.sh"):
        text = (root / "scripts" / name).read_text()
        assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
    assert shutil.which("bash")
