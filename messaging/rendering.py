"""Rendering one set of templates for many payers at once: what they share is rendered once, and each
payer's own values are written into that render, escaped exactly as the template escapes them.

The templates stay ordinary Django templates. A value named in `varying` may be printed, escaped
(HTML) or not (`autoescape off`, a text part), and tested for being empty; a template that does more
with it (a filter, a comparison) is noticed and then rendered for each payer as before.

How: the shared render puts a marker in place of each varying value that is not empty. A marker
holds a `&`, so the render shows whether the template escaped it (`&amp;`) or printed it as it is,
and a marker that a filter changed no longer reads as one and is noticed. The first context of each
kind is also rendered plainly and must come out the same, or contexts of that kind are rendered
plainly. Shared renders are kept for the process, as Django keeps the templates they came from.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.template.loader import get_template
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


# Shared renders by the templates as loaded and everything in a context but its varying values;
# None where the templates cannot be shared so. Django's cached loader keeps a template until it
# changes (a reload makes new ones, so new keys): a shared render lives as long as its templates.
_SHARED: dict[tuple[Any, ...], tuple[_Skeleton, ...] | None] = {}
_SHARED_MAX = 1024
_UNKNOWN = object()


def templates_render_many(
    *, template_names: Sequence[str], renderings: Sequence[Rendering], varying: Collection[str]
) -> list[tuple[str, ...]]:
    """Each rendering's context through each of `template_names` in its language, exactly as
    `render_to_string` under `translation.override` would: contexts that differ only in the values
    named in `varying` share one render of each template."""
    templates = tuple(get_template(name) for name in template_names)
    loaded = tuple(getattr(template, "template", template) for template in templates)
    results: list[tuple[str, ...]] = []
    for rendering in renderings:
        with translation.override(rendering.language):
            key = (*loaded, *_group_key(rendering, varying))
            shared = _SHARED.get(key, _UNKNOWN)
            if isinstance(shared, tuple):
                rendered = tuple(skeleton.fill(rendering.context) for skeleton in shared)
            else:
                rendered = _render(templates, rendering.context)
                if shared is _UNKNOWN:
                    checked = _skeletons_checked(templates, rendering.context, varying, rendered=rendered)
                    if checked is None:
                        logger.warning("templates_not_shareable", extra={"templates": list(template_names)})
                    _remember(key, checked)
        results.append(rendered)
    return results


def _group_key(rendering: Rendering, varying: Collection[str]) -> tuple[Any, ...]:
    # Shared values compared as text in the active language (lazy copy included); varying ones only
    # by whether they are empty, and empty ones by what they are ("" and None print differently).
    values = tuple(
        (name, True if name in varying and value else (type(value), str(value)))
        for name, value in sorted(rendering.context.items())
    )
    return (rendering.language, *values)


def _remember(key: tuple[Any, ...], skeletons: tuple[_Skeleton, ...] | None) -> None:
    if len(_SHARED) >= _SHARED_MAX:
        _SHARED.clear()
    _SHARED[key] = skeletons


def _render(templates: Sequence[Any], context: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(template.render(context) for template in templates)


def _skeletons_checked(
    templates: Sequence[Any], context: Mapping[str, Any], varying: Collection[str], *, rendered: tuple[str, ...]
) -> tuple[_Skeleton, ...] | None:
    """The templates' shared renders for contexts like `context`, if filling them in with its values
    gives `rendered` (its plain render); None otherwise."""
    names = [name for name in varying if context.get(name)]
    marked = {**context, **{name: _marker(index) for index, name in enumerate(names)}}
    skeletons = [_skeleton(text, names) for text in _render(templates, marked)]
    shared = tuple(skeleton for skeleton in skeletons if skeleton is not None)
    if len(shared) < len(skeletons) or tuple(skeleton.fill(context) for skeleton in shared) != rendered:
        return None
    return shared
