"""Respondent groups (e.g. parties) and the perception questions asked about them.

A spec's ``groups:`` block names groupings of respondents by a demographic trait:

```yaml
groups:
  party:                       # the grouping's name
    trait: party               # the trait whose options form the groups
    members:                   # group -> the trait's option codes (or option texts)
      Democrat: [0, 1, 2]
      Republican: [4, 5, 6]    # options in no group (here 3, pure independents) are dropped
    self_position: ideology    # optional: a trait or `kind: self` question holding each
                               # rater's own position on the perception questions' scale
```

A group is written ``grouping=group`` (``party=Democrat``), or just ``group`` when no
other grouping has a group of that name. Perception questions name them:

- ``kind: ingroup`` / ``kind: outgroup``: a rating of ``target_group`` (required). With
  ``group:`` (the raters) the question is put to that group only, and the kind says which
  it is (ingroup: group == target_group, outgroup: the two differ). Without ``group:`` an
  ``ingroup`` question is put to every group: its target's members give in-group ratings,
  every other group's members out-group ratings (ANES's placement of each party's
  candidate). An ``outgroup`` question needs ``group:`` (whose out-group is the target?).
- ``kind: meta``: put to ``group`` A (required), it asks how ``target_group`` B rates A;
  it is compared with B's actual ratings of A, the in/out-group question about A with the
  same options.

Everything is checked when the dataset is built; errors name the question or trait and
the fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bench.personas.datasets.codes import canonical, is_code

if TYPE_CHECKING:  # dataset.py imports this module to check its questions
    from bench.personas.datasets.dataset import Question, Trait

PERCEPTION_KINDS = ("ingroup", "outgroup", "meta")


@dataclass(frozen=True)
class Grouping:
    """Groups of respondents by a trait: ``members[group]`` = the trait's option positions."""

    name: str
    trait: str
    members: Mapping[str, tuple[int, ...]]  # group -> option positions 0..K-1 of the trait
    self_position: str | None = None  # trait or self-question: the rater's own position

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(self.members)

    def assign(self, positions: pd.Series) -> pd.Series:
        """Group name of each respondent (None: in no group or missing), same index."""
        lookup = {p: g for g, ps in self.members.items() for p in ps}
        values = positions.to_numpy(np.float64)
        return pd.Series(
            [None if np.isnan(v) else lookup.get(int(v)) for v in values],
            index=positions.index,
            dtype=object,
        )


def _resolve_member(where: str, trait: Trait, group: str, item: object) -> int:
    codes = list(trait.codes) if trait.codes is not None else []
    keys = [canonical(c) for c in codes]
    if is_code(item) and canonical(item) in keys:
        return keys.index(canonical(item))
    if str(item) in trait.options:
        return trait.options.index(str(item))
    raise ValueError(
        f"{where}: group {group!r} lists {item!r}, which is neither a code {codes} nor an "
        f"option {list(trait.options)} of trait {trait.name!r}; fix `members:`"
    )


def parse_groups(where: str, block: object, traits: Sequence[Trait]) -> tuple[Grouping, ...]:
    """The spec's ``groups:`` block as :class:`Grouping` objects (traits already parsed)."""
    if block is None:
        return ()
    if not isinstance(block, Mapping):
        raise ValueError(
            f"{where}: `groups:` must map a grouping name to {{trait, members}}; see spec.py"
        )
    by_name = {t.name: t for t in traits}
    out = []
    for name, entry in block.items():
        label = f"{where}: grouping {name!r}"
        if not isinstance(entry, Mapping) or "trait" not in entry or "members" not in entry:
            raise ValueError(f"{label} needs `trait:` and `members:` (group -> option codes)")
        trait_name = str(entry["trait"])
        if trait_name not in by_name:
            raise ValueError(
                f"{label} names trait {trait_name!r}, which is not under `demographics:` "
                f"(traits: {sorted(by_name)}); fix `trait:`"
            )
        trait = by_name[trait_name]
        members = entry["members"]
        if not isinstance(members, Mapping) or len(members) < 2:
            raise ValueError(
                f"{label}: `members:` must map at least 2 groups to option codes of trait "
                f"{trait_name!r} (the gaps compare groups)"
            )
        resolved: dict[str, tuple[int, ...]] = {}
        seen: dict[int, str] = {}
        for group, items in members.items():
            items = items if isinstance(items, list | tuple) else [items]
            positions = tuple(_resolve_member(label, trait, str(group), i) for i in items)
            for p in positions:
                if p in seen:
                    raise ValueError(
                        f"{label}: option {trait.options[p]!r} of trait {trait_name!r} is in both "
                        f"{seen[p]!r} and {group!r}; a respondent belongs to one group"
                    )
                seen[p] = str(group)
            if not positions:
                raise ValueError(f"{label}: group {group!r} has no options")
            resolved[str(group)] = positions
        self_position = entry.get("self_position")
        out.append(
            Grouping(
                name=str(name),
                trait=trait_name,
                members=resolved,
                self_position=None if self_position is None else str(self_position),
            )
        )
    return tuple(out)


