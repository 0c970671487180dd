"""Unified diffs for Write/Edit permission prompts (and anything else on the server that needs one)."""

from __future__ import annotations

import difflib

# difflib is quadratic in the worst case; past this size a summary is more useful than a diff
MAX_DIFF_INPUT_CHARS = 1_000_000
MAX_DIFF_OUTPUT_CHARS = 100_000


def unified_diff(old: str, new: str, path: str, *, context: int = 3) -> str:
    """A `diff -u` style text from `old` to `new` ("" when they are equal).

    A new file is a diff from empty content, headed `--- /dev/null`.
    """
    if old == new:
        return ""
    if len(old) + len(new) > MAX_DIFF_INPUT_CHARS:
        return f"--- a/{path}\n+++ b/{path}\n(diff omitted: {len(old)} characters before, {len(new)} after)\n"
    from_name = "/dev/null" if old == "" else f"a/{path}"
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=from_name,
        tofile=f"b/{path}",
        n=context,
    )
    out: list[str] = []
    for line in lines:
        if not line.endswith("\n"):
            # same marker as `diff -u`, so a missing final newline stays visible
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    text = "".join(out)
    if len(text) > MAX_DIFF_OUTPUT_CHARS:
        cut = text[:MAX_DIFF_OUTPUT_CHARS]
        text = cut[: cut.rfind("\n") + 1] + f"… diff truncated ({len(text)} characters in all)\n"
    return text
