"""The Label Studio integration without a server: configs, results, samples, settings."""

from __future__ import annotations

import os
import socket
import stat
from collections import Counter
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import click
import pytest
from click.testing import CliRunner

from coder.data.codebook import load_codebook, parse_codebook
from coder.errors import CodebookError, CoderError
from coder.studio import config as cfg
from coder.studio import server
from coder.studio.errors import PortTakenError, StudioError
from coder.studio.review import decide, suggested
from coder.studio.sample import allocate, stratified_assignment
from coder.studio.settings import StudioSettings, load_settings, read_secret

TRICKY = {
    "id": "tricky",
    "questions": [{"id": "Q1", "label": "Q1 <b>&", "text": 'Say "why" & how'}],
    "frames": [
        {"id": "themes", "label": "Themes & <more>", "selection": "multiple",
         "questions": ["Q1"], "codes": [
             {"id": "a", "label": 'Care & "quotes"', "definition": "x < y > z &amp; done"},
             {"id": "b", "label": "It's <b>bold</b>"}]},
        {"id": "stance", "label": "Stance", "selection": "exclusive", "questions": ["Q1"],
         "codes": [{"id": "for", "label": "For"}, {"id": "against", "label": "Against"}]},
    ],
}  # fmt: skip


def test_configs_have_one_choices_block_per_frame_and_validate() -> None:
    cb = load_codebook()
    views = cfg.views(cb)
    assert list(views) == ["vision", "literacy+readiness", "none"]
    for view in views.values():
        for review in (False, True):
            xml = cfg.labeling_config(view, review)
            cfg.validate_config(xml)  # the SDK's label interface accepts it
            root = ElementTree.fromstring(xml)
            blocks = {c.get("name"): c for c in root.iter("Choices")}
            assert set(blocks) == {f.id for f in view.frames} | {cfg.NOT_RELEVANT}
            for frame in view.frames:
                block = blocks[frame.id]
                assert block.get("choice") == ("single" if frame.exclusive else "multiple")
                choices = block.findall("Choice")
                assert [c.get("value") for c in choices] == [c.label for c in frame.codes]
                assert [c.get("hint") for c in choices] == [
                    " ".join(c.definition.split()) or None for c in frame.codes
                ]
            assert [t.get("name") for t in root.iter("TextArea")] == [cfg.REASON, cfg.COMMENT]
            assert ("$suggestions" in xml) is review


def test_names_and_labels_are_xml_escaped() -> None:
    view = cfg.view_for(parse_codebook(TRICKY), "Q1")
    xml = cfg.labeling_config(view)
    cfg.validate_config(xml)
    root = ElementTree.fromstring(xml)  # well-formed despite <, >, & and quotes
    values = [c.get("value") for c in root.iter("Choice")]
    assert values[:2] == ['Care & "quotes"', "It's <b>bold</b>"]
    assert "x < y > z &amp; done" in [c.get("hint") for c in root.iter("Choice")]
    headers = [h.get("value") for h in root.iter("Header")]
    assert "Themes & <more> (choose all that apply)" in headers
    assert "Stance (choose one)" in headers


def test_invalid_configs_are_refused() -> None:
    with pytest.raises(CodebookError, match="labelling config"):
        cfg.validate_config('<View><Choices name="x" toName="nowhere"><Choice value="a"/>'
                            "</Choices></View>")  # fmt: skip
    data: dict[str, Any] = {**TRICKY}
    data["frames"] = [{**TRICKY["frames"][1], "codes": [{"id": "d", "label": "$dollar"}]}]
    with pytest.raises(CodebookError, match="does not start with"):
        cfg.labeling_config(cfg.view_for(parse_codebook(data), "Q1"))


def test_configs_are_stored_under_annotations(tmp_path: Path) -> None:
    view = cfg.views(load_codebook())["literacy+readiness"]
    path, xml = cfg.write_config(tmp_path, view)
    assert path == tmp_path / "labelstudio" / "configs" / "literacy+readiness.xml"
    assert path.read_text() == xml


def _parse(view: cfg.View, result: list[dict[str, Any]]) -> tuple[cfg.ParsedResult, list[str]]:
    found: list[str] = []
    parsed = cfg.parse_result(view, result, "task 1", lambda col, f, e, fix: found.append(f))
    return parsed, found


