"""The project's error hierarchy: every error a user can meet, each with its HTTP status.

Every layer raises these; the edges only show them. The CLI prints ``Error: <message>``
(one line; the traceback only with ``EVIDENCE_DEBUG=1``) and the HTTP API answers
``{"detail": <message>}`` with the error's ``status_code`` from one handler, so the
same mistake gets the same status on every route. It lives in the package root,
below every layer, so that rubrics, index, matcher, eval and api can all raise it.
"""


class EvidenceError(Exception):
    """Base class: a problem described in one line. By default the request was at fault."""

    status_code = 422


class NotFound(EvidenceError):
    """Something named by the request does not exist (a rubric id, a batch job)."""

    status_code = 404


class RubricError(EvidenceError):
    """A rubric cannot be found, read or validated."""


class RubricNotFound(RubricError, NotFound):
    """No rubric has that id (or no file is at that path)."""


class InputError(EvidenceError):
    """The submitted text cannot be matched (empty, binary, too large...)."""


class DatasetError(EvidenceError):
    """An evaluation dataset cannot be read or refers to unknown behaviors."""


class ModelError(EvidenceError):
    """The embedding model cannot be found, loaded or run: the server's fault, not the request's."""

    status_code = 500


class UpstreamError(EvidenceError):
    """A service the server depends on (the configured LLM) failed to give a usable answer."""

    status_code = 502


class StoreError(EvidenceError):
    """The results and jobs database cannot be opened, migrated or reached: the deployment's fault.

    503: the service cannot serve until its database is back (or configured right), not the request's."""

    status_code = 503
