"""Copy text for the user: into the terminal's clipboard (OSC 52, through Textual; it works over SSH
where the terminal allows it) and into the system clipboard where one is reachable (pyperclip: pbcopy,
wl-copy, xclip/xsel, clip.exe). The text goes as it is (raw markdown): OSC 52 carries it base64
encoded, so no byte of it reaches the terminal as a control sequence."""

from __future__ import annotations

import asyncio

import pyperclip
from textual.app import App

SYSTEM_TIMEOUT = 2.0  # seconds; a clipboard tool that hangs must not hold the copy up


def system_copy(text: str) -> bool:
    """Blocking: True when the system clipboard took the text."""
    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException:
        return False
    return True


async def copy(app: App[object], text: str) -> str:
    """Copy `text` both ways; returns where it went, for the user."""
    app.copy_to_clipboard(text)
    try:
        system = await asyncio.wait_for(asyncio.to_thread(system_copy, text), SYSTEM_TIMEOUT)
    except (TimeoutError, OSError):
        system = False
    return "the system clipboard and the terminal's (OSC 52)" if system else "the terminal's clipboard (OSC 52)"
