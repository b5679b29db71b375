"""Who reviews whom in a peer-review round: a pure function of the participants and the last round.

docs/design.md, "Peer review": reciprocal pairs where possible, never an
organization with itself, avoiding last round's pairs, optionally within or across peer types.

The shape is fixed first, because it is what the rules ask for: with an even number of
organizations every one sits in a reciprocal pair (A reviews B and B reviews A); with an odd number
three of them form a ring (A reviews B, B reviews C, C reviews A) and the rest are pairs. So every
organization reviews exactly one other and is reviewed exactly once. Who goes into which group is
then chosen to cost least: a pair repeated from the last round costs much, a pair against the
peer-type preference costs little. A small local search (swapping members between two groups) from
a few deterministic starting orders finds it; the same input always gives the same pairing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

PEER_TYPE_MODES = ("any", "within", "across")
REPEAT_COST = 100  # a pair reviewed together in the last round
TYPE_COST = 1  # a pair that goes against the within/across preference
STARTS = 6  # deterministic starting orders tried


Group = list[int]


def _pair_cost(
    a: int, b: int, previous: frozenset[frozenset[int]], types: Mapping[int, str], mode: str
) -> int:
    cost = REPEAT_COST if frozenset((a, b)) in previous else 0
    if mode == "within" and types.get(a) != types.get(b):
        cost += TYPE_COST
    elif mode == "across" and types.get(a) == types.get(b):
        cost += TYPE_COST
    return cost


def _group_cost(group: Group, cost: dict[tuple[int, int], int]) -> int:
    if len(group) == 2:
        return cost[min(group), max(group)]
    a, b, c = group
    return sum(cost[min(x, y), max(x, y)] for x, y in ((a, b), (b, c), (c, a)))


def _groups_from(order: Sequence[int]) -> list[Group]:
    groups = [list(order[i : i + 2]) for i in range(0, len(order) - len(order) % 2, 2)]
    if len(order) % 2:
        groups[-1].append(order[-1])  # the ring of three
    return groups


def _improve(groups: list[Group], cost: dict[tuple[int, int], int]) -> int:
    """Swap members between two groups while that lowers the total; returns the total."""
    costs = [_group_cost(g, cost) for g in groups]
    improved = True
    while improved:
        improved = False
        for i, j in combinations(range(len(groups)), 2):
            for x in range(len(groups[i])):
                for y in range(len(groups[j])):
                    gi, gj = groups[i], groups[j]
                    gi[x], gj[y] = gj[y], gi[x]
                    new_i, new_j = _group_cost(gi, cost), _group_cost(gj, cost)
                    if new_i + new_j < costs[i] + costs[j]:
                        costs[i], costs[j] = new_i, new_j
                        improved = True
                    else:
                        gi[x], gj[y] = gj[y], gi[x]
    return sum(costs)


def _edges(groups: Iterable[Group]) -> list[tuple[int, int]]:
    """(reviewer, reviewee) of each group: both ways for a pair, round the ring for three."""
    edges: list[tuple[int, int]] = []
    for group in groups:
        group = sorted(group)
        if len(group) == 2:
            edges += [(group[0], group[1]), (group[1], group[0])]
        else:
            edges += [(group[0], group[1]), (group[1], group[2]), (group[2], group[0])]
    return sorted(edges)


def propose_pairs(
    organizations: Mapping[int, str] | Sequence[int],
    previous: Iterable[tuple[int, int]] = (),
    peer_types: str = "any",
) -> list[tuple[int, int]]:
    """(reviewer, reviewee) pairs for a round among `organizations` (id -> peer type, or ids).

    `previous` are last round's (reviewer, reviewee) pairs, avoided in either direction where the
    numbers allow; `peer_types` prefers pairs within one type ("within"), across types ("across")
    or has no preference ("any"). Fewer than two organizations cannot review each other.
    """
    if peer_types not in PEER_TYPE_MODES:
        raise ValueError(f"peer_types must be one of {', '.join(PEER_TYPE_MODES)}")
    types = dict(organizations) if isinstance(organizations, Mapping) else {o: "" for o in organizations}
    ids = sorted(set(types))
    if len(ids) < 2:
        raise ValueError("a review round needs at least two organizations")
    if len(ids) == 2:
        return _edges([ids])
    seen = frozenset(frozenset(p) for p in previous if p[0] != p[1])
    cost = {(a, b): _pair_cost(a, b, seen, types, peer_types) for a, b in combinations(ids, 2)}
    best: tuple[int, list[Group]] | None = None
    for start in range(min(STARTS, len(ids))):
        # Deterministic orders: rotations by type, then interleaved, so both preferences get a start.
        by_type = sorted(ids, key=lambda o: (types[o], o))
        order = by_type[start:] + by_type[:start] if start % 2 == 0 else by_type[start::2] + by_type[:start:2]
        order += [o for o in by_type if o not in order]
        groups = _groups_from(order)
        total = _improve(groups, cost)
        if best is None or total < best[0]:
            best = (total, groups)
        if total == 0:
            break
    assert best is not None
    return _edges(best[1])


@dataclass(frozen=True)
class PairProblem:
    """One broken rule in pairs the secretariat typed in: which rule, which pair (its index, or
    None for the set as a whole) and the organizations concerned, for a message that names them."""

    rule: str  # "self", "stranger", "twice" or "unreviewed"
    index: int | None
    organizations: tuple[int, ...]
    same_as: int | None = None  # "twice": the index of the pair it repeats


def check_pairs(pairs: Iterable[tuple[int, int]], participants: Iterable[int]) -> list[PairProblem]:
    """What is wrong with pairs the secretariat typed in (empty when nothing), pair by pair first:
    the rules of a round. `pairs` are (reviewer, reviewee)."""
    pairs = list(pairs)
    wanted = set(participants)
    problems = []
    first_seen: dict[tuple[int, int], int] = {}
    for index, (reviewer, reviewee) in enumerate(pairs):
        strangers = tuple(o for o in dict.fromkeys((reviewer, reviewee)) if o not in wanted)
        if reviewer == reviewee:
            problems.append(PairProblem("self", index, (reviewer,)))
        elif strangers:
            problems.append(PairProblem("stranger", index, strangers))
        elif (reviewer, reviewee) in first_seen:
            same_as = first_seen[reviewer, reviewee]
            problems.append(PairProblem("twice", index, (reviewer, reviewee), same_as))
        first_seen.setdefault((reviewer, reviewee), index)
    unreviewed = tuple(sorted(wanted - {b for a, b in pairs if a != b}))
    if unreviewed:
        problems.append(PairProblem("unreviewed", None, unreviewed))
    return problems
