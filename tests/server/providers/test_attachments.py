"""Media in a user message, in each provider's documented request shape."""

from __future__ import annotations

import base64

from mix_tui.server.providers.anthropic import AnthropicProvider
from mix_tui.server.providers.base import Attachment, CallOptions, ChatMessage
from mix_tui.server.providers.openai_compat import OpenAICompatProvider

IMAGE = Attachment("image/png", b"\x89PNG-bytes", "a.png")
PDF = Attachment("application/pdf", b"%PDF-1.7", "doc.pdf")


def options() -> CallOptions:
    message = ChatMessage(role="user", content="What is in these?", attachments=[IMAGE, PDF])
    return CallOptions(model="m", system="s", messages=[message], tools=[])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_anthropic_image_and_document_blocks_before_the_text() -> None:
    request = AnthropicProvider(api_key="k").build_request(options())
    blocks = request["messages"][0]["content"]
    assert blocks[0] == {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64(IMAGE.data)}}
    assert blocks[1] == {
        "type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": b64(PDF.data)},
    }  # fmt: skip
    assert blocks[2]["type"] == "text" and blocks[2]["text"] == "What is in these?"


def test_openai_image_url_and_file_parts() -> None:
    request = OpenAICompatProvider("openai", api_key="k").build_request(options())
    parts = request["messages"][1]["content"]
    assert parts[0] == {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(IMAGE.data)}"}}
    assert parts[1] == {
        "type": "file", "file": {"filename": "doc.pdf", "file_data": f"data:application/pdf;base64,{b64(PDF.data)}"},
    }  # fmt: skip
    assert parts[2] == {"type": "text", "text": "What is in these?"}
