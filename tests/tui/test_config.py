"""config.toml: read into Settings, changes written back into the same document (comments kept),
a malformed file named by its line and never overwritten, no secret ever in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mix_tui.tui.config import ConfigError, ConfigFile, Settings, default_path

COMMENTED = """\
# my settings
theme = "nord"  # the one I like

[alerts]
# no beeping at night
bell = false

[keys]
new_chat = ["ctrl+t", "f5"]
"""


def test_the_default_place_honours_xdg_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_path() == tmp_path / "mix-tui" / "config.toml"


def test_a_missing_file_gives_defaults_and_a_first_save_writes_the_documented_template(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    config = ConfigFile(path)
    assert config.load() == Settings() and config.problems == []
    config.save(Settings(theme="gruvbox"))
    text = path.read_text()
    assert 'theme = "gruvbox"' in text
    assert "# a Textual theme" in text and "[alerts]" in text  # the template's documentation
    assert ConfigFile(path).load().theme == "gruvbox"


def test_changes_are_written_back_keeping_comments_and_order(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(COMMENTED)
    config = ConfigFile(path)
    settings = config.load()
    assert settings.theme == "nord" and settings.alerts.bell is False and settings.alerts.desktop is True
    assert settings.keys == {"new_chat": "ctrl+t,f5"}
    changed = settings.model_copy(update={"sidebar_width": 40, "alerts": settings.alerts.model_copy(update={"title": False})})
    changed = changed.remember_model("openai/gpt-5.4").toggle_favourite("anthropic/claude-sonnet-4-6")
    config.save(changed)
    text = path.read_text()
    for kept in ("# my settings", '"nord"  # the one I like', "# no beeping at night"):
        assert kept in text
    assert text.index("theme") < text.index("sidebar_width") < text.index("[alerts]")
    assert "title = false" in text.split("[alerts]")[1]
    assert 'new_chat = ["ctrl+t", "f5"]' in text  # untouched values keep the user's spelling
    reread = ConfigFile(path).load()
    assert reread == changed
    assert reread.models.recent == ["openai/gpt-5.4"] and reread.models.favourites == ["anthropic/claude-sonnet-4-6"]


def test_a_file_that_is_not_toml_names_the_line_and_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    broken = 'theme = "nord"\nsidebar_width = = 3\n'
    path.write_text(broken)
    config = ConfigFile(path)
    assert config.load() == Settings()
    assert len(config.problems) == 1 and "line 2" in config.problems[0] and "not valid TOML" in config.problems[0]
    assert not config.writable
    with pytest.raises(ConfigError):
        config.save(Settings(theme="gruvbox"))
    assert path.read_text() == broken


def test_a_value_that_does_not_fit_is_named_and_the_rest_still_applies(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = "nord"\nsidebar_width = "wide"\n\n[alerts]\nbell = "loud"\nnoise = 3\n[keys]\nnew_chat = "ctrl t"\n')
    config = ConfigFile(path)
    settings = config.load()
    assert settings.theme == "nord" and settings.sidebar_width == 36 and settings.alerts.bell is True
    problems = "\n".join(config.problems)
    assert "line 2: sidebar_width" in problems
    assert "line 5: alerts.bell" in problems
    assert "line 6: unknown setting alerts.noise" in problems
    assert "line 8: keys" in problems and "ctrl t" in problems
    assert config.writable


def test_a_secret_in_the_file_is_refused_and_never_written_back(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('token = "hunter2"\nopenai_api_key = "sk-123"\n')
    config = ConfigFile(path)
    settings = config.load()
    assert all("secrets never belong in this file" in p for p in config.problems) and len(config.problems) == 2
    assert "line 1" in config.problems[0] and "line 2" in config.problems[1]
    assert not hasattr(settings, "token")
    config.save(settings.model_copy(update={"theme": "nord"}))
    # the user's own lines stay (the file is theirs), but nothing of ours adds a secret
    assert Path(path).read_text().count("hunter2") == 1
    assert "sk-" not in Settings().model_dump_json()


def test_the_readme_example_is_a_valid_config_with_known_binding_ids(tmp_path: Path) -> None:
    from mix_tui.tui import keymap
    from mix_tui.tui.app import AppConfig, MixApp

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "config.toml"
    path.write_text(example)
    config = ConfigFile(path)
    settings = config.load()
    assert config.problems == []
    assert settings.keys["send"] == "ctrl+s" and settings.models.favourites == ["anthropic/claude-sonnet-4-6"]
    assert keymap.check(settings.keys, keymap.known_ids(MixApp(AppConfig()))) == []
