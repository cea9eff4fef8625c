"""Branding rules: what a logo, an accent colour and a support phone must be."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

LOGO_MAX_UPLOAD_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4096 * 4096
# Payer pages show the logo at most 80 px high; 400 px keeps it sharp on dense screens.
LOGO_MAX_SIDE = 400
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
ACCENT_PATTERN = re.compile(r"^#[0-9a-f]{6}$")
PHONE_PATTERN = re.compile(r"^\+[1-9][0-9]{6,14}$")
# WCAG 2.1 AA for normal text: payer pages put white text on the accent colour.
MIN_CONTRAST_WITH_WHITE = 4.5


@dataclass(frozen=True)
class PreparedLogo:
    """A validated logo, re-encoded as PNG (which also drops metadata and any trailing payload)."""

    content: bytes
    sha256: str
    width: int
    height: int


def logo_prepare(upload: UploadedFile) -> PreparedLogo:
    """Check an uploaded logo's size and type, and re-encode it as a bounded PNG."""
    if upload.size is None or upload.size > LOGO_MAX_UPLOAD_BYTES:
        raise ValidationError("The logo must be at most 1 MB.", code="logo_too_large")
    data = upload.read()
    if len(data) > LOGO_MAX_UPLOAD_BYTES:
        raise ValidationError("The logo must be at most 1 MB.", code="logo_too_large")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
        if image_format not in LOGO_FORMATS:
            raise ValidationError("Upload a PNG, JPEG or WebP image.", code="logo_type")
        if width * height > LOGO_MAX_PIXELS:
            raise ValidationError("The logo is too large; keep it under 4096 by 4096 pixels.", code="logo_pixels")
        # verify() leaves the image unusable; decode it again to re-encode.
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            converted = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError("Upload a PNG, JPEG or WebP image.", code="logo_type") from exc
    converted.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))
    buffer = io.BytesIO()
    converted.save(buffer, format="PNG", optimize=True)
    content = buffer.getvalue()
    return PreparedLogo(
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        width=converted.width,
        height=converted.height,
    )


def _relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of white text on `colour` (#rrggbb)."""
    return 1.05 / (_relative_luminance(colour) + 0.05)


def accent_colour_clean(value: str) -> str:
    """Lower-case #rrggbb that white text can be read on, or blank."""
    colour = value.strip().lower()
    if not colour:
        return ""
    if not ACCENT_PATTERN.match(colour):
        raise ValidationError("Use a colour like #4338ca.", code="accent_format")
    ratio = contrast_with_white(colour)
    if ratio < MIN_CONTRAST_WITH_WHITE:
        raise ValidationError(
            f"White text on {colour} has a contrast of {ratio:.1f}:1; choose a darker colour "
            f"(at least {MIN_CONTRAST_WITH_WHITE}:1).",
            code="accent_contrast",
        )
    return colour


def support_phone_clean(value: str) -> str:
    """An E.164 number (+ and digits; spaces, dashes and brackets are dropped), or blank."""
    phone = re.sub(r"[\s().-]", "", value)
    if phone and not PHONE_PATTERN.match(phone):
        raise ValidationError("Use the international format, e.g. +919876543210.", code="phone_format")
    return phone
