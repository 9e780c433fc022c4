"""Windows over sentences, so that an encoder with a fixed input length reads a note of any length.

A note is cut into windows of whole sentences, each at most `budget` tokens long; consecutive
windows share one sentence, so a sentence that leans on the one before it is read with it at
least once. A sentence longer than the budget on its own is cut at token boundaries into
pieces that each fit. The note's score for a marker is then the highest window score: a
marker is about something the note says (or fails to say) somewhere, and max-pooling keeps a
single telling window from being averaged away by the rest of a long note.

Pure functions over character spans and token counts: the tokenizer stays with the caller.
"""

from __future__ import annotations

from typing import Sequence

Span = tuple[int, int]


def pack_windows(lengths: Sequence[int], budget: int, overlap: int = 1) -> list[tuple[int, int]]:
    """Group consecutive pieces into windows `[first, last)` of at most `budget` tokens.

    `lengths[i]` is the token count of piece i (each must fit the budget on its own: cut long
    sentences first with `cut_span`). Each window after the first starts with the last
    `overlap` pieces of the one before, unless that would not move the window forward.
    An empty note gets no windows.
    """
    if budget < 1:
        raise ValueError(f"window budget must be at least one token, got {budget}")
    if overlap < 0:
        raise ValueError(f"overlap must be zero or more sentences, got {overlap}")
    too_long = [i for i, n in enumerate(lengths) if n > budget]
    if too_long:
        raise ValueError(f"pieces {too_long[:5]} exceed the budget of {budget} tokens; cut them first")
    windows: list[tuple[int, int]] = []
    start, n = 0, len(lengths)
    while start < n:
        end, used = start, 0
        while end < n and used + lengths[end] <= budget:
            used += lengths[end]
            end += 1
        windows.append((start, end))
        if end >= n:
            break
        start = max(end - overlap, start + 1)
    return windows


def cut_span(span: Span, token_offsets: Sequence[Span], budget: int) -> list[Span]:
    """Cut one character span into pieces of at most `budget` tokens at token boundaries.

    `token_offsets` are the (start, end) character offsets of the span's tokens, relative to
    the same text as `span` (a fast tokenizer's offset mapping). A span that fits is returned
    unchanged.
    """
    if len(token_offsets) <= budget:
        return [span]
    pieces = []
    for i in range(0, len(token_offsets), budget):
        chunk = token_offsets[i:i + budget]
        start = span[0] if i == 0 else chunk[0][0]
        end = span[1] if i + budget >= len(token_offsets) else token_offsets[i + budget][0]
        pieces.append((start, end))
    return pieces


def window_spans(spans: Sequence[Span], windows: Sequence[tuple[int, int]]) -> list[Span]:
    """The character span each window covers: from its first piece's start to its last piece's end."""
    return [(spans[first][0], spans[last - 1][1]) for first, last in windows]
