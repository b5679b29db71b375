"""Evidence files: the type read from the content, storage under a random name in the upload folder.

docs/design.md "Evidence files": PDF, Word, Excel, PowerPoint, PNG and JPEG, 20 MB each. The type
is decided by the bytes (magic numbers; for the Office Open XML formats, the main part named in the
zip's `[Content_Types].xml`), never by the name or the declared content type. Files live outside the
web root in `UPLOAD_DIR` (default: a folder beside the SQLite file, `<database>.uploads`), each
under a random name; the original name is kept as data only.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from piccolo.engine.base import Engine

from models.engine import current_engine, is_sqlite
from models.errors import UserError
from models.settings import Settings
from models.words import N_

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 5
# Every file of one request at its limit, and the form fields around them.
MAX_REQUEST_BYTES = MAX_FILES * MAX_FILE_BYTES + 1_000_000
KEY = re.compile(r"[0-9a-f]{32}")
ALLOWED = "PDF, Word (docx, doc), Excel (xlsx, xls), PowerPoint (pptx, ppt), PNG, JPEG"
PREVIEWED = frozenset({"application/pdf", "image/png", "image/jpeg"})

OOXML = {
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
# The stream every legacy (OLE2 compound file) Office document holds, by format.
OLE2 = {
    "doc": ("WordDocument", "application/msword"),
    "xls": ("Workbook", "application/vnd.ms-excel"),
    "ppt": ("PowerPoint Document", "application/vnd.ms-powerpoint"),
}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FileTooLarge(UserError):
    status_code = 413


@dataclass(frozen=True)
class Kind:
    extension: str
    content_type: str


def _ooxml(data: bytes) -> Kind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                return None
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return None
    for extension, (main, content_type) in OOXML.items():
        # The main part must be declared with its exact type (a macro-enabled file declares another).
        match = re.search(r'PartName="/([^"]+)"\s+ContentType="' + re.escape(main) + '"', types)
        if match and match.group(1) in names:
            return Kind(extension, content_type)
    return None


def sniff(data: bytes) -> Kind | None:
    """The allowed kind these bytes are, or None."""
    if data.startswith(b"%PDF-"):
        return Kind("pdf", "application/pdf")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind("png", "image/png")
    if data.startswith(b"\xff\xd8\xff"):
        return Kind("jpg", "image/jpeg")
    if data.startswith(b"PK\x03\x04"):
        return _ooxml(data)
    if data.startswith(OLE2_MAGIC):
        for extension, (stream, content_type) in OLE2.items():
            if stream.encode("utf-16-le") in data:
                return Kind(extension, content_type)
    return None


def clean_name(name: str) -> str:
    """The original name as data: no path, no control or quote characters, at most 200 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = re.sub(r'["\s;]+', " ", base).strip(" .")
    return base[:200] or "evidence"


def check_file(name: str, data: bytes, field: str = "file") -> Kind:
    """The file's kind; a UserError naming the file and what is allowed otherwise."""
    shown = clean_name(name)
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge(N_("%(name)s is larger than 20 MB; send a smaller file"), field=field, name=shown)
    if not data:
        raise UserError(N_("%(name)s is empty"), field=field, name=shown)
    kind = sniff(data)
    if kind is None:
        raise UserError(
            N_("%(name)s is not a file type we accept: send %(allowed)s"),
            field=field,
            name=shown,
            allowed=ALLOWED,
        )
    return kind


def upload_dir(engine: Engine | None = None) -> Path:
    """UPLOAD_DIR, or a folder beside the SQLite file (`uploads` in the working directory on PostgreSQL)."""
    configured = Settings.from_env().upload_dir
    if configured:
        return Path(configured).resolve()
    engine = engine or current_engine()
    if is_sqlite(engine):
        database = Path(engine.path).resolve()
        return database.with_name(database.name + ".uploads")
    return Path("uploads").resolve()


def file_path(key: str) -> Path:
    if not KEY.fullmatch(key or ""):
        raise ValueError("not a stored file key")
    return upload_dir() / key


def store(data: bytes) -> str:
    """Write the bytes under a new random name (owner-only, complete or absent); returns the key."""
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_hex(16)
    partial = folder / f".{key}.partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, folder / key)
    finally:
        partial.unlink(missing_ok=True)
    return key


def discard(keys: list[str]) -> None:
    """Remove files written for a write that did not commit."""
    for key in keys:
        file_path(key).unlink(missing_ok=True)


def read(key: str) -> bytes:
    return file_path(key).read_bytes()


def stored_files(engine: Engine | None = None) -> list[Path]:
    """Every stored file (for backups)."""
    folder = upload_dir(engine)
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.is_file() and KEY.fullmatch(path.name))
