"""Show: the model presents media outputs (images, video, audio, PDF, CSV, animations) to the user.

The parameters are the SDK's `MediaShowcaseParams` (`outputs: [MediaOutput]`). The tool call on the
assistant message records them; the result's metadata records them resolved, so any client can
display them: a local file is copied into the session's files folder and gets the files API path
(`url`, relative to the server; `?thumb=` works on it), a web URL is kept as it is. Files outside
the working directory are only touched after the user allows it.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .base import PermissionNeed, ToolContext, ToolOutcome
from .paths import display_path, is_inside, resolve_path
from .web import is_url

MEDIA_TYPES = ("image", "video", "audio", "gsap_animation", "pdf", "csv")
MAX_SHOWN_BYTES = 32 * 1024 * 1024  # the files API's upload limit

_OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "path": {"type": "string", "description": "File path (absolute or relative) or http(s) URL."},
        "type": {"type": "string", "enum": list(MEDIA_TYPES)},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "config": {
            "type": "object",
            "additionalProperties": True,
            "description": "Animation settings (gsap_animation only).",
        },
        "startTime": {"type": "integer", "minimum": 0, "description": "Start, in seconds (video/audio)."},
        "duration": {"type": "integer", "minimum": 1, "description": "Length, in seconds (video/audio)."},
    },
    "required": ["type", "title"],
    "additionalProperties": False,
}


def _local_paths(args: dict[str, Any], ctx: ToolContext) -> list[Path]:
    return [
        resolve_path(str(o["path"]), ctx.workdir)
        for o in args.get("outputs", [])
        if isinstance(o, dict) and o.get("path") and not is_url(str(o["path"]))
    ]


class Show:
    name = "Show"
    description = (
        "Show media outputs to the user: images, video, audio, PDF, CSV files or GSAP animations.\n"
        "- Each output has a type, a title, optionally a description, and a path (a file or an "
        "http(s) URL; not needed for gsap_animation, which takes `config`).\n"
        "- startTime and duration (seconds) pick a segment of a video or audio file.\n"
        "- Use it for results the user should see, e.g. a chart you made with python_execution."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {"outputs": {"type": "array", "minItems": 1, "items": _OUTPUT_SCHEMA}},
        "required": ["outputs"],
        "additionalProperties": False,
    }

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        outside = [p for p in _local_paths(args, ctx) if not is_inside(p, ctx.workdir)]
        if not outside:
            return None
        names = ", ".join(str(p) for p in outside)
        return PermissionNeed(
            description=f"Show files outside the working directory: {names}",
            action="read",
            path=str(outside[0]),
            params={"paths": [str(p) for p in outside]},
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        shown: list[dict[str, Any]] = []
        problems: list[str] = []
        for n, output in enumerate(args["outputs"], start=1):
            entry, problem = await asyncio.to_thread(_resolve, output, ctx)
            if problem:
                problems.append(f"output {n} ({output.get('title', '')}): {problem}")
            else:
                shown.append(entry)
        if problems:
            return ToolOutcome("Nothing was shown:\n" + "\n".join(f"- {p}" for p in problems), is_error=True)
        lines = [f"- {o['type']}: {o['title']}" + (f" ({o['name']})" if o.get("name") else "") for o in shown]
        text = f"Showing {len(shown)} output{'s' if len(shown) != 1 else ''} to the user:\n" + "\n".join(lines)
        return ToolOutcome(text, metadata={"outputs": shown})


def _resolve(output: dict[str, Any], ctx: ToolContext) -> tuple[dict[str, Any], str]:
    """The output as clients get it, or a problem for the model. Blocking (copies files)."""
    entry: dict[str, Any] = {k: output[k] for k in ("type", "title", "description", "config", "startTime", "duration")
                             if k in output}  # fmt: skip
    raw = str(output.get("path") or "").strip()
    if not raw:
        if output["type"] != "gsap_animation":
            return entry, f"a {output['type']} output needs a path"
        return entry, ""
    if is_url(raw):
        entry.update(path=raw, url=raw)
        return entry, ""
    source = resolve_path(raw, ctx.workdir)
    if not source.is_file():
        return entry, f"no such file: {display_path(source, ctx.workdir)}"
    size = source.stat().st_size
    if size > MAX_SHOWN_BYTES:
        return entry, f"{display_path(source, ctx.workdir)} is {size} bytes, over the {MAX_SHOWN_BYTES}-byte limit"
    name = source.name
    if ctx.files_dir is not None:
        name = _publish(source, ctx.files_dir)
        entry["url"] = f"/api/sessions/{quote(ctx.session_id)}/files/{quote(name)}"
    entry.update(path=str(source), name=name, size=size)
    return entry, ""


def _publish(source: Path, files_dir: Path) -> str:
    """Copy `source` into the session's files folder (unless it is there already); returns its name."""
    if source.parent == files_dir.resolve():
        return source.name
    files_dir.mkdir(parents=True, exist_ok=True)
    # the files API's naming rules: no whitespace, no leading dot
    stem, suffix = source.stem.replace(" ", "_").lstrip(".") or "output", source.suffix
    name = f"{stem}{suffix}"
    counter = 1
    while (files_dir / name).exists():
        if (files_dir / name).read_bytes() == source.read_bytes():
            return name  # shown before, unchanged: reuse it
        counter += 1
        name = f"{stem}-{counter}{suffix}"
    shutil.copyfile(source, files_dir / name)
    return name
