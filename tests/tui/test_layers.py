"""The session model imports nothing of Textual but `textual.message` (the messages it posts): no
widget, no screen, no app. import-linter keeps our own layers apart; it cannot name a subpackage of
an external package, so this test reads the imports itself."""

from __future__ import annotations

import ast
from pathlib import Path

import mix_tui.tui.session as session_package

ALLOWED_TEXTUAL = {"textual.message"}


def textual_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "textual"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "textual":
            found.add(node.module)
    return found


def test_the_session_model_uses_only_textual_messages() -> None:
    package = Path(session_package.__file__).parent
    modules = sorted(package.glob("*.py"))
    assert len(modules) >= 5
    used = {str(path.name): textual_imports(path) for path in modules}
    assert any(used.values()), "the events module posts Textual messages"
    offenders = {name: imports - ALLOWED_TEXTUAL for name, imports in used.items() if imports - ALLOWED_TEXTUAL}
    assert offenders == {}
