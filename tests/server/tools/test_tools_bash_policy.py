"""Which Bash commands skip the permission prompt (a short read-only allowlist) and which never do."""

from __future__ import annotations

from pathlib import Path

import pytest

from mix_tui.server.tools.bash_policy import needs_permission


@pytest.mark.parametrize(
    "command",
    [
        "ls",
        "ls -la",
        "ls -la src",
        "pwd",
        "whoami",
        "which python3",
        "date",
        "date +%Y-%m-%d",
        "date -u --iso-8601=seconds",
        "git status",
        "git status --porcelain",
        "git log --oneline -n 5",
        "git log HEAD~3..HEAD",
        "git diff --stat",
        "git diff HEAD^ -- notes.txt",
        "git show HEAD:notes.txt",
        "git branch",
        "git branch -a -v",
        "git branch --show-current",
        "cat notes.txt",
        "head -n 5 notes.txt",
        "tail -n 20 notes.txt",
        "wc -l notes.txt",
        "cat sub/../notes.txt",
    ],
)
def test_read_only_commands_run_without_asking(command: str, workdir: Path) -> None:
    (workdir / "notes.txt").write_text("x\n")
    assert not needs_permission(command, workdir)


@pytest.mark.parametrize(
    "command",
    [
        # not on the list at all
        "echo hello world",
        # chaining, pipes, redirection, substitution, expansion, globbing, newlines
        "ls; rm -rf /",
        "ls && touch x",
        "ls || touch x",
        "ls | sh",
        "echo hi > file",
        "echo hi >> file",
        "cat < /etc/passwd",
        "echo `id`",
        "echo $(id)",
        "echo $HOME",
        "echo ${HOME}",
        "ls\nrm x",
        "ls &",
        "cat *",
        "cat ../*",
        "cat {/etc/passwd,x}",
        "ls ~",
        "cat ~/.ssh/id_rsa",
        "ls --color=~",
        "echo hi\\; rm x",
        "echo 'unbalanced",
        "ls # comment",
        # not on the list, or not read-only
        "rm notes.txt",
        "python3 -c 'print(1)'",
        "/bin/ls",
        "FOO=1 ls",
        "env ls",
        "sudo ls",
        "git commit -m x",
        "git push",
        "git checkout main",
        "git -C /tmp status",
        "git",
        "git branch newbranch",
        "git branch -D main",
        "git diff --output=patch.txt",
        "git diff --out=patch.txt",
        "git log -p --output patch.txt",
        "git diff --no-index /etc/passwd notes.txt",
        "git diff --no-i a b",
        "date -s 2020-01-01",
        "date 010100002020",
        "date -f dates.txt",
        "tail -f notes.txt",
        "tail -nf 5 notes.txt",
        "tail --follow=name notes.txt",
        "wc --files0-from=list",
        "",
        "   ",
    ],
)
def test_risky_commands_need_permission(command: str, workdir: Path) -> None:
    assert needs_permission(command, workdir)


@pytest.mark.parametrize(
    "command",
    [
        "cat /etc/passwd",
        "ls /",
        "ls ..",
        "head ../secret",
        "wc -l /etc/hostname",
        "ls --ignore=x /",
        "git diff -- /etc/passwd",
        "cat -- -/../../../etc/passwd",
        "cat link",
    ],
)
def test_reading_outside_the_workdir_needs_permission(command: str, workdir: Path) -> None:
    (workdir / "link").symlink_to("/etc/hostname")
    assert needs_permission(command, workdir)
