"""API keys for LLM providers: the OS keyring first, a process-lifetime memory store when there is no
usable keyring, environment variables last.

Keys are never written to plain files by this module, and never appear in its logs or exceptions.
Keyring calls can block (D-Bus, macOS Keychain prompts): async callers should go through
`asyncio.to_thread`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Literal

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

SERVICE_NAME = "mix-tui"

KeySource = Literal["keyring", "memory", "env"]

# Providers whose keys we store, and the environment variables read as a fallback (first set wins).
# `brave` is a tool key (web search), accepted by POST /api/auth/api-key like the LLM providers.
PROVIDER_ENV_VARS: dict[str, tuple[str, ...]] = {
    "anthropic": ("ANTHROPIC_API_KEY",),
    "openai": ("OPENAI_API_KEY",),
    "openrouter": ("OPENROUTER_API_KEY",),
    "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "brave": ("BRAVE_API_KEY",),
}

# Key prefixes per provider; checked in this order so a pasted key of the wrong kind gets a helpful hint.
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("sk-ant-", "anthropic"),
    ("sk-or-", "openrouter"),
    ("sk-", "openai"),
    ("AIza", "gemini"),
)
_REQUIRED_PREFIX = {"anthropic": "sk-ant-", "openrouter": "sk-or-", "openai": "sk-", "gemini": "AIza"}
_KEY_CHARS = re.compile(r"^[A-Za-z0-9_\-.:+/=]+$")
# Shapes of well-known secrets, masked by `redact` even when we were not told the exact key.
_SECRET_SHAPES = re.compile(r"(sk-[A-Za-z0-9_\-]{12,}|AIza[A-Za-z0-9_\-]{20,})")

_memory: dict[str, str] = {}
_lock = threading.Lock()
# The backend that failed at runtime (locked collection, no D-Bus session...): id() of the object,
# so that installing another backend with keyring.set_keyring() gets a fresh chance.
_broken_backend: int | None = None


# ---- keyring availability ----------------------------------------------------------------------


def _is_usable(backend: KeyringBackend) -> bool:
    """A backend we may write keys to: a real OS store, not a stub and not a plain file."""
    from keyring.backends import chainer, fail

    if isinstance(backend, chainer.ChainerBackend):
        inner = list(backend.backends)
        # the chainer writes to its highest-priority backend
        return bool(inner) and _is_usable(inner[0])
    if isinstance(backend, fail.Keyring):
        return False
    module = type(backend).__module__
    # keyring.backends.null drops everything; keyrings.alt stores keys in files (plain or
    # password-prompted), which we promise never to do
    if module.startswith(("keyring.backends.null", "keyrings.alt")):
        return False
    try:
        return float(backend.priority) > 0
    except Exception:
        return False


def _backend() -> KeyringBackend | None:
    backend = keyring.get_keyring()
    if id(backend) == _broken_backend or not _is_usable(backend):
        return None
    return backend


def keyring_available() -> bool:
    """True when keys are persisted in the OS keyring; False means they live in memory only."""
    return _backend() is not None


def keyring_status() -> str:
    """One line for the UI about where stored keys go."""
    backend = _backend()
    if backend is None:
        return "No usable system keyring: stored keys are kept in memory until the server exits."
    return f"Keys are stored in the system keyring ({type(backend).__name__})."


def _mark_broken(backend: KeyringBackend, action: str, exc: Exception) -> None:
    global _broken_backend
    _broken_backend = id(backend)
    # the exception type only: backends may echo what they were given
    log.warning("keyring %s failed (%s); keeping API keys in memory instead", action, type(exc).__name__)


# ---- public API --------------------------------------------------------------------------------


def _norm(provider: str) -> str:
    return provider.strip().lower()


def supported_providers() -> tuple[str, ...]:
    return tuple(PROVIDER_ENV_VARS)


def _from_keyring(provider: str) -> str | None:
    backend = _backend()
    if backend is None:
        return None
    try:
        return backend.get_password(SERVICE_NAME, provider) or None
    except Exception as exc:
        _mark_broken(backend, "read", exc)
        return None


def _from_env(provider: str) -> str | None:
    for var in PROVIDER_ENV_VARS.get(provider, ()):
        value = os.environ.get(var, "").strip()
        if value:
            return value
    return None


def _lookup(provider: str) -> tuple[str, KeySource] | None:
    provider = _norm(provider)
    key = _from_keyring(provider)
    if key:
        return key, "keyring"
    with _lock:
        key = _memory.get(provider)
    if key:
        return key, "memory"
    key = _from_env(provider)
    if key:
        return key, "env"
    return None


def get_api_key(provider: str) -> str | None:
    """The key to use for `provider`: keyring, then memory, then environment. None when unset."""
    found = _lookup(provider)
    return found[0] if found else None


def key_source(provider: str) -> KeySource | None:
    """Where `get_api_key` finds the key: "keyring", "memory" (no usable keyring), "env" or None."""
    found = _lookup(provider)
    return found[1] if found else None


def validate_key_format(provider: str, key: str) -> str | None:
    """None when `key` looks like a key for `provider`; otherwise an error text (never quoting the key)."""
    provider = _norm(provider)
    if provider not in PROVIDER_ENV_VARS:
        return f"Unsupported provider {provider!r}; expected one of: {', '.join(PROVIDER_ENV_VARS)}."
    key = key.strip()
    if not key:
        return "The API key is empty."
    if not key.isascii() or not _KEY_CHARS.match(key):
        return "The API key contains spaces or characters that API keys never have."
    if len(key) < 16 or len(key) > 512:
        return f"The API key has an unlikely length ({len(key)} characters)."
    required = _REQUIRED_PREFIX.get(provider)
    if required is None:
        return None
    guessed = next((name for prefix, name in _PREFIXES if key.startswith(prefix)), None)
    if guessed == provider:
        return None
    hint = f" It looks like a key for {guessed}." if guessed else ""
    return f"{provider} API keys start with {required!r}.{hint}"


def store_api_key(provider: str, key: str) -> Literal["keyring", "memory"]:
    """Save `key` for `provider`; returns where it went. Raises ValueError for a malformed key."""
    provider = _norm(provider)
    error = validate_key_format(provider, key)
    if error:
        raise ValueError(error)
    key = key.strip()
    backend = _backend()
    if backend is not None:
        try:
            backend.set_password(SERVICE_NAME, provider, key)
        except Exception as exc:
            _mark_broken(backend, "write", exc)
        else:
            with _lock:
                _memory.pop(provider, None)
            return "keyring"
    with _lock:
        _memory[provider] = key
    return "memory"


def delete_api_key(provider: str) -> bool:
    """Forget the stored key (keyring and memory). Environment variables are left alone.

    Returns True when something was deleted."""
    provider = _norm(provider)
    deleted = False
    backend = _backend()
    if backend is not None:
        try:
            if backend.get_password(SERVICE_NAME, provider):
                backend.delete_password(SERVICE_NAME, provider)
                deleted = True
        except keyring.errors.PasswordDeleteError:
            pass
        except Exception as exc:
            _mark_broken(backend, "delete", exc)
    with _lock:
        deleted = _memory.pop(provider, None) is not None or deleted
    return deleted


def mask_key(key: str) -> str:
    """A display form that identifies a key without revealing it: "sk-ant-…a1b2"."""
    key = key.strip()
    if len(key) <= 12:
        return "…" if key else ""
    prefix = next((p for p, _ in _PREFIXES if key.startswith(p)), "")
    return f"{prefix}…{key[-4:]}"


def redact(text: str, *secrets: str | None) -> str:
    """`text` with the given secrets and anything shaped like a provider key masked."""
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, mask_key(secret))
    return _SECRET_SHAPES.sub(lambda m: mask_key(m.group(0)), text)
