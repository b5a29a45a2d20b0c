"""hacs.json and manifest.json pass what HACS and hassfest check.

The schemas are ports (see ``install_schemas``); the negative cases show that
each one refuses what its original refuses, so a pass means something.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import voluptuous as vol

from custom_components.llm_intent.const import DOMAIN

from .install_schemas import (
    HACS_INTEGRATION_MANIFEST,
    hassfest_errors,
    validate_hacs_json,
)

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components" / DOMAIN


def _manifest() -> dict[str, object]:
    return json.loads((INTEGRATION / "manifest.json").read_text())


def _hacs() -> dict[str, object]:
    return json.loads((ROOT / "hacs.json").read_text())


def test_hacs_json_passes_hacs_schema() -> None:
    validate_hacs_json(_hacs())


def test_manifest_passes_hacs_schema() -> None:
    HACS_INTEGRATION_MANIFEST(_manifest())


def test_manifest_passes_hassfest() -> None:
    assert hassfest_errors(_manifest(), INTEGRATION) == []


def test_repository_layout_is_what_hacs_installs() -> None:
    # HACS installs an integration from custom_components/<domain>/ unless
    # content_in_root; exactly one integration folder may be there.
    assert _hacs().get("content_in_root", False) is False
    folders = [p.name for p in (ROOT / "custom_components").iterdir() if p.is_dir()]
    assert [f for f in folders if not f.startswith("__")] == [DOMAIN]
    assert _manifest()["domain"] == DOMAIN


@pytest.mark.parametrize(
    "change",
    [
        {"domain": "llm_intent"},  # not a hacs.json key
        {"render_readme": "yes"},
        {"zip_release": True},  # without filename
        {"country": ["POL"]},
    ],
)
def test_hacs_json_schema_refuses_what_hacs_refuses(change: dict[str, object]) -> None:
    with pytest.raises(vol.Invalid):
        validate_hacs_json({**_hacs(), **change})


def test_hacs_json_needs_a_name() -> None:
    content = _hacs()
    del content["name"]
    with pytest.raises(vol.Invalid):
        validate_hacs_json(content)


@pytest.mark.parametrize("missing", ["codeowners", "documentation", "issue_tracker", "version"])
def test_hacs_manifest_schema_needs_its_keys(missing: str) -> None:
    manifest = _manifest()
    del manifest[missing]
    with pytest.raises(vol.Invalid):
        HACS_INTEGRATION_MANIFEST(manifest)


def test_hacs_manifest_schema_refuses_a_bad_url() -> None:
    with pytest.raises(vol.Invalid):
        HACS_INTEGRATION_MANIFEST({**_manifest(), "issue_tracker": "not a url"})


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"iot_class": "cloud"}, "Invalid manifest"),
        ({"documentation": "http://example.org"}, "Invalid manifest"),
        ({"version": "not a version!"}, "Invalid manifest"),
        ({"unknown_key": True}, "Invalid manifest"),
        ({"domain": "other"}, "Domain does not match dir name"),
    ],
)
def test_hassfest_refuses_what_hassfest_refuses(change: dict[str, object], error: str) -> None:
    errors = hassfest_errors({**_manifest(), **change}, INTEGRATION)
    assert any(e.startswith(error) for e in errors), errors


def test_hassfest_wants_sorted_keys_and_a_version() -> None:
    manifest = _manifest()
    del manifest["version"]
    unsorted = {"name": manifest.pop("name"), **manifest}
    errors = hassfest_errors(unsorted, INTEGRATION)
    assert "No 'version' key in the manifest file." in errors
    assert any(e.startswith("Manifest keys are not sorted") for e in errors)
