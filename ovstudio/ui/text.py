"""Untrusted text made literal for Streamlit's Markdown and for HTML.

Layer names, types, rt_info values, model names and messages that quote them come from model
files and shared sessions, so they may contain HTML, Markdown, LaTeX or Streamlit's own markup
(``:red[...]``, ``:material/icon:``). Every such text goes through ``markdown_literal`` before it
reaches an element that renders Markdown (markdown, caption, subheader, info, warning, error,
help texts), and through ``html_literal`` before it is put into HTML.
"""

from __future__ import annotations

import html
import re

# Every ASCII punctuation character, which CommonMark lets a backslash escape.
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def markdown_literal(text: object) -> str:
    """Return ``text`` escaped so that Streamlit's Markdown shows it character for character.

    A backslash before every ASCII punctuation character stops emphasis, links, HTML, code spans,
    ``$`` math and Streamlit's ``:directive[...]`` and ``:icon:`` markup. Newlines become spaces,
    because Markdown reads line starts and blank lines as structure.
    """
    escaped = _ASCII_PUNCTUATION.sub(r"\\\1", str(text))
    return escaped.replace("\r", " ").replace("\n", " ")


def markdown_lines(text: object) -> str:
    """Return ``text`` escaped like ``markdown_literal``, but keep each line on a line of its own.

    For messages that quote several lines, such as the last output of a crashed worker: each line
    is escaped and the lines are joined with Markdown hard line breaks.
    """
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "  \n".join(markdown_literal(line.strip()) for line in lines if line.strip())


def html_literal(text: object) -> str:
    """Return ``text`` escaped for HTML text or a quoted attribute, on one line.

    Newlines become spaces, because a blank line would end the HTML block Streamlit's Markdown
    passes through, and the rest would be read as Markdown.
    """
    return html.escape(str(text), quote=True).replace("\r", " ").replace("\n", " ")
