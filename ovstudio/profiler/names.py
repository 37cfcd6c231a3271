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

_MAX_PIECES_CACHE: dict[str, tuple[Collection[str], int]] = {}


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
    pieces = list(names)
    longest = _max_pieces(known_names)

    def candidate(start: int, end: int) -> tuple[str | None, int]:
        text = ",".join(pieces[start:end])
        if text in known_names:
            return text, 0
        return (text, 1) if end - start == 1 else (None, 0)

    return _cheapest_split(len(pieces), candidate, lambda start, end: end - start < longest)


def _split_known(text: str, known_names: Collection[str]) -> list[str]:
    # The plugin may not escape, so the cut points are every comma, escaped or not. A span of
    # pieces is a name when it is known as written, or when the escape rule reads it as one name
    # (every cut inside it follows an odd run of backslashes), known or not.
    pieces = text.split(",")
    longest = _max_pieces(known_names)
    escaped_cuts = [0]
    for piece in pieces:
        trailing = len(piece) - len(piece.rstrip("\\"))
        escaped_cuts.append(escaped_cuts[-1] + trailing % 2)

    def is_escaped_unit(start: int, end: int) -> bool:
        return escaped_cuts[end - 1] - escaped_cuts[start] == end - 1 - start

    def candidate(start: int, end: int) -> tuple[str | None, int]:
        joined = ",".join(pieces[start:end])
        if joined in known_names:
            return joined, 0
        if not is_escaped_unit(start, end):
            return None, 0
        name = _split_unescaped(joined)[0]
        return name, 0 if name in known_names else 1

    def extends(start: int, end: int) -> bool:
        return end - start < longest or is_escaped_unit(start, end + 1)

    return _cheapest_split(len(pieces), candidate, extends)


def _max_pieces(known_names: Collection[str]) -> int:
    """Return the most comma-separated pieces a known name has.

    Callers split every runtime layer's names against the same collection, so the last result is
    kept with a reference to its collection. A collection changed after a call is not seen again.
    """
    cached = _MAX_PIECES_CACHE.get("last")
    if cached is not None and cached[0] is known_names:
        return cached[1]
    longest = 1 + max((name.count(",") for name in known_names), default=0)
    _MAX_PIECES_CACHE["last"] = (known_names, longest)
    return longest


def _cheapest_split(
    count: int,
    candidate: Callable[[int, int], tuple[str | None, int]],
    extends: Callable[[int, int], bool],
) -> list[str]:
    """Split pieces ``0..count`` into names with the fewest unknown names, then the fewest names.

    ``candidate(start, end)`` returns the name that pieces[start:end] joined with commas stands
    for and 1 when it is unknown, or (None, 0) when it is no name. A single piece is always a
    name. ``extends(start, end)`` returns whether a span longer than [start, end) can be a name.
    """
    # best[i] is the cheapest split of pieces[i:], cost = (unknown names, names).
    best: list[tuple[tuple[int, int], list[str]]] = [((0, 0), [])] * (count + 1)
    for start in range(count - 1, -1, -1):
        candidates = []
        for end in range(start + 1, count + 1):
            name, unknown = candidate(start, end)
            if name is not None:
                (rest_unknown, rest_names), rest = best[end]
                candidates.append(((rest_unknown + unknown, rest_names + 1), [name, *rest]))
            if not extends(start, end):
                break
        best[start] = min(candidates, key=lambda item: item[0])
    return best[0][1]