def test_results_round_trip_as_sets_and_accept_json_min_strings() -> None:
    view = cfg.views(load_codebook())["literacy+readiness"]
    codes = {"literacy": {"learning", "data_literacy"}, "readiness": {"skills"}}
    parsed, problems = _parse(view, cfg.choices_result(view, codes))
    assert parsed.codes == codes and not problems and not parsed.not_relevant
    # JSON-MIN style: one choice as a bare string.
    single = [{"from_name": "readiness", "type": "choices", "value": {"choices": "Skills"}}]
    assert _parse(view, single)[0].codes == {"readiness": {"skills"}}
    parsed, _ = _parse(view, cfg.exclusion_result("off topic"))
    assert parsed.not_relevant and parsed.reason == "off topic" and parsed.codes == {}


def test_results_that_do_not_fit_are_reported_not_guessed() -> None:
    cb = parse_codebook(TRICKY)
    view = cfg.view_for(cb, "Q1")
    result = [
        {"from_name": "themes", "value": {"choices": ['Care & "quotes"', "Telepathy"]}},
        {"from_name": "stance", "value": {"choices": ["For", "Against"]}},
        {"from_name": "mood", "value": {"choices": ["Happy"]}},
    ]
    parsed, problems = _parse(view, result)
    assert parsed.codes["themes"] == {"a"}
    assert any("'Telepathy'" in p and "not in the codebook" in p for p in problems)
    assert any("exclusive frame 'stance'" in p for p in problems)
    assert any("'mood'" in p for p in problems)


def test_allocation_and_stratified_assignment() -> None:
    assert allocate(10, {"a": 50, "b": 30, "c": 20}) == {"a": 5, "b": 3, "c": 2}
    assert sum(allocate(7, {"a": 1, "b": 1, "c": 1}).values()) == 7
    questions = {f"i{k:03d}": q for k, q in enumerate(["I"] * 60 + ["II"] * 30 + ["III"] * 10)}
    a = stratified_assignment(questions, 40, 0.5, ["x@o", "y@o"], seed=1)
    assert a == stratified_assignment(questions, 40, 0.5, ["x@o", "y@o"], seed=1)
    assert len(a.all_items) == 40 and len(a.shared) == 20
    assert all(len(items) == 30 for items in a.items.values())
    assert set(a.items["x@o"]) & set(a.items["y@o"]) == a.shared
    assert Counter(questions[i] for i in a.all_items) == {"I": 24, "II": 12, "III": 4}
    assert Counter(questions[i] for i in a.shared) == {"I": 12, "II": 6, "III": 2}
    for bad in ({"n": 200}, {"overlap": 1.5}, {"coders": []}, {"coders": ["x@o", "x@o"]}):
        args: dict[str, Any] = {"n": 10, "overlap": 0.5, "coders": ["x@o", "y@o"], **bad}
        with pytest.raises(CoderError, match="cannot draw the sample"):
            stratified_assignment(questions, args["n"], args["overlap"], args["coders"])


def test_suggestions_and_decisions() -> None:
    cb = load_codebook()
    lit = cb.frame("literacy")
    assert suggested(lit, {"learning": 0.9, "innovation": 0.5, "collaboration": 0.2}, 0.5) == {
        "learning",
        "innovation",
    }
    exclusive = parse_codebook(TRICKY).frame("stance")
    assert suggested(exclusive, {"for": 0.7, "against": 0.6}, 0.5) == {"for"}
    assert suggested(exclusive, {"for": 0.3}, 0.5) == set()
    per_code = {"literacy": {"learning": 0.95}}  # others keep 0.5
    assert suggested(lit, {"learning": 0.9, "innovation": 0.6}, per_code) == {"innovation"}
    assert decide({"a"}, {"a"}, False) == "accept"
    assert decide(set(), set(), False) == "accept"
    assert decide({"a", "b"}, set(), False) == "reject"
    assert decide({"a"}, {"a", "c"}, False) == "edit"
    assert decide({"a"}, {"c"}, False) == "reject"
    assert decide(set(), {"c"}, False) == "edit"
    assert decide({"a"}, {"a"}, True) == "reject"


