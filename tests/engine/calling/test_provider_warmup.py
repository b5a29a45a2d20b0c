"""A provider's first request does no import work on the event loop.

The SDKs import hundreds of modules on first use of a resource (1.5 s on an
idle machine, 4.5 s on a busy one): that must happen in the constructor, which
Home Assistant runs in an executor. A fresh interpreter is needed to see it.
"""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = """
import sys
from custom_components.llm_intent.engine.calling.providers.factory import create_provider
from custom_components.llm_intent.engine.types import ProviderConfig

provider = create_provider(
    ProviderConfig(kind=sys.argv[1], model="m", api_key="k", base_url="http://127.0.0.1:9")
)
before = set(sys.modules)
provider._client.platform_headers()
for resource in sys.argv[2:]:
    target = provider._client
    for part in resource.split("."):
        target = getattr(target, part)
print(sorted(set(sys.modules) - before))
"""


@pytest.mark.parametrize(
    ("kind", "resources"),
    [
        ("openai_compatible", ["chat.completions", "models"]),
        ("anthropic", ["messages", "models"]),
    ],
)
def test_constructor_imports_what_requests_need(kind: str, resources: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, kind, *resources],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[]", done.stdout[:500]
