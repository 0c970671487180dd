"""The SSE decoder against the WHATWG parsing rules, fed whole and byte by byte."""

from __future__ import annotations

import pytest

from mix_tui.sdk.sse import SSEDecoder, SSEFrame


def feed_all(chunks: list[bytes], last_event_id: str | None = None) -> tuple[list[SSEFrame], SSEDecoder]:
    decoder = SSEDecoder(last_event_id)
    frames: list[SSEFrame] = []
    for chunk in chunks:
        frames.extend(decoder.feed(chunk))
    return frames, decoder


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


SAMPLE = (
    b": a comment, ignored\n"
    b'id: 7\nevent: content\ndata: {"a":1}\nretry: 30000\n\n'
    b"event: thinking\ndata: line one\ndata: line two\n\n"  # no id: the previous one persists
    b"data: no event name\n\n"
    b"id\nevent: content\ndata:\n\n"  # `id` without colon resets the id; empty data still dispatches
    b"event: heartbeat\n\n"  # no data line: not dispatched
    b"id: 9\x00\ndata: nul id ignored\n\n"
    b"data:  two spaces keep one\n\n"
    b"event: content\ndata: unterminated at eof"
)
EXPECTED = [
    SSEFrame("content", '{"a":1}', "7"),
    SSEFrame("thinking", "line one\nline two", "7"),
    SSEFrame("message", "no event name", "7"),
    SSEFrame("content", "", ""),
    SSEFrame("message", "nul id ignored", ""),
    SSEFrame("message", " two spaces keep one", ""),
]


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
@pytest.mark.parametrize("split", ["whole", "bytewise"])
def test_frames_follow_the_spec_for_every_line_ending(eol: bytes, split: str) -> None:
    data = SAMPLE.replace(b"\n", eol)
    frames, decoder = feed_all([data] if split == "whole" else bytewise(data))
    assert frames == EXPECTED
    assert decoder.retry_ms == 30000
    assert decoder.last_event_id == ""


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    frames, _ = feed_all([b"event: content\r", b"\ndata: x\r", b"\n\r", b"\n"])
    assert frames == [SSEFrame("content", "x", None)]


def test_mixed_line_endings_in_one_stream() -> None:
    frames, _ = feed_all([b"data: a\r\n\r\ndata: b\r\rdata: c\n\r\n"])
    assert [f.data for f in frames] == ["a", "b", "c"]


def test_multibyte_utf8_split_across_chunks() -> None:
    payload = 'data: {"content":"héllo – 世界 🎉"}\n\n'.encode()
    frames, _ = feed_all(bytewise(payload))
    assert frames[0].data == '{"content":"héllo – 世界 🎉"}'


def test_a_leading_bom_is_dropped_once() -> None:
    frames, _ = feed_all([b"\xef\xbb", b"\xbfdata: x\n\n\xef\xbb\xbfdata: y\n\n"])
    # a BOM later in the stream is part of the field name, so that line is an unknown field
    assert frames == [SSEFrame("message", "x", None)]


def test_id_is_committed_only_when_its_frame_is_dispatched() -> None:
    decoder = SSEDecoder("4")
    assert decoder.feed(b"id: 5\nevent: content\n") == []
    assert decoder.last_event_id == "4"  # a frame cut off here must not be acknowledged
    assert decoder.feed(b"data: x\n\n") == [SSEFrame("content", "x", "5")]
    assert decoder.last_event_id == "5"


def test_the_id_from_a_previous_connection_carries_over() -> None:
    frames, decoder = feed_all([b"event: connected\ndata: {}\n\n"], last_event_id="41")
    assert frames == [SSEFrame("connected", "{}", "41")]
    assert decoder.last_event_id == "41"


def test_unknown_fields_and_bad_retry_values_are_ignored() -> None:
    frames, decoder = feed_all([b"foo: bar\nretry: 12x\nretry\ndata: x\n\n"])
    assert frames == [SSEFrame("message", "x", None)]
    assert decoder.retry_ms is None


