"""Which Bash commands may run without asking the user.

The policy is deliberately short and conservative. A command skips the permission prompt only when
ALL of these hold:

1. It is made only of "plain" characters: letters, digits, whitespace other than newlines, quotes
   and `- _ . / = : , + @ % ^ ~`. Anything else (`; & | < > ( ) $ `` ` `` \\ * ? [ ] { } ! #`,
   newlines…) could chain, redirect, substitute, expand or glob, so the command is asked about.
   This is stricter than "no metacharacters": globs and braces are refused too, because they could
   expand to paths outside the workdir that the checks below never see.
2. It tokenises cleanly (balanced quotes) and no word could undergo tilde expansion.
3. Its first word is one of the programs below, used in a read-only way:
   - `pwd`, `whoami`, `which`: print things, read no files (`echo` is NOT listed: it is the
     command people try the permission prompt with, so it asks like any other command);
   - `date` with display options only (`date -s` / a bare MMDDhhmm would set the clock as root);
   - `ls`, `cat`, `head`, `tail`, `wc`: read the filesystem, so every word (and every `--opt=value`
     value) must resolve, symlinks included, inside the workdir. This is the same rule the ReadText
     tool follows, so Bash is no backdoor around it. `tail -f` is refused (it never ends) and
     `wc --files0-from` is refused (it reads a list of paths we cannot see);
   - `git status|log|diff|show` with the same path rule, refusing `--output` (writes a file) and
     `--no-index` (diffs arbitrary files), including git's abbreviations of them;
   - `git branch` with listing flags only (with a name it would create a branch).
   Programs that can write, delete, run other programs or reach the network are never listed.

Known, accepted limit: git runs hooks and programs named in the repository's own config (e.g.
`core.fsmonitor`); a user running `git status` there would run them too.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

from .paths import is_inside, resolve_path

_PLAIN_PUNCTUATION = frozenset(" \t-_./=:,+@%^~'\"")

_GIT_READ_ONLY = frozenset({"status", "log", "diff", "show"})
_GIT_BRANCH_LISTING = frozenset(
    {"-a", "-r", "-v", "-vv", "-l", "--all", "--remotes", "--list", "--verbose", "--show-current"}
)
# long options git must not get, in full or abbreviated (git accepts unambiguous prefixes)
_GIT_REFUSED_LONG = ("output", "no-index")

_DATE_FLAGS = frozenset({"-u", "--utc", "--universal", "-R", "--rfc-email"})


def needs_permission(command: str, workdir: Path) -> bool:
    """True unless `command` is a simple read-only command from the allowlist (see module doc)."""
    return not _is_read_only(command, workdir)


def _is_read_only(command: str, workdir: Path) -> bool:
    if not command.strip() or not all(ch.isalnum() or ch in _PLAIN_PUNCTUATION for ch in command):
        return False
    try:
        words = shlex.split(command, posix=True)
    except ValueError:  # unbalanced quotes
        return False
    if not words or any(_may_expand_tilde(w) for w in words):
        return False
    program, args = words[0], words[1:]
    check = _PROGRAMS.get(program)
    return check is not None and check(args, workdir)


def _may_expand_tilde(word: str) -> bool:
    # bash expands `~` at the start of a word and after `=` / `:` (even outside assignments)
    return word.startswith("~") or "=~" in word or ":~" in word


def _all_inside(args: list[str], workdir: Path) -> bool:
    """Every word, and the value of every `--opt=value`, resolves inside the workdir.

    Option words like `-la` resolve to harmless relative paths, so checking every word is simpler
    and safer than guessing which words are paths (`--` makes `-x` words paths too).
    """
    for arg in args:
        candidates = [arg]
        if arg.startswith("-") and "=" in arg:
            candidates.append(arg.split("=", 1)[1])
        for candidate in candidates:
            if candidate and not is_inside(resolve_path(candidate, workdir), workdir):
                return False
    return True


def _anything(args: list[str], workdir: Path) -> bool:
    return True


def _date(args: list[str], workdir: Path) -> bool:
    return all(
        a.startswith("+") or a in _DATE_FLAGS or a.startswith(("-I", "--iso-8601", "--rfc-3339"))
        for a in args
    )


def _tail(args: list[str], workdir: Path) -> bool:
    for a in args:
        if a.startswith("--f") or a.startswith("--pid") or a.startswith("--retry"):
            return False
        if a.startswith("-") and not a.startswith("--") and ("f" in a or "F" in a):
            return False
    return _all_inside(args, workdir)


def _wc(args: list[str], workdir: Path) -> bool:
    if any(a.startswith("--files0") for a in args):
        return False
    return _all_inside(args, workdir)


def _git(args: list[str], workdir: Path) -> bool:
    if not args:
        return False
    sub, rest = args[0], args[1:]
    if sub == "branch":
        return all(a in _GIT_BRANCH_LISTING for a in rest)
    if sub not in _GIT_READ_ONLY:
        return False
    for a in rest:
        if a.startswith("--"):
            name = a[2:].split("=", 1)[0]
            if len(name) >= 1 and any(full.startswith(name) for full in _GIT_REFUSED_LONG):
                return False
    return _all_inside(rest, workdir)


_PROGRAMS: dict[str, Callable[[list[str], Path], bool]] = {
    "pwd": _anything,
    "whoami": _anything,
    "which": _anything,
    "date": _date,
    "ls": _all_inside,
    "cat": _all_inside,
    "head": _all_inside,
    "tail": _tail,
    "wc": _wc,
    "git": _git,
}