def test_settings_are_generated_private_and_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CODER_STUDIO_URL", "CODER_STUDIO_TOKEN", "CODER_STUDIO_PASSWORD",
                 "CODER_STUDIO_ADMIN", "CODER_STUDIO_PORT", "CODER_STUDIO_ACCOUNTS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    s = load_settings(tmp_path, port=8123)
    path = tmp_path / ".studio" / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert s.url == "http://127.0.0.1:8123" and len(s.token) == 40 and s.managed
    assert s.token not in repr(s) and s.admin_password not in repr(s)
    again = load_settings(tmp_path)
    assert (again.token, again.admin_password, again.port) == (s.token, s.admin_password, 8123)
    monkeypatch.setenv("CODER_STUDIO_TOKEN", "t" * 40)
    assert load_settings(tmp_path).token == "t" * 40
    assert read_secret(path)["token"] == s.token  # a token from the environment is not stored
    os.chmod(path, 0o644)
    with pytest.raises(StudioError, match="chmod 600"):
        load_settings(tmp_path)
    os.chmod(path, 0o600)
    monkeypatch.setenv("CODER_STUDIO_URL", "http://ls.example:9000/")
    external = load_settings(tmp_path)
    assert external.url == "http://ls.example:9000" and not external.managed
    monkeypatch.delenv("CODER_STUDIO_TOKEN")
    with pytest.raises(StudioError, match="CODER_STUDIO_TOKEN"):
        load_settings(tmp_path / "other")


def test_server_environment_drops_stray_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HOST", "PORT", "USERNAME", "PASSWORD", "DEBUG", "LABEL_STUDIO_HOST"):
        monkeypatch.setenv(name, "stray")
    s = StudioSettings("http://127.0.0.1:8123", 8123, "a@b.org", "pw", "t" * 40,
                       folder=tmp_path)  # fmt: skip
    env = server.server_env(s, tmp_path / "data")
    assert not {"HOST", "PORT", "USERNAME", "PASSWORD", "DEBUG", "LABEL_STUDIO_HOST"} & set(env)
    assert env["LABEL_STUDIO_BASE_DATA_DIR"] == str(tmp_path / "data")
    assert env["LATEST_VERSION_CHECK"] == "false" and env["COLLECT_ANALYTICS"] == "false"
    assert env["LABEL_STUDIO_USER_TOKEN"] == "t" * 40 and env["SENTRY_DSN"] == ""


def test_a_taken_port_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert server.port_in_use(port)
        s = StudioSettings(f"http://127.0.0.1:{port}", port, "a@b.org", "pw", "t" * 40,
                           folder=tmp_path / ".studio")  # fmt: skip
        with pytest.raises(PortTakenError, match=f"port {port} is already in use"):
            server.start(s, venv=tmp_path / "no-venv")
    assert not (tmp_path / "no-venv").exists()
    assert server.free_port(port) >= port
    assert not server.status(s).running
    assert server.stop(s) is False