def test_an_over_long_line_is_reported_once_and_decoding_goes_on() -> None:
    decoder = SSEDecoder(max_line_bytes=100)
    frames = decoder.feed(b"id: 3\nevent: content\ndata: " + b"y" * 500 + b"\ndata: more\n\nevent: ok\ndata: 1\n\n")
    assert frames == [
        SSEFrame("content", "", "3", "a 'data' line longer than 100 bytes was skipped"),
        SSEFrame("ok", "1", "3"),
    ]
    assert decoder.last_event_id == "3"


def test_an_over_long_line_across_chunks_is_dropped_piece_by_piece() -> None:
    decoder = SSEDecoder(max_line_bytes=1000)
    frames = decoder.feed(b"event: content\ndata: ")
    for _ in range(50):
        frames += decoder.feed(b"z" * 700)  # never more than the limit is held
        assert decoder._tail_size <= 1000
    frames += decoder.feed(b"zz\n\nid: 9\ndata: next\n\n")
    assert [(f.event, f.data, f.error is not None) for f in frames] == [("content", "", True), ("message", "next", False)]
    # a long comment is just a comment, and a long id is ignored: neither breaks a frame
    frames = decoder.feed(b": " + b"c" * 5000 + b"\nid: " + b"7" * 5000 + b"\ndata: kept\n\n")
    assert frames == [SSEFrame("message", "kept", "9")]


def test_a_frame_of_endless_data_lines_is_bounded() -> None:
    decoder = SSEDecoder(max_line_bytes=100)
    frames: list[SSEFrame] = []
    for _ in range(100):
        frames += decoder.feed(b"data: abcdefghij\n")
    assert len(decoder._data) <= 10
    frames += decoder.feed(b"\nid: 7\ndata: next\n\n")
    assert frames == [SSEFrame("message", "", None, "a frame larger than 100 bytes was skipped"), SSEFrame("message", "next", "7")]


def test_decoding_an_endless_line_is_linear_and_memory_bounded() -> None:
    import time
    import tracemalloc

    chunk = b"x" * 4096
    decoder = SSEDecoder(max_line_bytes=64 * 1024 * 1024)  # the line stays under the limit: kept whole
    started = time.perf_counter()
    decoder.feed(b"event: content\ndata: ")
    for _ in range(8 * 1024):  # 32 MiB in 4 KiB chunks: the old decoder copied ~130 GB doing this
        decoder.feed(chunk)
    [frame] = decoder.feed(b"\n\n")
    assert len(frame.data) == 32 * 1024 * 1024
    assert time.perf_counter() - started < 5
    bounded = SSEDecoder(max_line_bytes=1 << 20)
    tracemalloc.start()
    try:
        bounded.feed(b"data: ")
        for _ in range(16 * 1024):  # 64 MiB that never ends a line
            bounded.feed(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


@pytest.mark.parametrize("value", ["é✓", "a b"])
def test_printable_ids_are_kept_even_beyond_ascii(value: str) -> None:
    frames, decoder = feed_all([f"id: {value}\ndata: x\n\n".encode()])
    assert decoder.last_event_id == value and frames[0].id == value


@pytest.mark.parametrize("value", ["a\x01b", "tab\there", "x" * 1025, "nul\x00"])
def test_ids_that_cannot_travel_back_are_ignored(value: str) -> None:
    frames, decoder = feed_all([b"id: 5\ndata: a\n\n", f"id: {value}\ndata: b\n\n".encode()])
    assert [f.id for f in frames] == ["5", "5"] and decoder.last_event_id == "5"


def test_a_retry_with_too_many_digits_is_ignored() -> None:
    frames, decoder = feed_all([b"retry: " + b"9" * 10_000 + b"\nretry: 1500\nretry: " + b"1" * 10 + b"\ndata: x\n\n"])
    assert decoder.retry_ms == 1500 and frames == [SSEFrame("message", "x", None)]
