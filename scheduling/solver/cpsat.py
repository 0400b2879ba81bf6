"""The timetable as a CP-SAT model.

Each session has a start (in grid steps) and one venue option (a venue, or none for an online
session with a stream). Venues, speakers and streams are no-overlap resources; a block (a
session other sessions belong to) overlaps its own parts by design, so blocks are kept apart
from everything else pair by pair instead. Rules are added per constraint group; in `explain`
mode each group is switched by a literal so that CP-SAT can name the groups that clash
(assumptions), and the horizon gets a spare day so that the forum days are a group too.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from ortools.sat.python import cp_model

from scheduling.solver import grid as g
from scheduling.solver.greedy import first_fit
from scheduling.solver.grid import Span
from scheduling.solver.model import REPAIR
from scheduling.solver.prepare import (
    AVAILABILITY,
    BLOCK,
    BREAKS,
    FIXED,
    FORUM_DAYS,
    SPEAKER,
    STREAM,
    TRAVEL,
    VENUE,
    Group,
    Prepared,
)

Literal = cp_model.IntVar
Placed = dict[int, tuple[int, int | None]]


def _overlap(placed: Placed, a: int, da: int, b: int, db: int) -> bool:
    return placed[a][0] < placed[b][0] + db and placed[b][0] < placed[a][0] + da


def _some(lit: Literal | None) -> list[Literal]:
    return [] if lit is None else [lit]


def domain(spans: Sequence[Span]) -> cp_model.Domain:
    """Half-open spans as a CP-SAT domain (closed intervals)."""
    return cp_model.Domain.from_intervals([[lo, hi - 1] for lo, hi in spans if lo < hi])


class TimetableModel:
    def __init__(
        self,
        prep: Prepared,
        *,
        mode: str,
        explain: bool = False,
        free: set[int] | None = None,
        hint: Placed | None = None,
    ) -> None:
        """`free`: only these sessions may move, the others keep their current placement (a
        much smaller model: rules among kept sessions alone are left out, their penalties are
        a constant). `hint`: placements to start from instead of the current timetable."""
        self.prep = prep
        self.mode = mode
        self.explain = explain
        self.kept: Placed = (
            {}
            if free is None
            else {sid: prep.current[sid] for sid in prep.sessions if sid not in free}
        )
        self._hint = hint
        self.constant = 0  # penalty points of the kept sessions among themselves
        self.model = cp_model.CpModel()
        self.groups: dict[Group, Literal] = {}
        self.start: dict[int, cp_model.IntVar] = {}
        self.options: dict[int, dict[int | None, Literal]] = {}
        self._interval: dict[int, cp_model.IntervalVar] = {}
        self._day: dict[int, list[Literal]] = {}
        self.moved: dict[int, Literal] = {}
        self.penalties: list[tuple[int, Literal]] = []  # soft: (points, literal)
        self.soft_max = 0  # the most the soft penalties can add up to
        # Objective helpers and how to compute each from placements, to complete the hint.
        self._derived: list[tuple[cp_model.IntVar, Callable[[Placed], int]]] = []
        self._build()

    # -- groups ------------------------------------------------------------------------------

    def guard(self, group: Group) -> list[Literal]:
        """Enforcement literals for a rule of `group`: none unless explaining."""
        if not self.explain:
            return []
        lit = self.groups.get(group)
        if lit is None:
            lit = self.groups[group] = self.model.new_bool_var(repr(group))
        return [lit]

    def _both(self, lits: list[Literal]) -> Literal | None:
        """One literal true exactly when all of `lits` are (None for no literal)."""
        if not lits:
            return None
        if len(lits) == 1:
            return lits[0]
        both = self.model.new_bool_var("")
        self.model.add_bool_and(lits).only_enforce_if(both)
        self.model.add_bool_or([both, *(lit.Not() for lit in lits)])
        return both

    # -- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        prep = self.prep
        spare = prep.grid.day_spans[-1][1] - prep.grid.day_spans[-1][0] if self.explain else 0
        horizon = prep.window[1] + spare
        for s in prep.problem.sessions:
            d = prep.duration[s.id]
            if s.id in self.kept:
                step, venue_id = self.kept[s.id]
                self.start[s.id] = self.model.new_int_var(step, step, f"start{s.id}")
                x = self.model.new_bool_var(f"x{s.id}_{venue_id}")
                self.model.add_bool_or([x])
                self.options[s.id] = {venue_id: x}
                continue
            start = self.model.new_int_var(0, max(0, horizon - d), f"start{s.id}")
            self.start[s.id] = start
            if self.explain or prep.programme is not None:
                self._in_domain(start, prep.programme_starts(s.id), self.guard((FORUM_DAYS,)))
            self._add_options(s)
            self._add_time_windows(s)
        self._add_blocks()
        self._add_fixed()
        self._add_resources()
        self._add_travel()
        if not self.explain:
            self._add_objective()
        self._add_hints()

    def _add_options(self, s) -> None:
        prep = self.prep
        options: dict[int | None, Literal] = {}
        for v in prep.problem.venues:
            if not s.uses_venue:
                break
            against = prep.venue_groups(s, v)
            if against and not self.explain:
                continue
            x = self.model.new_bool_var(f"x{s.id}_{v.id}")
            options[v.id] = x
            for group in against:
                self.model.add_implication(self.guard(group)[0], x.Not())
            opens = prep.open[v.id]
            if opens is not None:
                starts = g.starts_within(opens, prep.duration[s.id])
                if starts:
                    self.model.add_linear_expression_in_domain(
                        self.start[s.id], domain(starts)
                    ).only_enforce_if([x, *self.guard(("open_hours", v.id))])
        against = prep.no_venue_groups(s)
        if against is not None and (not against or self.explain):
            x = self.model.new_bool_var(f"x{s.id}_none")
            options[None] = x
            for group in against:
                self.model.add_implication(self.guard(group)[0], x.Not())
        self.options[s.id] = options
        self.model.add_exactly_one(options.values())

    def _add_time_windows(self, s) -> None:
        prep = self.prep
        d = prep.duration[s.id]
        start = self.start[s.id]
        for k in dict.fromkeys(s.speaker_ids):
            starts = prep.available_starts(k, s.id)
            if starts is not None:
                self._in_domain(start, starts, self.guard((AVAILABILITY, k)))
        if prep.break_spans and not prep.is_block(s.id):
            starts = g.starts_avoiding(prep.break_spans, d, (0, prep.window[1] + d))
            self._in_domain(start, starts, self.guard((BREAKS,)))

    def _in_domain(self, expr, starts: list[Span], enforce: list[Literal]) -> None:
        if starts:
            self.model.add_linear_expression_in_domain(expr, domain(starts)).only_enforce_if(
                enforce
            )
        else:
            self.model.add_bool_or([]).only_enforce_if(enforce)

    def _add_blocks(self) -> None:
        prep = self.prep
        for s in prep.problem.sessions:
            if s.parent_id is None or self._both_kept(s.id, s.parent_id):
                continue
            enforce = self.guard((BLOCK, s.id))
            child, parent = self.start[s.id], self.start[s.parent_id]
            self.model.add(child >= parent).only_enforce_if(enforce)
            self.model.add(
                child + prep.duration[s.id] <= parent + prep.duration[s.parent_id]
            ).only_enforce_if(enforce)

    def _add_fixed(self) -> None:
        for s in self.prep.problem.sessions:
            if not s.fixed or s.id in self.kept:
                continue
            step, venue_id = self.prep.current[s.id]
            enforce = self.guard((FIXED, s.id))
            self.model.add(self.start[s.id] == step).only_enforce_if(enforce)
            x = self.options[s.id].get(venue_id)
            if x is None:
                self.model.add_bool_or([]).only_enforce_if(enforce)
            else:
                self.model.add_bool_or([x]).only_enforce_if(enforce)

    # -- resources ---------------------------------------------------------------------------

    def interval(self, sid: int, present: Literal | None) -> cp_model.IntervalVar:
        d = self.prep.duration[sid]
        if present is None:
            if sid not in self._interval:
                self._interval[sid] = self.model.new_fixed_size_interval_var(
                    self.start[sid], d, f"i{sid}"
                )
            return self._interval[sid]
        return self.model.new_optional_fixed_size_interval_var(self.start[sid], d, present, "")

    def no_overlap(self, members: list[tuple[int, Literal | None]], group: Group) -> None:
        """At most one of `members` at a time (a member counts when its literal holds)."""
        if len(members) < 2:
            return
        enforce = self.guard(group)
        plain = [(sid, lit) for sid, lit in members if not self.prep.is_block(sid)]
        self.model.add_no_overlap(
            [self.interval(sid, self._both([*_some(lit), *enforce])) for sid, lit in plain]
        )
        blocks = [(sid, lit) for sid, lit in members if self.prep.is_block(sid)]
        for (b, blit), (o, olit) in itertools.product(blocks, members):
            if b == o or self.prep.nested(b, o) or (self.prep.is_block(o) and o < b):
                continue
            if self._both_kept(b, o):
                continue
            self._apart(b, o, 0, [*_some(blit), *_some(olit), *enforce])

    def _apart(self, a: int, b: int, gap: int, enforce: list[Literal]) -> Literal:
        """One of a, b ends `gap` steps before the other starts (when `enforce` holds)."""
        a_first = self.model.new_bool_var("")
        da, db = self.prep.duration[a], self.prep.duration[b]
        self.model.add(self.start[a] + da + gap <= self.start[b]).only_enforce_if(
            [a_first, *enforce]
        )
        self.model.add(self.start[b] + db + gap <= self.start[a]).only_enforce_if(
            [a_first.Not(), *enforce]
        )
        return a_first

    def _add_resources(self) -> None:
        prep = self.prep
        for v in prep.problem.venues:
            members = [(sid, opts[v.id]) for sid, opts in self.options.items() if v.id in opts]
            self.no_overlap(members, (VENUE, v.id))
        for k, sids in sorted(prep.by_speaker.items()):
            self.no_overlap([(sid, None) for sid in sids], (SPEAKER, k))
        for url, sids in sorted(prep.by_stream.items()):
            self.no_overlap([(sid, None) for sid in sids], (STREAM, url))

    def _add_travel(self) -> None:
        prep = self.prep
        if not prep.travel:
            return
        for k, sids in sorted(prep.by_speaker.items()):
            enforce = self.guard((TRAVEL, k))
            for a, b in itertools.combinations(sids, 2):
                if prep.nested(a, b) or self._both_kept(a, b):
                    continue
                order = None
                for (va, xa), (vb, xb) in itertools.product(
                    self.options[a].items(), self.options[b].items()
                ):
                    need = prep.travel_steps(va, vb)
                    if not need:
                        continue
                    if order is None:
                        order = self.model.new_bool_var("")
                    da, db = prep.duration[a], prep.duration[b]
                    both = [xa, xb, *enforce]
                    self.model.add(self.start[a] + da + need <= self.start[b]).only_enforce_if(
                        [order, *both]
                    )
                    self.model.add(self.start[b] + db + need <= self.start[a]).only_enforce_if(
                        [order.Not(), *both]
                    )

    # -- objective ---------------------------------------------------------------------------

    def _add_hints(self) -> None:
        """Start the search from the current timetable, mended first-fit where it breaks a
        rule (or, for a draft, from a first-fit timetable)."""
        if self.explain:
            return
        placed = first_fit(self.prep, keep=self._hint or self.prep.current)
        for sid, (step, venue_id) in placed.items():
            self.model.add_hint(self.start[sid], step)
            for option, x in self.options[sid].items():
                self.model.add_hint(x, option == venue_id)
        for var, value_of in self._derived:
            try:
                self.model.add_hint(var, int(value_of(placed)))
            except KeyError:  # a session the first fit could not place
                continue

    def _both_kept(self, a: int, b: int) -> bool:
        return a in self.kept and b in self.kept

    def _day_index(self, placed: Placed, sid: int) -> int | None:
        return self.prep.grid.day_index(placed[sid][0])

    def day_of(self, sid: int) -> list[Literal]:
        """One literal per forum day: the session starts that day."""
        if sid not in self._day:
            lits = []
            for i, (lo, hi) in enumerate(self.prep.grid.day_spans):
                on = self.model.new_bool_var(f"day{sid}_{i}")
                self._derived.append((on, lambda p, sid=sid, i=i: self._day_index(p, sid) == i))
                self.model.add_linear_expression_in_domain(
                    self.start[sid], cp_model.Domain(lo, hi - 1)
                ).only_enforce_if(on)
                lits.append(on)
            self.model.add_exactly_one(lits)
            self._day[sid] = lits
        return self._day[sid]

    def _add_objective(self) -> None:
        prep = self.prep
        w = prep.problem.weights
        terms: list[tuple[int, Literal]] = []
        for (a, b), shared in sorted(prep.problem.shared_registrants.items()):
            if shared < max(1, w.keep_apart_min_shared) or not w.keep_apart or a == b:
                continue
            if prep.nested(a, b):
                continue
            if self._both_kept(a, b):
                self.soft_max += w.keep_apart * shared
                if _overlap(self.kept, a, prep.duration[a], b, prep.duration[b]):
                    self.constant += w.keep_apart * shared
                continue
            overlap = self.model.new_bool_var(f"overlap{a}_{b}")
            a_first = self.model.new_bool_var("")
            b_first = self.model.new_bool_var("")
            da, db = prep.duration[a], prep.duration[b]
            self._derived += [
                (a_first, lambda p, a=a, b=b, da=da: p[a][0] + da <= p[b][0]),
                (b_first, lambda p, a=a, b=b, db=db: p[b][0] + db <= p[a][0]),
                (overlap, lambda p, a=a, b=b, da=da, db=db: _overlap(p, a, da, b, db)),
            ]
            self.model.add(self.start[a] + prep.duration[a] <= self.start[b]).only_enforce_if(
                a_first
            )
            self.model.add(self.start[b] + prep.duration[b] <= self.start[a]).only_enforce_if(
                b_first
            )
            self.model.add_bool_or([a_first, b_first, overlap])
            terms.append((w.keep_apart * shared, overlap))
        if w.speaker_days and len(prep.grid.day_spans) > 1:
            for k, sids in sorted(prep.by_speaker.items()):
                if len(sids) < 2:
                    continue
                if all(sid in self.kept for sid in sids):
                    days = {self._day_index(self.kept, sid) for sid in sids}
                    self.constant += w.speaker_days * (len(days) - 1)
                    self.soft_max += w.speaker_days * (len(prep.grid.day_spans) - 1)
                    continue
                used = []
                for i in range(len(prep.grid.day_spans)):
                    day_used = self.model.new_bool_var(f"used{k}_{i}")
                    self._derived.append(
                        (
                            day_used,
                            lambda p, sids=sids, i=i: any(
                                self._day_index(p, sid) == i for sid in sids
                            ),
                        )
                    )
                    on_day = [self.day_of(sid)[i] for sid in sids]
                    for on in on_day:
                        self.model.add_implication(on, day_used)
                    self.model.add_bool_or(on_day).only_enforce_if(day_used)
                    used.append(day_used)
                # Every day used beyond the first costs; the first is free.
                extra = self.model.new_int_var(0, len(used), f"extra_days{k}")
                self._derived.append(
                    (extra, lambda p, sids=sids: len({self._day_index(p, x) for x in sids}) - 1)
                )
                self.model.add(extra >= sum(used) - 1)
                self.penalties.append((w.speaker_days, extra))
                self.soft_max += w.speaker_days * (len(used) - 1)
        if w.preferred:
            for sid, starts in sorted(prep.preferred.items()):
                if sid in self.kept:
                    self.soft_max += w.preferred
                    if not any(lo <= self.kept[sid][0] < hi for lo, hi in starts):
                        self.constant += w.preferred
                    continue
                inside = self.model.new_bool_var(f"pref{sid}")
                self._derived.append(
                    (
                        inside,
                        lambda p, sid=sid, starts=starts: any(
                            lo <= p[sid][0] < hi for lo, hi in starts
                        ),
                    )
                )
                self._in_domain(self.start[sid], starts, [inside])
                if starts:
                    self.model.add_linear_expression_in_domain(
                        self.start[sid], domain(starts).complement()
                    ).only_enforce_if(inside.Not())
                terms.append((w.preferred, inside.Not()))
        self.penalties.extend(terms)
        self.soft_max += sum(points for points, _ in terms)
        soft = sum(points * lit for points, lit in self.penalties) + self.constant
        if self.mode != REPAIR:
            self.model.minimize(soft)
            return
        # Lexicographic: one move costs more than every registrant and every soft point
        # together, one registrant more than every soft point.
        soft_max = self.soft_max
        reg = prep.problem.registrants
        per_registrant = soft_max + 1
        per_move = per_registrant * (sum(reg.get(sid, 0) for sid in prep.current) + 1)
        cost = []
        for sid, (step, venue_id) in sorted(prep.current.items()):
            if sid in self.kept:
                continue
            stay = self.model.new_bool_var(f"stay{sid}")
            self._derived.append((stay, lambda p, sid=sid, here=(step, venue_id): p[sid] == here))
            self.model.add(self.start[sid] == step).only_enforce_if(stay)
            x = self.options[sid].get(venue_id)
            if x is None:
                self.model.add(stay == 0)
            else:
                self.model.add_implication(stay, x)
                self.model.add(self.start[sid] != step).only_enforce_if([stay.Not(), x])
            self.moved[sid] = stay.Not()
            cost.append((per_move + per_registrant * reg.get(sid, 0), stay.Not()))
        self.model.minimize(sum(c * lit for c, lit in cost) + soft)
