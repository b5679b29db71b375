"""Tiny real files of every evidence type, built in memory, and files that only pretend to be one."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import openpyxl

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def pdf(text: str = "") -> bytes:
    return PDF.replace(b"%%EOF", f"% {text}\n%%EOF".encode()) if text else PDF


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def _ooxml(main_part: str, content_type: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/{main_part}" ContentType="{content_type}"/></Types>',
        )
        archive.writestr(main_part, "<document/>")
    return out.getvalue()


def docx() -> bytes:
    return _ooxml(
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    )


def docm() -> bytes:
    """A macro-enabled Word file: a zip with content types, but not an allowed main part."""
    return _ooxml("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml")


def pptx() -> bytes:
    return _ooxml(
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    )


def xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "training records"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ole2(stream: str) -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + stream.encode("utf-16-le") + b"\0" * 64


ALLOWED = {
    "policy.pdf": (pdf, "application/pdf"),
    "chart.png": (png, "image/png"),
    "photo.jpg": (jpeg, "image/jpeg"),
    "policy.docx": (docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "budget.xlsx": (xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "slides.pptx": (pptx, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "policy.doc": (lambda: ole2("WordDocument"), "application/msword"),
    "budget.xls": (lambda: ole2("Workbook"), "application/vnd.ms-excel"),
    "slides.ppt": (lambda: ole2("PowerPoint Document"), "application/vnd.ms-powerpoint"),
}

REFUSED = {
    "report.pdf": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 64,  # an executable
    "chart.png": b"<!doctype html><html><script>alert(1)</script></html>",
    "notes.docx": docm(),
    "empty.docx": b"PK\x03\x04" + b"\0" * 26,
}
