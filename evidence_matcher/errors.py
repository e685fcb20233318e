"""The project's error hierarchy.

Every error a user can cause derives from ``EvidenceError``; its message is one line
that the CLI prints as ``Error: <message>`` (traceback only with ``EVIDENCE_DEBUG=1``)
and the HTTP API returns as a 4xx ``detail``. It lives in the lowest layer so that
rubrics, index, matcher and eval can all raise it.
"""


class EvidenceError(Exception):
    """Base class: a problem the user can act on, described in one line."""


class RubricError(EvidenceError):
    """A rubric cannot be found, read or validated."""


class InputError(EvidenceError):
    """The submitted text cannot be matched (empty, binary, too large...)."""


class ModelError(EvidenceError):
    """The embedding model cannot be found or loaded."""


class DatasetError(EvidenceError):
    """An evaluation dataset cannot be read or refers to unknown behaviors."""
