"""Errors that describe bad input.  Each carries a stable ``code`` for the JSON contract."""

from __future__ import annotations


class MediaError(Exception):
    """The file cannot be analysed; the message is meant for the analyst."""

    code = "unreadable"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code


class EmptyFileError(MediaError):
    code = "empty_file"


class UnrecognizedFormatError(MediaError):
    code = "unrecognized_format"


class TruncatedMediaError(MediaError):
    code = "truncated"


class CorruptMediaError(MediaError):
    code = "corrupt"


class MediaTooLargeError(MediaError):
    code = "too_large"


class UnsupportedMediaError(MediaError):
    code = "unsupported"


class AnalysisCancelled(Exception):
    """Raised inside detectors when the analyst cancelled the job."""

    code = "cancelled"
