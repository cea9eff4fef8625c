"""Rendering one set of templates for many payers at once: what they share is rendered once, and each
payer's own values are written into that render, escaped exactly as the template escapes them.

The templates stay ordinary Django templates. A value named in `varying` may be printed, escaped
(HTML) or not (`autoescape off`, a text part), and tested for being empty; a template that does more
with it (a filter, a comparison) is noticed and then rendered for each payer as before.

How: the shared render puts a marker in place of each varying value that is not empty. A marker
holds a `&`, so the render shows whether the template escaped it (`&amp;`) or printed it as it is,
and a marker that a filter changed no longer reads as one and is noticed. The first context of each
group is also rendered plainly and must come out the same, or the group is rendered plainly.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import conditional_escape

logger = logging.getLogger(__name__)

# Private-use characters: in no catalogue, template or payer-facing value Tinko writes.
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKER = re.compile(f"{_OPEN}Mm([0-9]+)(&amp;|&){_CLOSE}")


def _marker(index: int) -> str:
    return f"{_OPEN}Mm{index}&{_CLOSE}"


@dataclass(frozen=True)
class _Slot:
    """Where a varying value goes in a shared render, and whether the template escaped it there."""

    name: str
    escaped: bool


@dataclass(frozen=True)
class _Skeleton:
    """A template's shared render, cut at its varying values."""

    parts: tuple[str | _Slot, ...]

    def fill(self, context: Mapping[str, Any]) -> str:
        return "".join(
            part
            if isinstance(part, str)
            else (conditional_escape(context[part.name]) if part.escaped else str(context[part.name]))
            for part in self.parts
        )


def _skeleton(rendered: str, names: Sequence[str]) -> _Skeleton | None:
    """`rendered` cut at its markers; None when a marker was changed on the way (a filter)."""
    parts: list[str | _Slot] = []
    position = 0
    for found in _MARKER.finditer(rendered):
        parts.append(rendered[position : found.start()])
        parts.append(_Slot(name=names[int(found.group(1))], escaped=found.group(2) == "&amp;"))
        position = found.end()
    parts.append(rendered[position:])
    if any(isinstance(part, str) and (_OPEN in part or _CLOSE in part) for part in parts):
        return None
    return _Skeleton(parts=tuple(part for part in parts if part != ""))


@dataclass(frozen=True)
class Rendering:
    """One context to render, in `language`."""

    language: str
    context: Mapping[str, Any]


def _render(template_names: Sequence[str], context: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(render_to_string(name, context) for name in template_names)


def _group_key(rendering: Rendering, varying: Collection[str]) -> tuple[Any, ...]:
    # Shared values compared as text in their language (lazy copy included); varying ones only by
    # whether they are empty, and empty ones by what they are ("" and None print differently).
    with translation.override(rendering.language):
        values = tuple(
            (name, True if name in varying and value else (type(value), str(value)))
            for name, value in sorted(rendering.context.items())
        )
    return (rendering.language, *values)


def templates_render_many(
    *, template_names: Sequence[str], renderings: Sequence[Rendering], varying: Collection[str]
) -> list[tuple[str, ...]]:
    """Each rendering's context through each of `template_names` in its language, exactly as
    `render_to_string` under `translation.override` would: contexts that differ only in the values
    named in `varying` share one render of each template."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for index, rendering in enumerate(renderings):
        groups.setdefault(_group_key(rendering, varying), []).append(index)
    results: dict[int, tuple[str, ...]] = {}
    for members in groups.values():
        first = renderings[members[0]]
        with translation.override(first.language):
            results[members[0]] = _render(template_names, first.context)
            if len(members) == 1:
                continue
            skeletons = _skeletons(template_names, first.context, varying)
            if skeletons is None or _filled(skeletons, first.context) != results[members[0]]:
                logger.warning("templates_not_shareable", extra={"templates": list(template_names)})
                skeletons = None
            for index in members[1:]:
                context = renderings[index].context
                results[index] = _render(template_names, context) if skeletons is None else _filled(skeletons, context)
    return [results[index] for index in range(len(renderings))]


def _filled(skeletons: tuple[_Skeleton, ...], context: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(skeleton.fill(context) for skeleton in skeletons)


def _skeletons(
    template_names: Sequence[str], context: Mapping[str, Any], varying: Collection[str]
) -> tuple[_Skeleton, ...] | None:
    names = [name for name in varying if context.get(name)]
    marked = {**context, **{name: _marker(index) for index, name in enumerate(names)}}
    skeletons = [_skeleton(rendered, names) for rendered in _render(template_names, marked)]
    if any(skeleton is None for skeleton in skeletons):
        return None
    return tuple(skeleton for skeleton in skeletons if skeleton is not None)