def resolve_group(groupings: Sequence[Grouping], ref: str, *, where: str) -> tuple[str, str]:
    """(grouping, group) of ``ref`` = "grouping=group" or an unambiguous "group"."""
    names = [f"{g.name}={m}" for g in groupings for m in g.groups]
    name, sep, group = str(ref).partition("=")
    if sep:
        matches = [(g.name, m) for g in groupings for m in g.groups if (g.name, m) == (name, group)]
    else:
        matches = [(g.name, m) for g in groupings for m in g.groups if m == name]
    if len(matches) == 1:
        return matches[0]
    if not groupings:
        raise ValueError(
            f"{where} names group {ref!r} but the spec has no `groups:` block; add one "
            "(trait and members of each group, see spec.py)"
        )
    problem = "is ambiguous" if matches else "is not a group of the spec"
    raise ValueError(f"{where}: group {ref!r} {problem}; use one of {names}")


def check_perception_questions(
    where: str,
    questions: Sequence[Question],
    traits: Sequence[Trait],
    groupings: Sequence[Grouping],
) -> None:
    """Every group reference resolves and every kind has the groups it needs."""
    for q in questions:
        _check_question_groups(f"{where}: question {q.id!r}", q, groupings)
    _check_self_positions(where, questions, traits, groupings)


def _check_question_groups(label: str, q: Question, groupings: Sequence[Grouping]) -> None:
    """A question's ``group`` / ``target_group`` fit its kind (module docstring)."""
    if q.kind == "self":
        if q.group is not None or q.target_group is not None:
            raise ValueError(
                f"{label} has `group:`/`target_group:` but kind 'self'; set `kind:` to "
                f"one of {PERCEPTION_KINDS} or drop the groups"
            )
        return
    if q.target_group is None:
        raise ValueError(
            f"{label} (kind {q.kind!r}) has no `target_group:`; name the group it asks "
            "about, e.g. target_group: party=Republican"
        )
    target = resolve_group(groupings, q.target_group, where=label)
    if q.group is None:
        if q.kind != "ingroup":
            raise ValueError(
                f"{label} (kind {q.kind!r}) has no `group:`; name the group it is put to "
                "(the raters), e.g. group: party=Democrat"
            )
        return
    raters = resolve_group(groupings, q.group, where=label)
    if raters[0] != target[0]:
        raise ValueError(
            f"{label}: group {q.group!r} and target_group {q.target_group!r} come from "
            "different groupings; use groups of one grouping"
        )
    expected = "ingroup" if raters == target else ("outgroup", "meta")
    if q.kind == "ingroup" and raters != target:
        raise ValueError(
            f"{label}: kind 'ingroup' but group {q.group!r} != target_group "
            f"{q.target_group!r}; use kind: outgroup"
        )
    if q.kind in ("outgroup", "meta") and raters == target:
        raise ValueError(
            f"{label}: kind {q.kind!r} needs group != target_group (both {q.group!r}); "
            f"use kind: {expected}"
        )


def _check_self_positions(
    where: str,
    questions: Sequence[Question],
    traits: Sequence[Trait],
    groupings: Sequence[Grouping],
) -> None:
    """Each grouping's ``self_position`` is a trait or a ``kind: self`` question."""
    by_question = {q.id: q for q in questions}
    by_trait = {t.name: t for t in traits}
    for g in groupings:
        s = g.self_position
        if s is None:
            continue
        if s not in by_trait and s not in by_question:
            raise ValueError(
                f"{where}: grouping {g.name!r}: self_position {s!r} is neither a trait nor a "
                "question; name the trait (or `kind: self` question) holding the rater's position"
            )
        if s in by_question and by_question[s].kind != "self":
            raise ValueError(
                f"{where}: grouping {g.name!r}: self_position {s!r} is a {by_question[s].kind!r} "
                "question; it must be the rater's own position (a trait or `kind: self` question)"
            )
