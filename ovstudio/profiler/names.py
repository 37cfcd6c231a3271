"""Parse the originalLayersNames text of a runtime model node.

The plugin joins the friendly names of the IR layers an execution node came from with commas.
Names may contain ``/``, ``:``, ``<`` and spaces, and keep them. A comma escaped as ``\\,`` (and a
backslash escaped as ``\\\\``) is unescaped.

NOTE: the CPU plugin of OpenVINO 2026.4.1 does not escape commas: a layer named ``conv,x`` fused
with ``relu`` gives ``conv,x,relu``. Pass the IR layer names as ``known_names`` to rejoin such
pieces.
"""

from __future__ import annotations

from collections.abc import Collection


def split_original_names(text: str | None, known_names: Collection[str] | None = None) -> list[str]:
    """Split originalLayersNames on unescaped commas and unescape ``\\,`` and ``\\\\``.

    With ``known_names``, adjacent pieces are rejoined with commas where that gives a known name,
    preferring the split with the fewest unknown names, then the fewest names. Empty names are
    dropped, so ``""`` and ``None`` give ``[]``. A backslash before any other character, or at the
    end, is kept as it is.
    """
    if not text:
        return []

    pieces = _split_unescaped(text)
    if known_names:
        pieces = _rejoin_known(pieces, known_names)
    return [name for name in pieces if name]


def _split_unescaped(text: str) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        following = text[index + 1] if index + 1 < len(text) else ""
        if char == "\\" and following in (",", "\\"):
            current.append(following)
            index += 2
            continue
        if char == ",":
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    pieces.append("".join(current))
    return pieces


def _rejoin_known(pieces: list[str], known_names: Collection[str]) -> list[str]:
    # best[i] is the cheapest split of pieces[i:], cost = (unknown names, names).
    count = len(pieces)
    best: list[tuple[tuple[int, int], list[str]]] = [((0, 0), [])] * (count + 1)
    for start in range(count - 1, -1, -1):
        candidates = []
        for end in range(start + 1, count + 1):
            name = ",".join(pieces[start:end])
            unknown = 0 if name in known_names else 1
            if unknown and end > start + 1:
                continue
            (rest_unknown, rest_names), rest = best[end]
            candidates.append(((rest_unknown + unknown, rest_names + 1), [name, *rest]))
        best[start] = min(candidates, key=lambda candidate: candidate[0])
    return best[0][1]
