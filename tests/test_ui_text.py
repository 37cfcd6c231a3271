"""Escaping of untrusted text for Streamlit's Markdown and for HTML."""

from __future__ import annotations

import string

from ovstudio.ui.text import html_literal, markdown_lines, markdown_literal


def test_markdown_literal_escapes_punctuation() -> None:
    escaped = markdown_literal(string.punctuation)

    assert escaped == "".join("\\" + char for char in string.punctuation)


def test_markdown_literal_keeps_letters() -> None:
    assert markdown_literal("Кириллица 中文 🙂 abc 123") == "Кириллица 中文 🙂 abc 123"


def test_markdown_literal_newlines_to_spaces() -> None:
    assert markdown_literal("a\n\n# b\r\nc") == "a  \\# b  c"


def test_html_literal_escapes_tags() -> None:
    assert html_literal("<img src='x' onerror=\"y\">&") == "&lt;img src=&#x27;x&#x27; onerror=&quot;y&quot;&gt;&amp;"


def test_html_literal_one_line() -> None:
    assert html_literal("a\n\n**b**") == "a  **b**"


def test_markdown_lines_keeps_line_breaks() -> None:
    message = "crashed during stage 'compile'. Last output:\n  [INFO] *compile* started\r\n\n  # done"

    assert markdown_lines(message).split("  \n") == [
        markdown_literal("crashed during stage 'compile'. Last output:"),
        markdown_literal("[INFO] *compile* started"),
        markdown_literal("# done"),
    ]


def test_markdown_lines_escapes_each_line() -> None:
    assert markdown_lines("[a](javascript:x)\n<b>") == "\\[a\\]\\(javascript\\:x\\)  \n\\<b\\>"
