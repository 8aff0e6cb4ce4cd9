"""Files sent to sendPhoto/sendDocument: an upload or a known file_id, refused as Telegram does.

Limits from the Bot API's "Sending files": an upload (multipart/form-data) is at most 10 MB for
a photo and 50 MB for anything else; a photo's width + height at most 10000 and its sides at
most 20:1; a file is downloaded with getFile only up to 20 MB. The missing-file wording is the
Bot API server's ("There is no photo in the request", with the "Bad Request: " prefix every 400
gets). Assumptions where Telegram does not document its answer: a photo upload over 10 MB gets
MTProto's PHOTO_SAVE_FILE_INVALID, bytes that are no image IMAGE_PROCESS_FAILED, and a
document over 50 MB the HTTP 413 "Request Entity Too Large" of Telegram's front end.
"""

from __future__ import annotations

import mimetypes

from sandbox.models import ApiError, FileRecord, bad_request, image_size
from sandbox.params import Params
from sandbox.state import SandboxState

MB = 1024 * 1024
PHOTO_MAX_BYTES = 10 * MB
DOCUMENT_MAX_BYTES = 50 * MB
DOWNLOAD_MAX_BYTES = 20 * MB
PHOTO_MAX_SIDES = 10_000  # width + height
PHOTO_MAX_RATIO = 20
ATTACH = "attach://"


def input_file(state: SandboxState, params: Params, field: str, kind: str) -> FileRecord:
    """The file in `field` (kind "photo" or "document"): stored if uploaded, else looked up."""
    value = params.text(field) or ""
    part = value[len(ATTACH) :] if value.startswith(ATTACH) else field
    upload = params.files.get(part)
    if upload is not None:
        if kind == "photo":
            return _stored_photo(state, upload.data)
        return _stored_document(state, upload.data, upload.mime, upload.name)
    if not value or value.startswith(ATTACH):
        raise bad_request(f"there is no {kind} in the request")
    if value.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    record = state.files.get(value)
    if record is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if kind == "photo" and record.kind != "photo":
        raise bad_request("can't use file of type Document as Photo")
    return record


def _stored_photo(state: SandboxState, data: bytes) -> FileRecord:
    if not data:
        raise bad_request("file must be non-empty")
    if len(data) > PHOTO_MAX_BYTES:
        raise bad_request("PHOTO_SAVE_FILE_INVALID")
    mime = image_mime(data)
    if mime is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = image_size(data)
    long_side, short_side = max(width, height), max(1, min(width, height))
    if width + height > PHOTO_MAX_SIDES or long_side / short_side > PHOTO_MAX_RATIO:
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return state.add_file(data, mime)


def _stored_document(state: SandboxState, data: bytes, mime: str, name: str | None) -> FileRecord:
    if not data:
        raise bad_request("file must be non-empty")
    if len(data) > DOCUMENT_MAX_BYTES:
        raise ApiError(413, "Request Entity Too Large")
    if mime in ("", "application/octet-stream") and name:
        mime = mimetypes.guess_type(name, strict=False)[0] or mime
    return state.add_file(data, mime, kind="document", file_name=name)


def image_mime(data: bytes) -> str | None:
    """The image type of PNG, GIF or JPEG bytes; None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    return None
