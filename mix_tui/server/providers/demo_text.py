"""Canned, deterministic text for the offline demo provider.

Everything here is a pure function of its input so the demo model answers the same prompt the same
way every time (tests and benchmarks rely on that). Variety comes from a stable hash of the prompt,
never from `random` or the process-salted `hash()`.
"""

from __future__ import annotations

import hashlib
import json
import re

from mix_tui.server.providers.base import ToolCallRequest, ToolResult

SUMMARY_MAX_LINES = 40

DIRECTIVES_HELP = """\
| Type this on its own line | and the demo calls |
|---|---|
| `$ CMD` | **Bash** with that command |
| `read PATH` | **ReadText** |
| `write PATH` then a fenced block | **Write** with the block as content |
| `edit PATH` then a line `OLD -> NEW` | **Edit** |
| `glob PATTERN` | **Glob** |
| `grep PATTERN` | **Grep** |
| `python` then a fenced block | **python_execution** with the block as code |
| `fetch URL` | **ReadText** on a web page |
| `look PATH` (or `look PATH pages 1-3`) | **ReadMedia** on an image or PDF |
| `search QUERY` (or `search images QUERY`) | **Search** (needs a Brave key) |
| `show PATH` | **Show**: the file is displayed |
| `task PROMPT` | **Task**: a sub-agent does PROMPT |
| `plan` then a fenced block | **ExitPlanMode** with the block as the plan |
| `notify TEXT`, `ask QUESTION` or `choose QUESTION \\| A \\| B` | **notify_user**: a notification to acknowledge, answer or choose from |
| `long N` | no tool: a long answer of N sections (for benchmarks) |
"""

_GREETINGS = (
    "Hello from the offline demo!",
    "Hi there, this is the demo model.",
    "Welcome to the offline demo.",
    "Good to see you! You are talking to the demo model.",
)

_CODE_WORDS = re.compile(r"\b(code|python|function|script|program|snippet|bug|class)\b", re.IGNORECASE)

_DENIAL = re.compile(r"\b(denied|declined|rejected)\b", re.IGNORECASE)


def stable_index(text: str, size: int) -> int:
    """A deterministic index in [0, size) derived from `text`."""
    digest = hashlib.sha256(text.encode("utf-8", "replace")).digest()
    return int.from_bytes(digest[:4], "big") % size


def code_span(text: str) -> str:
    """`text` as a markdown code span, fenced with enough backticks to hold any it contains."""
    text = " ".join(text.split()) or " "
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if longest or text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence_for(body: str) -> str:
    """A code fence longer than any backtick run inside `body`, so the block cannot end early."""
    longest = max((len(run) for run in re.findall(r"`{3,}", body)), default=0)
    return "`" * max(3, longest + 1)


