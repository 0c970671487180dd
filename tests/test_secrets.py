"""API-key storage: keyring first, memory when there is no usable keyring, env vars last.

Every test installs its own keyring backend: the developer's real keyring is never touched."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from mix_tui import secrets

ANTHROPIC_KEY = "sk-ant-api03-" + "a1" * 20
OPENAI_KEY = "sk-proj-" + "b2" * 20


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict (priority > 0, so it counts as a real store)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


class LockedKeyring(MemoryKeyring):
    """Looks fine, fails on use (a locked Secret Service collection)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringError(f"locked while reading {username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"cannot store {password}")


class PlaintextLookalike(MemoryKeyring):
    """Stands in for keyrings.alt's file backends, which we must refuse."""


PlaintextLookalike.__module__ = "keyrings.alt.file"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    previous = keyring.get_keyring()
    monkeypatch.setattr(secrets, "_memory", {})
    monkeypatch.setattr(secrets, "_broken_backend", None)
    for names in secrets.PROVIDER_ENV_VARS.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)
    yield
    keyring.set_keyring(previous)


def test_keyring_roundtrip_and_delete() -> None:
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    assert secrets.keyring_available()
    assert secrets.store_api_key("Anthropic", f"  {ANTHROPIC_KEY}\n") == "keyring"
    assert ring.store == {("mix-tui", "anthropic"): ANTHROPIC_KEY}
    assert secrets.get_api_key("anthropic") == ANTHROPIC_KEY
    assert secrets.key_source("anthropic") == "keyring"
    assert secrets.delete_api_key("anthropic") is True
    assert secrets.get_api_key("anthropic") is None and secrets.key_source("anthropic") is None
    assert secrets.delete_api_key("anthropic") is False


def test_env_fallback_and_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring.set_keyring(MemoryKeyring())
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("GOOGLE_API_KEY", "AIza" + "c" * 35)
    assert (secrets.get_api_key("openai"), secrets.key_source("openai")) == (OPENAI_KEY, "env")
    assert secrets.key_source("gemini") == "env"
    stored = "sk-" + "d" * 40
    secrets.store_api_key("openai", stored)
    assert (secrets.get_api_key("openai"), secrets.key_source("openai")) == (stored, "keyring")
    secrets.delete_api_key("openai")  # the env var is still there
    assert secrets.key_source("openai") == "env"


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), PlaintextLookalike()])
def test_no_usable_keyring_keeps_keys_in_memory(backend: KeyringBackend) -> None:
    keyring.set_keyring(backend)
    assert not secrets.keyring_available()
    assert "memory" in secrets.keyring_status()
    assert secrets.store_api_key("openrouter", "sk-or-v1-" + "e" * 40) == "memory"
    assert secrets.key_source("openrouter") == "memory"
    assert secrets.get_api_key("openrouter") == "sk-or-v1-" + "e" * 40
    if isinstance(backend, PlaintextLookalike):
        assert backend.store == {}  # nothing went to the "file"
    assert secrets.delete_api_key("openrouter") is True
    assert secrets.get_api_key("openrouter") is None


def test_a_failing_keyring_falls_back_without_leaking(caplog: pytest.LogCaptureFixture) -> None:
    keyring.set_keyring(LockedKeyring())
    assert secrets.keyring_available()
    with caplog.at_level(logging.DEBUG):
        assert secrets.store_api_key("anthropic", ANTHROPIC_KEY) == "memory"
    assert not secrets.keyring_available()  # marked broken until another backend is installed
    assert secrets.get_api_key("anthropic") == ANTHROPIC_KEY
    assert ANTHROPIC_KEY not in caplog.text and "keyring write failed" in caplog.text
    keyring.set_keyring(MemoryKeyring())
    assert secrets.keyring_available()


@pytest.mark.parametrize(
    ("provider", "key", "ok"),
    [
        ("anthropic", ANTHROPIC_KEY, True),
        ("openai", OPENAI_KEY, True),
        ("openai", "sk-" + "x" * 48, True),
        ("openrouter", "sk-or-v1-" + "f" * 64, True),
        ("gemini", "AIza" + "g" * 35, True),
        ("brave", "BSA" + "h" * 28, True),
        ("openai", ANTHROPIC_KEY, False),
        ("anthropic", OPENAI_KEY, False),
        ("gemini", "sk-" + "x" * 30, False),
        ("openai", "", False),
        ("openai", "sk-has space" + "x" * 20, False),
        ("openai", "sk-short", False),
        ("nope", OPENAI_KEY, False),
    ],
)
def test_validate_key_format(provider: str, key: str, ok: bool) -> None:
    error = secrets.validate_key_format(provider, key)
    assert (error is None) is ok
    if error:
        assert key.strip() == "" or key not in error


def test_wrong_kind_of_key_gets_a_hint_and_is_not_stored() -> None:
    keyring.set_keyring(MemoryKeyring())
    with pytest.raises(ValueError) as info:
        secrets.store_api_key("openai", ANTHROPIC_KEY)
    assert "anthropic" in str(info.value) and ANTHROPIC_KEY not in str(info.value)
    assert secrets.get_api_key("openai") is None


def test_mask_and_redact() -> None:
    assert secrets.mask_key(ANTHROPIC_KEY) == "sk-ant-…a1a1"
    text = f"bad key {ANTHROPIC_KEY} and {OPENAI_KEY} and AIza{'z' * 35}"
    redacted = secrets.redact(text, ANTHROPIC_KEY)
    assert ANTHROPIC_KEY not in redacted and OPENAI_KEY not in redacted and "z" * 35 not in redacted
    assert "sk-ant-…a1a1" in redacted
