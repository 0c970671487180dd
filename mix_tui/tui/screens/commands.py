"""Every action of the chat screen, once: its binding id, default key, palette title, slash command.

A `Command` names an action method of `ChatScreen` (`action_<name>`), so each one is reachable three
ways: its key (a binding with the command's id, which a keymap can rebind), the command palette
(`ChatCommands`, Ctrl+P) and, where it has one, a slash command typed in the composer. Slash commands
are the client's first: `/fork 3` runs `action_fork("3")` and never reaches the model; a `/name` this
client does not know goes to the server (its own commands, e.g. `/cost` on ours) when a session is
open.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

_SLASH = re.compile(r"^/([A-Za-z][\w-]*)(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Command:
    id: str  # the binding id (keymaps rebind it) and the action name: ChatScreen.action_<id>
    title: str  # for the palette and F1
    help: str  # one line: what it does
    key: str | None = None  # the default key, if any
    slash: str | None = None  # the slash command, if any ("fork" for /fork, "copy code" for /copy code)
    usage: str = ""  # the slash command's arguments ("[N]")
    show: bool = False  # in the footer
    key_display: str | None = None  # how the footer and F1 show the key, when not Textual's way

    def binding(self) -> Binding:
        assert self.key is not None
        # a terminal sends Alt+O as ESC o, which Textual reads as "alt+o" WITH the character "o": a
        # focused text box would type it. Priority bindings are checked before the focused widget.
        priority = self.key.startswith("alt+")
        return Binding(
            self.key, self.id, self.title, show=self.show, key_display=self.key_display, id=self.id, priority=priority
        )


COMMANDS: list[Command] = [
    Command("cancel_turn", "Cancel turn", "Stop the running turn; Esc again at once clears the queued prompts",
            key="escape", show=True),
    Command("new_chat", "New chat", "Start a new chat", key="ctrl+n", slash="new", show=True),
    Command("toggle_sidebar", "Sessions", "Show or hide the session list", key="ctrl+b", show=True),
    Command("focus_transcript", "Transcript", "Move the focus to the transcript", key="ctrl+o"),
    Command("previous_panel", "Previous panel", "Focus the previous thinking or tool panel", key="ctrl+up",
            key_display="^↑"),
    Command("next_panel", "Next panel", "Focus the next thinking or tool panel (past the last: the composer)",
            key="ctrl+down", key_display="^↓"),
    Command("follow", "Jump to the bottom", "Back to the end of the transcript, following the stream",
            key="ctrl+end"),
    Command("help_commands", "Commands", "List the slash commands", slash="help"),
    Command("model", "Model", "Pick the model for the next prompts (provider, context, price)", key="f2",
            slash="model", usage="[PROVIDER/MODEL]", show=True),
    Command("settings", "Settings", "Models, provider keys, theme, alerts and the rest", slash="settings"),
    Command(
        "think", "Thinking level", "Thinking for the next prompts: off, basic, medium, maximum (none: the next one)",
        slash="think", usage="[LEVEL]",
    ),
    Command("plan", "Plan mode", "Plan mode on or off for the next prompts (the agent plans, changes nothing)",
            slash="plan", usage="[on|off]"),
    Command("steps", "Max steps", "At most N tool steps per prompt (off: the server decides)",
            slash="steps", usage="[N|off]"),
    # the messages of the open session: each works on the selected one, else on the last
    Command("select_previous", "Previous message", "Select the message above (from none: the last)", key="alt+up"),
    Command("select_next", "Next message", "Select the message below", key="alt+down"),
    Command(
        "fork", "Fork", "A new session holding the selected message's turn and all before (else all)",
        key="alt+o", slash="fork", usage="[N]",  # alt+f reaches Textual as ctrl+right (xterm word jump)
    ),
    Command(
        "rewind", "Rewind", "Remove the selected prompt (else the last) and all after it; it returns to the composer",
        key="alt+r", slash="rewind", usage="[N]",
    ),
    Command("copy_message", "Copy message", "Copy the selected message as markdown", key="alt+c", slash="copy"),
    Command(
        "copy_code", "Copy a code block", "Pick one code block of the message to copy", key="alt+k",
        slash="copy code", usage="[N]",
    ),
    Command("copy_last_code", "Copy the last code block", "Copy the message's last code block", key="alt+y"),
    Command(
        "details", "Cost and tokens", "Tokens, cost and time of the message and the session", key="alt+i",
        slash="cost",
    ),
    Command("toggle_usage", "Usage lines", "Show or hide the usage line under each answer", key="alt+u"),
    Command(
        "export_markdown", "Export as Markdown", "Save the transcript as a Markdown file", key="alt+e",
        slash="export md", usage="[PATH]",
    ),
    Command(
        "export_json", "Export as JSON", "Save the server's export of the session as JSON", key="alt+j",
        slash="export json", usage="[PATH]",
    ),
    Command("find", "Find in transcript", "Find text in this transcript", key="ctrl+f", slash="find", usage="[TEXT]"),
    Command("search", "Search sessions", "Find text in every session", key="alt+s", slash="search", usage="[TEXT]"),
    Command("rename", "Rename session", "Give this session a new title", key="alt+t", slash="rename", usage="[TITLE]"),
    Command(
        "toggle_subagents", "Sub-agent sessions", "Show or hide sub-agent sessions in the session list",
        slash="subagents",
    ),
    Command(
        "list_files", "Session files", "List the session's files; /files NAME opens one", slash="files",
        usage="[NAME]",
    ),
    Command("approve_plan", "Approve the plan", "Leave plan mode and carry out the plan shown", slash="approve"),
]


def bindings() -> list[Binding]:
    return [command.binding() for command in COMMANDS if command.key]


def keymap_bindings(keymap: dict[str, str]) -> list[Binding]:
    """Bindings for the commands with no default key that the user's keymap gives one (the keymap
    itself only re-keys bindings that exist)."""
    found = []
    for command in COMMANDS:
        keys = keymap.get(command.id)
        if keys and not command.key:
            found.append(Binding(keys.split(",")[0], command.id, command.title, show=False, id=command.id))
    return found


def by_slash(name: str) -> Command | None:
    return next((c for c in COMMANDS if c.slash == name.lower()), None)


def resolve(name: str, args: str) -> tuple[Command, str] | str | None:
    """The command `/name args` runs and the arguments it gets: "/copy code 2" is `copy_code` with
    "2". A name that only starts longer commands ("/export") gives their usage text; an unknown one
    None."""
    words = args.split(maxsplit=1)
    if words:
        longer = by_slash(f"{name} {words[0]}")
        if longer is not None:
            return longer, words[1] if len(words) > 1 else ""
    command = by_slash(name)
    if command is not None:
        return command, args
    family = [c for c in COMMANDS if c.slash and c.slash.split()[0] == name.lower()]
    if family:
        return "Usage: " + " or ".join(f"/{c.slash} {c.usage}".rstrip() for c in family)
    return None


def parse_slash(text: str) -> tuple[str, str] | None:
    """`/name args` -> (name, args); None when the text is no command ("/etc/hosts is odd" is not)."""
    match = _SLASH.match(text.strip())
    if match is None:
        return None
    return match.group(1), (match.group(2) or "").strip()


def slash_help(extra: Iterable[tuple[str, str]] = ()) -> str:
    """The slash commands, one per line; `extra` adds the server's (name, description)."""
    rows = [(f"/{c.slash} {c.usage}".rstrip(), c.help) for c in COMMANDS if c.slash]
    known = {c.slash for c in COMMANDS if c.slash}
    rows += [(f"/{name}", text) for name, text in extra if name not in known]
    width = max((len(name) for name, _ in rows), default=0)
    return "\n".join(f"{name.ljust(width)}  {text}" for name, text in rows)


class ChatCommands(Provider):
    """The palette's own commands: every app action, with its key."""

    def _commands(self) -> list[tuple[Command, str]]:
        screen = self.screen
        found = []
        for command in COMMANDS:
            if not hasattr(screen, f"action_{command.id}"):
                continue
            key = ""
            if command.key:
                key = self.app.get_key_display(command.binding())
            found.append((command, key))
        return found

    async def _run(self, command: Command) -> None:
        await self.screen.run_action(command.id)

    async def discover(self) -> Hits:
        for command, key in self._commands():
            yield DiscoveryHit(command.title, partial(self._run, command), help=_help(command, key))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command, key in self._commands():
            score = max(matcher.match(command.title), matcher.match(f"/{command.slash}") if command.slash else 0)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(command.title), partial(self._run, command),
                    help=_help(command, key),
                )  # fmt: skip


def _help(command: Command, key: str) -> str:
    parts = [command.help]
    if command.slash:
        parts.append(f"/{command.slash} {command.usage}".rstrip())
    if key:
        parts.append(key)
    return " · ".join(parts)
