"""A first-fit timetable, given to CP-SAT as a hint so that large problems start from a solution.

Fixed sessions first, blocks before their parts, then the hardest sessions (fewest possible
starts, largest audience): each takes the earliest start in the smallest venue that fits and is
free for its venue, speakers (with travel) and streams. It ignores the soft rules and may fail to
place a session; CP-SAT then finds the rest. The hint never decides what is feasible.
"""

from __future__ import annotations

from scheduling.solver import grid as g
from scheduling.solver.grid import Span
from scheduling.solver.prepare import Prepared


def first_fit(
    prep: Prepared, keep: dict[int, tuple[int, int | None]] | None = None
) -> dict[int, tuple[int, int | None]]:
    """Placements for as many sessions as it can: those in `keep` (and the fixed ones) where
    they are if that still breaks no rule, the others first-fit."""
    placed: dict[int, tuple[int, int | None]] = {}
    busy = _Busy(prep)
    soft = _Soft(prep)
    keep = dict(keep or {})
    for s in prep.problem.sessions:
        if s.fixed:
            keep[s.id] = prep.current[s.id]
    base = {s.id: _starts(prep, s.id) for s in prep.problem.sessions}
    order = sorted(
        prep.problem.sessions,
        key=lambda s: (
            not s.fixed,
            s.id not in keep,
            len(prep.ancestors[s.id]),
            sum(hi - lo for lo, hi in base[s.id]),
            -s.audience,
            s.id,
        ),
    )
    for s in order:
        d = prep.duration[s.id]
        allowed = base[s.id]
        if s.parent_id is not None:
            if s.parent_id not in placed:
                continue
            parent_start = placed[s.parent_id][0]
            allowed = g.intersect(
                allowed, [(parent_start, parent_start + prep.duration[s.parent_id] - d + 1)]
            )
        options: list[int | None] = [
            v.id
            for v in sorted(
                prep.problem.venues, key=lambda v: (v.capacity is None, v.capacity or 0, v.id)
            )
            if s.uses_venue and not prep.venue_groups(s, v)
        ]
        if prep.no_venue_groups(s) == []:
            options.append(None)
        wanted = keep.get(s.id)
        if wanted is not None and not s.fixed:
            options = [wanted[1]] if wanted[1] in options else []
        best: tuple[int, int | None] | None = None
        if wanted is not None and not s.fixed:
            for venue_id in options:
                here = _in_venue(prep, allowed, venue_id, d)
                if g.covers(g.intersect(here, busy.free(s.id, venue_id, placed)), *_one(wanted)):
                    best = wanted
        elif not s.fixed:
            # The cheapest start in soft penalties; the smallest venue that is free then.
            venue_at: dict[int, int | None] = {}
            for venue_id in options:
                here = g.intersect(
                    _in_venue(prep, allowed, venue_id, d), busy.free(s.id, venue_id, placed)
                )
                for lo, hi in here:
                    for step in range(lo, hi):
                        venue_at.setdefault(step, venue_id)
            if venue_at:
                step = min(venue_at, key=lambda t: (soft.cost(s.id, t, placed), t))
                best = (step, venue_at[step])
        if s.fixed:
            best = wanted
        if best is None and wanted is not None and not s.fixed:
            keep.pop(s.id)  # it cannot stay: place it anew, after the others that stay
            order.append(s)
            continue
        if best is not None:
            placed[s.id] = best
            busy.add(s.id, *best)
    return placed


def _one(placement: tuple[int, int | None]) -> tuple[int, int]:
    return placement[0], placement[0] + 1


def _in_venue(prep: Prepared, allowed: list[Span], venue_id: int | None, d: int) -> list[Span]:
    if venue_id is None or prep.open[venue_id] is None:
        return allowed
    return g.intersect(allowed, g.starts_within(prep.open[venue_id] or [], d))


class _Soft:
    """The soft penalties a session would add at a start, given what is placed."""

    def __init__(self, prep: Prepared) -> None:
        self.prep = prep
        w = prep.problem.weights
        self.partners: dict[int, list[tuple[int, int]]] = {}
        for (a, b), shared in prep.problem.shared_registrants.items():
            if shared >= max(1, w.keep_apart_min_shared) and a != b:
                self.partners.setdefault(a, []).append((b, w.keep_apart * shared))
                self.partners.setdefault(b, []).append((a, w.keep_apart * shared))

    def cost(self, sid: int, start: int, placed: dict[int, tuple[int, int | None]]) -> int:
        prep, w = self.prep, self.prep.problem.weights
        end = start + prep.duration[sid]
        total = 0
        for other, points in self.partners.get(sid, ()):
            if other in placed:
                o = placed[other][0]
                if o < end and start < o + prep.duration[other]:
                    total += points
        day = prep.grid.day_index(start)
        for k in prep.sessions[sid].speaker_ids:
            if any(
                o in placed and prep.grid.day_index(placed[o][0]) != day for o in prep.by_speaker[k]
            ):
                total += w.speaker_days
        spans = prep.preferred.get(sid)
        if spans and not any(lo <= start < hi for lo, hi in spans):
            total += w.preferred
        return total


def _starts(prep: Prepared, sid: int) -> list[Span]:
    d = prep.duration[sid]
    allowed = prep.programme_starts(sid)
    for k in dict.fromkeys(prep.sessions[sid].speaker_ids):
        own = prep.available_starts(k, sid)
        if own is not None:
            allowed = g.intersect(allowed, own)
    if prep.break_spans and not prep.is_block(sid):
        allowed = g.intersect(allowed, g.starts_avoiding(prep.break_spans, d, prep.window))
    return allowed


class _Busy:
    """What is placed so far, by venue, speaker and stream."""

    def __init__(self, prep: Prepared) -> None:
        self.prep = prep
        self.venue: dict[int, list[tuple[int, int]]] = {}
        self.speaker: dict[int, list[tuple[int, int]]] = {}
        self.stream: dict[str, list[tuple[int, int]]] = {}

    def add(self, sid: int, start: int, venue_id: int | None) -> None:
        s = self.prep.sessions[sid]
        entry = (sid, start)
        if venue_id is not None:
            self.venue.setdefault(venue_id, []).append(entry)
        for k in set(s.speaker_ids):
            self.speaker.setdefault(k, []).append(entry)
        for url in set(self.prep.by_stream_of(s)):
            self.stream.setdefault(url, []).append(entry)

    def free(
        self, sid: int, venue_id: int | None, placed: dict[int, tuple[int, int | None]]
    ) -> list[Span]:
        """Starts at which `sid` in `venue_id` meets nothing placed (travel included)."""
        prep = self.prep
        s = prep.sessions[sid]
        blocked: list[Span] = []

        def block(entries: list[tuple[int, int]], travel: bool) -> None:
            for other, start in entries:
                if other == sid or prep.nested(sid, other):
                    continue
                gap = prep.travel_steps(venue_id, placed[other][1]) if travel else 0
                blocked.append((start - gap, start + prep.duration[other] + gap))

        if venue_id is not None:
            block(self.venue.get(venue_id, []), False)
        for k in set(s.speaker_ids):
            block(self.speaker.get(k, []), True)
        for url in set(prep.by_stream_of(s)):
            block(self.stream.get(url, []), False)
        end = prep.window[1]
        return g.starts_avoiding(g.normalise(blocked), prep.duration[sid], (0, end + 1))
