"""An uploaded file in the database: written in chunks as it streams in, read back as a stream of
CSV records, each with the byte offset just after it, from any record boundary on.

Memory stays flat at any file size: the upload is copied IMPORT_CHUNK_BYTES at a time, and the
reader holds one chunk and one record at a time.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings

from imports.exceptions import ImportRefused
from imports.models import Import, ImportChunk

DELIMITERS = (",", ";", "\t", "|")
HEADER_MAX_BYTES = 64 * 1024
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class StoredFile:
    size: int
    sha256: str
    header: list[str]
    delimiter: str


def _header(first_line: str) -> tuple[list[str], str]:
    line = first_line.removeprefix(_BOM).rstrip("\r\n")
    if not line.strip():
        raise ImportRefused("The file's first line is empty: it needs a header row naming its columns.")
    delimiter = max(DELIMITERS, key=line.count)
    header = next(csv.reader([line], delimiter=delimiter))
    if len(header) < 2:
        raise ImportRefused("The file's first line names fewer than two columns: is it a CSV file?")
    return [name.strip() for name in header], delimiter


def chunks_write(*, upload: Import, source: IO[bytes]) -> StoredFile:
    """Copy `source` into the upload's chunks, checking that it is UTF-8 text with a header row."""
    max_bytes = settings.IMPORT_MAX_FILE_BYTES
    chunk_bytes = settings.IMPORT_CHUNK_BYTES
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    first_line = ""
    size = 0
    while piece := source.read(chunk_bytes):
        try:
            text = decoder.decode(piece)
        except UnicodeDecodeError as exc:
            raise ImportRefused(
                f"The file is not UTF-8 text (byte {size + exc.start}): export it as CSV UTF-8 and upload it again."
            ) from None
        if size < HEADER_MAX_BYTES and "\n" not in first_line:
            first_line += text[: HEADER_MAX_BYTES - len(first_line)]
        ImportChunk.objects.create(organization_id=upload.organization_id, upload=upload, start=size, data=piece)
        digest.update(piece)
        size += len(piece)
        if size > max_bytes:
            raise ImportRefused(
                f"The file is larger than {max_bytes // (1024 * 1024)} MB: split it and upload each part."
            )
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ImportRefused("The file ends in the middle of a character: is it complete?") from None
    if size == 0:
        raise ImportRefused("The file is empty.")
    header, delimiter = _header(first_line.split("\n", 1)[0])
    return StoredFile(size=size, sha256=digest.hexdigest(), header=header, delimiter=delimiter)


class _ChunkStream(io.RawIOBase):
    """The upload's bytes from `offset` on, one chunk row in memory at a time."""

    def __init__(self, upload: Import, offset: int) -> None:
        super().__init__()
        self._upload = upload
        self._data = b""
        self._position = 0
        chunk = (
            ImportChunk.objects.filter(upload=upload, start__lte=offset)
            .order_by("-start")
            .values_list("start", "data")
            .first()
        )
        if chunk is not None:
            start, data = chunk
            self._data = bytes(data)
            self._end = start + len(self._data)
            self._position = offset - start
        else:
            self._end = offset

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._position >= len(self._data):
            data = (
                ImportChunk.objects.filter(upload=self._upload, start=self._end).values_list("data", flat=True).first()
            )
            if data is None:
                return 0
            self._data = bytes(data)
            self._end += len(self._data)
            self._position = 0
        count = min(len(buffer), len(self._data) - self._position)
        buffer[:count] = self._data[self._position : self._position + count]
        self._position += count
        return count


@dataclass(frozen=True, slots=True)
class Record:
    """One CSV record and the byte offset just after it; `error` when it could not be read."""

    end: int
    cells: list[str]
    error: str = ""


def records_read(upload: Import, *, offset: int) -> Iterator[Record]:
    """The upload's records from byte `offset` (0, or a record's end) on; the header is skipped at 0."""
    stream = io.BufferedReader(_ChunkStream(upload, offset), buffer_size=256 * 1024)
    consumed = offset

    def lines() -> Iterator[str]:
        nonlocal consumed
        for raw in stream:
            consumed += len(raw)
            # A line of UTF-8 splits at b"\n", which no multi-byte character contains.
            line = raw.decode("utf-8")
            yield line.removeprefix(_BOM) if consumed == len(raw) else line

    reader = csv.reader(lines(), delimiter=upload.delimiter)
    first = offset == 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(end=consumed, cells=[], error=f"The row could not be read as CSV: {exc}.")
            continue
        if first:
            first = False
            continue
        yield Record(end=consumed, cells=cells)