def test_cli_studio_commands_have_help_and_config_writes_files(tmp_path: Path) -> None:
    from coder.cli.main import main

    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path / "p")]).exit_code == 0
    result = runner.invoke(main, ["studio", "config", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "p" / "annotations" / "labelstudio" / "configs"
    assert {p.name for p in folder.iterdir()} >= {"vision.xml", "review-vision.xml"}
    result = runner.invoke(main, ["studio", "pull", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "not a coder project" in result.output


def test_choices_show_their_definitions_and_projects_read_in_words() -> None:
    cb = load_codebook()
    view = cfg.views(cb)["literacy+readiness"]
    root = ElementTree.fromstring(cfg.labeling_config(view))
    learning = cb.frame("literacy").code("learning")
    (choice,) = [c for c in root.iter("Choice") if c.get("value") == "Learning"]
    shown = choice.get("html") or ""
    assert shown.startswith("<b>Learning</b>") and " ".join(learning.definition.split()) in shown
    texts = cfg.project_texts(view, 60, "coding-1")
    assert texts["title"] == "Code 60: Literacy and readiness (coding-1)"
    assert len(texts["title"]) <= cfg.TITLE_MAX
    assert texts["description"].startswith("Read each of these 60 contributions")
    assert "Digital readiness dimensions: tick every code that applies." in texts["description"]
    assert learning.include[0] in texts["instructions"]
    review = cfg.project_texts(cfg.views(cb)["vision"], 1, "review-1", review=True)
    assert review["title"] == "Review 1 contribution: Vision themes (review-1)"
    assert "suggested codes are ticked" in review["description"]
    for key in ("ab12/coding-1/a@b.org/literacy+readiness", 'odd "key" <&>'):
        assert cfg.key_in("<p>codebook</p>" + cfg.key_tag(key)) == key
    assert cfg.key_in("Made by coder; do not edit.\ncoder-key: a/b/c/d") == "a/b/c/d"
    assert cfg.key_in("<p>no key</p>") is None


def test_serving_other_machines_sets_host_csrf_and_warns_without_tls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CODER_STUDIO_URL", "CODER_STUDIO_TOKEN", "CODER_STUDIO_HOST",
                 "CODER_STUDIO_PUBLIC_URL", "CODER_STUDIO_PORT"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    local = load_settings(tmp_path, port=8123)
    assert (local.host, local.url, local.coders_url) == ("127.0.0.1", "http://127.0.0.1:8123",
                                                         "http://127.0.0.1:8123")  # fmt: skip
    assert not local.exposed and server.address_env(local) == {} and server.exposure(local) is None
    lan = load_settings(tmp_path, host="0.0.0.0", public_url="http://10.1.2.3:8123")
    assert lan.url == "http://127.0.0.1:8123" and lan.exposed
    assert lan.accounts_key == local.accounts_key  # the same accounts, whatever the address
    env = server.server_env(lan, tmp_path / "data")
    assert env["LABEL_STUDIO_HOST"] == "http://10.1.2.3:8123"
    assert env["LABEL_STUDIO_CSRF_TRUSTED_ORIGINS"] == "http://10.1.2.3:8123"
    assert set(env["LABEL_STUDIO_ALLOWED_HOSTS"].split(",")) == {"10.1.2.3", "127.0.0.1",
                                                                  "localhost"}  # fmt: skip
    assert "unencrypted" in (server.exposure(lan) or "")
    monkeypatch.setenv("CODER_STUDIO_HOST", "0.0.0.0")
    monkeypatch.setenv("CODER_STUDIO_PUBLIC_URL", "https://coding.example.org/")
    proxied = load_settings(tmp_path)
    assert proxied.coders_url == "https://coding.example.org" and server.exposure(proxied) is None
    env = server.server_env(proxied, tmp_path / "data")
    assert env["LABEL_STUDIO_CSRF_TRUSTED_ORIGINS"] == "https://coding.example.org"
    assert env["LABEL_STUDIO_SESSION_COOKIE_SECURE"] == "1"
    assert "coding.example.org" in env["LABEL_STUDIO_ALLOWED_HOSTS"].split(",")
    monkeypatch.setenv("CODER_STUDIO_PUBLIC_URL", "coding.example.org")
    with pytest.raises(StudioError, match="https://"):
        load_settings(tmp_path)
    # Serving other machines is asked for at each start: nothing of it is stored.
    assert "host" not in read_secret(tmp_path / ".studio" / "config.json")


def test_the_server_runs_coders_policy_and_accounts_need_its_python(tmp_path: Path) -> None:
    s = StudioSettings("http://127.0.0.1:8123", 8123, "a@b.org", "pw", "t" * 40,
                       folder=tmp_path / ".studio")  # fmt: skip
    env = server.server_env(s, tmp_path / "data")
    assert env["DJANGO_SETTINGS_MODULE"] == "coder_studio_settings"
    folder = Path(env["PYTHONPATH"])
    names = {"coder_studio_settings.py", "coder_studio_policy.py", "coder_studio_admin.py"}
    assert names <= {p.name for p in folder.iterdir()}
    with pytest.raises(StudioError, match="Label Studio's own Python"):
        server.run_admin(s, {"people": []}, venv=tmp_path / "no-venv")


def test_a_coding_round_is_open_until_closed(tmp_path: Path) -> None:
    from coder.data.contributions import ingest
    from coder.data.store import init_project
    from coder.demo.example import example_file
    from coder.studio.rounds import create_round, is_closed, mark_closed, open_items
    from coder.studio.sample import explicit_assignment

    with init_project(tmp_path / "p") as project:
        ingest(project, participants=example_file("participants.csv"),
               ideas=example_file("ideas.csv"))  # fmt: skip
        a = explicit_assignment({"a@x.org": ["idea-001"], "b@x.org": ["idea-001", "idea-004"]})
        create_round(project, "c1", a)
        assert open_items(project) == {"c1": {"idea-001", "idea-004"}}
        assert not is_closed(project, "c1")
        stamp = mark_closed(project, "c1")
        assert stamp and mark_closed(project, "c1") == stamp  # closing twice changes nothing
        assert is_closed(project, "c1") and open_items(project) == {}


def test_account_commands_have_help() -> None:
    from coder.cli.studio_accounts import STUDIO_COMMANDS

    group = click.Group("studio", commands={c.name: c for c in STUDIO_COMMANDS if c.name})
    runner = CliRunner()
    for command in STUDIO_COMMANDS:
        result = runner.invoke(group, [str(command.name), "--help"])
        assert result.exit_code == 0 and (command.help or "").split("\n")[0] in result.output
