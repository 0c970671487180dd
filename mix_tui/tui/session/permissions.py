"""Permission prompts of one session: each an `asyncio.Future` the UI resolves, and "allow for this
session" rules that say exactly what they cover.

A prompt's future gets the user's `Decision`, or None when the prompt stopped mattering without one
(the tool finished, the turn ended, it expired); one coroutine of the session model awaits it and
answers the server. Rules are client-side (a Mix server has no REST call for them, mix-contract §5.3)
and narrow: a Bash rule covers one exact command line; a file tool's rule covers paths inside one
directory (the server's working directory when it says which, else the approved file's directory),
and a path outside the working directory is never covered — such a prompt offers "allow once" only.
"""

from __future__ import annotations

import asyncio
import posixpath
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from mix_tui.protocol.events import Permission

Decision: TypeAlias = Literal["once", "session", "deny"]

_PATH_KEYS = ("file_path", "path", "filePath", "notebook_path")


def _normal(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/"))


def _inside(path: str, directory: str) -> bool:
    path, directory = _normal(path), _normal(directory)
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def permission_path(permission: Permission, workdir: str | None) -> str | None:
    """The absolute path a prompt is about, if any (relative ones are read against the workdir)."""
    params = permission.params or {}
    for key in _PATH_KEYS:
        value = params.get(key)
        if isinstance(value, str) and value:
            break
    else:
        value = permission.path or ""
    if not value:
        return None
    if posixpath.isabs(value.replace("\\", "/")):
        return _normal(value)
    return _normal(posixpath.join(workdir, value)) if workdir else None


@dataclass(frozen=True, slots=True)
class Rule:
    """What one "allow for this session" answer covers."""

    tool: str
    command: str | None = None  # Bash: exactly this command line
    directory: str | None = None  # file tools: paths inside this directory
    action: str | None = None  # anything else: this tool and action

    def covers(self, permission: Permission, workdir: str | None) -> bool:
        if permission.tool_name != self.tool:
            return False
        command = (permission.params or {}).get("command")
        if self.command is not None:
            return command == self.command
        if self.directory is not None:
            path = permission_path(permission, workdir)
            return path is not None and _inside(path, self.directory) and (
                workdir is None or _inside(path, workdir)
            )
        return command is None and permission_path(permission, workdir) is None and (
            permission.action == self.action
        )

    @property
    def label(self) -> str:
        """For the prompt's button: what the rule covers, in a few words."""
        if self.command is not None:
            return "this command"
        if self.directory is not None:
            return f"{self.tool} in {self.directory}"
        return f"{self.tool} ({self.action})" if self.action else self.tool


def rule_for(permission: Permission, workdir: str | None) -> Rule | None:
    """The rule "allow for this session" would add; None when none may be offered."""
    command = (permission.params or {}).get("command")
    if isinstance(command, str) and command:
        return Rule(permission.tool_name, command=command)
    path = permission_path(permission, workdir)
    if path is not None:
        if workdir is not None:
            return Rule(permission.tool_name, directory=_normal(workdir)) if _inside(path, workdir) else None
        return Rule(permission.tool_name, directory=posixpath.dirname(path) or "/")
    if (permission.path or (permission.params or {}).get("path")) and workdir is None:
        return None  # a relative path with no known workdir: nothing safe to generalise
    return Rule(permission.tool_name, action=permission.action or None)


@dataclass(eq=False)
class PermissionRequest:
    """One prompt waiting for the user. `answer` resolves to a `Decision`, or None (closed)."""

    session_id: str
    permission: Permission
    received_at: float  # monotonic, when the event arrived
    rule: Rule | None  # what "allow for this session" would cover; None: only "allow once"
    answer: asyncio.Future[Decision | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    note: str = ""  # why it closed without the user's answer

    @property
    def id(self) -> str:
        return self.permission.id

    @property
    def open(self) -> bool:
        return not self.answer.done()

    def decide(self, decision: Decision | None) -> bool:
        """The user's answer (None: the prompt's countdown ran out on screen)."""
        if self.answer.done():
            return False
        if decision is None:
            self.note = "no answer in time"
        self.answer.set_result(decision)
        return True

    def close(self, note: str) -> bool:
        """It no longer needs an answer (the tool finished, the turn ended, another client answered)."""
        if self.answer.done():
            return False
        self.note = note
        self.answer.set_result(None)
        return True


class PermissionDesk:
    """The session's waiting prompts (oldest first) and its rules."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.workdir: str | None = None  # the server's working directory, when it says
        self.rules: list[Rule] = []
        self.waiting: dict[str, PermissionRequest] = {}

    def covered(self, permission: Permission) -> bool:
        return any(rule.covers(permission, self.workdir) for rule in self.rules)

    def add_rule(self, rule: Rule) -> None:
        if rule not in self.rules:
            self.rules.append(rule)

    def open_request(self, permission: Permission, now: float) -> PermissionRequest:
        request = PermissionRequest(self.session_id, permission, now, rule_for(permission, self.workdir))
        self.waiting[permission.id] = request
        return request

    def done(self, permission_id: str) -> PermissionRequest | None:
        return self.waiting.pop(permission_id, None)

    def oldest(self) -> PermissionRequest | None:
        open_ones = [r for r in self.waiting.values() if r.open]
        return min(open_ones, key=lambda r: r.received_at) if open_ones else None

    def close(self, permission_id: str, note: str) -> PermissionRequest | None:
        request = self.waiting.get(permission_id)
        if request is not None and request.close(note):
            return request
        return None

    def close_all(self, note: str) -> list[PermissionRequest]:
        return [r for r in list(self.waiting.values()) if r.close(note)]

    def now_covered(self) -> list[PermissionRequest]:
        """Waiting prompts a just-added rule covers."""
        return [r for r in self.waiting.values() if r.open and self.covered(r.permission)]

    @property
    def awaiting(self) -> bool:
        return any(r.open for r in self.waiting.values())
