"""``python -m evidence_matcher.api.cli``: the ``evidence`` command without its console script."""

from . import main

main()
