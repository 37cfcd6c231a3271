"""Parse the originalLayersNames text of a runtime model node.

The plugin joins the friendly names of the IR layers an execution node came from with commas.
Names may contain ``/``, ``:``, ``<`` and spaces, and keep them. A comma escaped as ``\\,`` (and a
backslash escaped as ``\\\\``) is unescaped.

NOTE: the CPU plugin of OpenVINO 2026.4.1 escapes neither commas nor backslashes: a layer named
``conv,x`` fused with ``relu`` gives ``conv,x,relu``, and a layer named ``a\\,b`` arrives as
``a\\,b``, which the escape rule would read as ``a,b``. Pass the IR layer names as ``known_names``
to rejoin such pieces and to match names as written as well as unescaped.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence


def split_original_names(text: str | None, known_names: Collection[str] | None = None) -> list[str]:
    """Split originalLayersNames on unescaped commas and unescape ``\\,`` and ``\\\\``.

    With ``known_names``, the text is cut at every comma and adjacent pieces are rejoined where
    that gives a known name, taken as written or unescaped, preferring the split with the fewest
    unknown names, then the fewest names. Unknown names follow the escape rule. Empty names are
    dropped, so ``""`` and ``None`` give ``[]``. A backslash before any other character, or at the
    end, is kept as it is.
    """
    if not text:
        return []

    if known_names:
        pieces = _split_known(text, known_names)
    else:
        pieces = _split_unescaped(text)
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


def rejoin_known_names(names: Sequence[str], known_names: Collection[str]) -> list[str]:
    """Rejoin adjacent entries of an already split name list with commas where that gives a known name.

    For lists split without ``known_names``, such as those of older sessions. Entries are taken as
    they are, and an unknown entry stays one name.
    """
    def candidate(text: str, piece_count: int) -> tuple[str | None, int]:
        if text in known_names:
            return text, 0
        return (text, 1) if piece_count == 1 else (None, 0)

    return _cheapest_split(list(names), candidate)


def _split_known(text: str, known_names: Collection[str]) -> list[str]:
    # The plugin may not escape, so the cut points are every comma, escaped or not.
    return _cheapest_split(text.split(","), lambda name, _: _candidate_name(name, known_names))


def _cheapest_split(pieces: list[str], candidate: Callable[[str, int], tuple[str | None, int]]) -> list[str]:
    # best[i] is the cheapest split of pieces[i:], cost = (unknown names, names). candidate(text,
    # piece count) returns the name a comma-joined span stands for and 1 when it is unknown.
    count = len(pieces)
    best: list[tuple[tuple[int, int], list[str]]] = [((0, 0), [])] * (count + 1)
    for start in range(count - 1, -1, -1):
        candidates = []
        for end in range(start + 1, count + 1):
            name, unknown = candidate(",".join(pieces[start:end]), end - start)
            if name is None:
                continue
            (rest_unknown, rest_names), rest = best[end]
            candidates.append(((rest_unknown + unknown, rest_names + 1), [name, *rest]))
        best[start] = min(candidates, key=lambda item: item[0])
    return best[0][1]


def _candidate_name(text: str, known_names: Collection[str]) -> tuple[str | None, int]:
    """Return the name ``text`` stands for and 1 when it is unknown, or (None, 0) when it is no name.

    A known name matches as written first, then unescaped. An unknown ``text`` is a name only when
    the escape rule reads it as one name, and then it is unescaped.
    """
    if text in known_names:
        return text, 0
    unescaped = _split_unescaped(text)
    if len(unescaped) != 1:
        return None, 0
    return unescaped[0], 0 if unescaped[0] in known_names else 1
