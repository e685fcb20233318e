"""evidence-matcher: which behaviors of a career ladder a piece of writing evidences, with proof.

The installed package. Its subpackages are the repository's top-level folders
(``rubrics``, ``index``, ``matcher``, ``eval``, ``api``; see pyproject.toml), installed
under this one name so that generic names such as ``api`` or ``index`` never collide
with another distribution's. This folder itself holds only what every layer shares:
the error hierarchy (``errors``).
"""

__version__ = "0.1.0"