def snippet(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# ---- plain chat ---------------------------------------------------------------------------------


def chat_thinking(prompt: str) -> str:
    if not prompt.strip():
        return "The message is empty. I'll introduce myself and explain what the demo can do."
    return (
        f'The user said "{snippet(prompt)}". There are no tool directives in it, '
        "so I'll answer directly and explain how to try the tools."
    )


def chat_answer(prompt: str) -> str:
    greeting = _GREETINGS[stable_index(prompt, len(_GREETINGS))]
    parts = [
        f"## {greeting}",
        "",
        "I am the **offline demo model**: I run inside this app, need no API key and never call a "
        "real AI. I can still show you how everything works:",
        "",
        "- answers stream in token by token, with a short *thinking* block first",
        "- tool calls ask for your permission, run for real and report back",
        "- sessions are kept: reopen one later and it looks the same",
        "",
    ]
    if _CODE_WORDS.search(prompt):
        parts += [
            "You mentioned code, so here is a small example of what a code block looks like:",
            "",
            "```python",
            "def greet(name: str) -> str:",
            '    return f"Hello, {name}!"',
            "",
            'print(greet("demo"))',
            "```",
            "",
        ]
    parts += ["To try the tools, put one of these directives on its own line:", "", DIRECTIVES_HELP]
    return "\n".join(parts)


# ---- tool calls ---------------------------------------------------------------------------------

# tool name -> (argument shown to the user, verb for the thinking, phrase for the answer)
_TOOL_WORDS: dict[str, tuple[str, str, str]] = {
    "Bash": ("command", "run", "I'll run {arg}."),
    "ReadText": ("file_path", "read", "I'll read {arg}."),
    "Write": ("file_path", "write", "I'll write {arg}."),
    "Edit": ("file_path", "edit", "I'll edit {arg}."),
    "Glob": ("pattern", "find files matching", "I'll look for files matching {arg}."),
    "Grep": ("pattern", "search for", "I'll search the files for {arg}."),
    "python_execution": ("code", "run this Python code:", "I'll run the Python code."),
    "ReadMedia": ("file_path", "look at", "I'll look at {arg}."),
    "Search": ("query", "search the web for", "I'll search the web for {arg}."),
    "Show": ("outputs", "show", "I'll show you the result."),
    "Task": ("description", "delegate", "I'll hand {arg} to a sub-agent."),
    "ExitPlanMode": ("plan", "present the plan", "I'll present my plan; approve it to let me start."),
}


def key_argument(name: str, arguments: str) -> str:
    """The one argument that identifies a call (the command, the path, the pattern)."""
    try:
        args = json.loads(arguments or "{}")
    except ValueError:
        return snippet(arguments)
    if not isinstance(args, dict):
        return snippet(arguments)
    key = _TOOL_WORDS.get(name, ("", "", ""))[0]
    if key and isinstance(args.get(key), str):
        return str(args[key])
    return snippet(json.dumps(args, ensure_ascii=False))


def calls_thinking(calls: list[ToolCallRequest]) -> str:
    sentences = []
    for call in calls:
        verb = _TOOL_WORDS.get(call.name, ("", "use", ""))[1]
        arg = code_span(key_argument(call.name, call.arguments))
        sentences.append(f"The user wants me to {verb} {arg}. I'll use the {call.name} tool.")
    return " ".join(sentences)


def calls_text(calls: list[ToolCallRequest]) -> str:
    lines = []
    for call in calls:
        phrase = _TOOL_WORDS.get(call.name, ("", "", "I'll call " + call.name + " with {arg}."))[2]
        lines.append(phrase.format(arg=code_span(key_argument(call.name, call.arguments))))
    return lines[0] if len(lines) == 1 else "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


# ---- summary of tool results --------------------------------------------------------------------


def is_denial(result: ToolResult) -> bool:
    return result.is_error and bool(_DENIAL.search(result.content))


def summary_thinking(results: list[ToolResult]) -> str:
    denied = sum(1 for r in results if is_denial(r))
    failed = sum(1 for r in results if r.is_error) - denied
    ok = len(results) - denied - failed
    counts = [f"{n} {word}" for n, word in ((ok, "succeeded"), (failed, "failed"), (denied, "denied")) if n]
    return f"The tool results are back: {', '.join(counts) or 'nothing'}. Let me summarise them for the user."


def _output_block(content: str) -> list[str]:
    lines = content.rstrip("\n").split("\n")
    if not content.strip():
        return ["_(no output)_"]
    shown, hidden = lines[:SUMMARY_MAX_LINES], len(lines) - SUMMARY_MAX_LINES
    body = "\n".join(shown)
    fence = fence_for(body)
    block = [fence, body, fence]
    if hidden > 0:
        block.append(f"_… {hidden} more line{'s' if hidden != 1 else ''} not shown._")
    return block


def summary_answer(results: list[ToolResult], calls: dict[str, ToolCallRequest]) -> str:
    parts = ["## Results", ""]
    for result in results:
        call = calls.get(result.tool_call_id)
        arg = code_span(key_argument(result.name, call.arguments)) if call else ""
        label = f"**{result.name}** {arg}".rstrip()
        if is_denial(result):
            parts += [f"The user declined {label}, so it did not run.", ""]
            continue
        if result.is_error:
            parts += [f"{label} failed:", "", *_output_block(result.content), ""]
        else:
            parts += [f"{label} finished:", "", *_output_block(result.content), ""]
    if all(is_denial(r) for r in results) and results:
        parts.append("Nothing ran this time. Send the directive again if you change your mind.")
    else:
        parts.append("That's everything from this step. Send another directive to keep going.")
    return "\n".join(parts)


# ---- `long N`: a big deterministic answer for benchmarks ----------------------------------------

_TOPICS = (
    "Setting up the workspace",
    "Reading the configuration",
    "Streaming the response",
    "Handling errors",
    "Measuring performance",
    "Caching results",
    "Testing the pipeline",
    "Shipping safely",
)

_SENTENCES = (
    "Each step builds on the previous one, so it pays to keep the pieces small and well named.",
    "The renderer only touches what changed, which keeps long transcripts responsive.",
    "When something fails, the error is reported once, with enough context to act on it.",
    "Numbers matter here: measure before and after every change instead of guessing.",
    "A deterministic input makes the output easy to compare from one run to the next.",
    "Short feedback loops beat clever abstractions in almost every project.",
    "The same data flows through every stage, so a bug shows up in one predictable place.",
    "Good defaults mean most users never need to open the settings at all.",
)


def _element(i: int) -> list[str]:
    """The block of section `i`; the rotation puts code, a list and a table in the first three."""
    kind = (i - 1) % 6
    if kind == 0:
        return [
            "```python",
            f"def step_{i}(items: list[int]) -> int:",
            f"    # section {i}: fold the items",
            f"    return sum(x * {i} for x in items)",
            "```",
        ]
    if kind == 1:
        return [
            f"- item {i}.1: prepare the input",
            f"- item {i}.2: run the step",
            f"- item {i}.3: check the result",
        ]
    if kind == 2:
        return [
            "| Stage | Time (ms) | Status |",
            "|---|---:|---|",
            f"| parse | {i * 3} | ok |",
            f"| render | {i * 5} | ok |",
            f"| write | {i * 2} | ok |",
        ]
    if kind == 3:
        return [
            "```bash",
            f"mkdir -p build/step-{i}",
            f"echo 'section {i}' > build/step-{i}/log.txt",
            f"ls -la build/step-{i}",
            "```",
        ]
    if kind == 4:
        return [f"1. open section {i}", "2. read the notes", "3. apply the change", "4. verify"]
    return ["```json", json.dumps({"section": i, "ok": True, "tags": ["demo", f"s{i}"]}, indent=2), "```"]


def long_answer(count: int) -> str:
    """`count` sections, each a heading, a paragraph of prose and one rich block."""
    sections = []
    for i in range(1, count + 1):
        topic = _TOPICS[(i - 1) % len(_TOPICS)]
        prose = " ".join(_SENTENCES[(i * 3 + j) % len(_SENTENCES)] for j in range(3))
        sections.append("\n".join([f"## {i}. {topic}", "", f"**Part {i}.** {prose}", "", *_element(i)]))
    return "\n\n".join(sections) + "\n"


def long_thinking(count: int) -> str:
    return f"The user asked for a long answer with {count} sections. I'll vary the formatting in each one."
