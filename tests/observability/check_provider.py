"""``python -m tests.observability.check_provider``: the fake provider with ``check_brain``.

Started through this module rather than ``python -m tests.fake_provider`` so
that the brain's ``ErrorReply`` is the server's own class (run as
``__main__``, the server module would be a second copy with other classes).
"""

from __future__ import annotations

from ..fake_provider import main

if __name__ == "__main__":
    main()
