"""The schemas HACS and Home Assistant's hassfest check an integration against.

Neither ships in an installable package: HACS is a custom integration that is
not on PyPI, and hassfest lives in Home Assistant core's repository
(``script/hassfest``), not in the ``homeassistant`` wheel. These are ports of
their rules, written against:

- HACS ``custom_components/hacs/utils/validate.py`` (hacs/integration, the
  2.x line at commit 07a8c70c): ``HACS_MANIFEST_JSON_SCHEMA`` (what the
  ``hacsjson`` check applies to ``hacs.json``) and
  ``INTEGRATION_MANIFEST_JSON_SCHEMA`` (what the ``integration_manifest``
  check applies to ``manifest.json``), plus the ``hacsjson`` check's rule that
  ``zip_release`` needs ``filename``.
- hassfest ``script/hassfest/manifest.py`` (home-assistant/core at commit
  7d56dcb0): ``CUSTOM_INTEGRATION_MANIFEST_SCHEMA`` and the checks
  ``validate_manifest`` adds for custom integrations (domain equals folder
  name, an IoT class, a version, keys sorted domain, name, then
  alphabetically).

Where the port is looser than the original: HACS checks ``country`` against
its own list of ISO 3166 codes, here any two letters pass; hassfest's
``bluetooth``, ``dhcp`` and ``usb`` matcher schemas (discovery, which this
integration does not use) are only checked to be lists of objects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from awesomeversion import AwesomeVersion, AwesomeVersionException, AwesomeVersionStrategy
from homeassistant.helpers import config_validation as cv
import voluptuous as vol


def _countries(value: Any) -> list[str]:
    codes = [value] if isinstance(value, str) else value
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise vol.Invalid(f"Value '{value}' is not a string or list.")
    upper = [c.upper() for c in codes]
    for code in upper:
        if len(code) != 2 or not code.isalpha():
            raise vol.Invalid(f"Value '{code}' is not a country code.")
    return upper


# HACS: hacs.json. Unknown keys are refused.
HACS_JSON = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("content_in_root"): bool,
        vol.Optional("country"): _countries,
        vol.Optional("filename"): str,
        vol.Optional("hacs"): str,
        vol.Optional("hide_default_branch"): bool,
        vol.Optional("homeassistant"): str,
        vol.Optional("persistent_directory"): str,
        vol.Optional("render_readme"): bool,
        vol.Optional("zip_release"): bool,
    },
    extra=vol.PREVENT_EXTRA,
)

# HACS: an integration's manifest.json. Other keys are hassfest's business.
HACS_INTEGRATION_MANIFEST = vol.Schema(
    {
        vol.Required("codeowners"): list,
        vol.Required("documentation"): cv.url,
        vol.Required("domain"): str,
        vol.Required("issue_tracker"): cv.url,
        vol.Required("name"): str,
        vol.Required("version"): vol.Coerce(AwesomeVersion),
    },
    extra=vol.ALLOW_EXTRA,
)


def validate_hacs_json(content: dict[str, Any], *, category: str = "integration") -> None:
    hacs = HACS_JSON(content)
    if category == "integration" and hacs.get("zip_release") and not hacs.get("filename"):
        raise vol.Invalid("zip_release is True, but filename is not set")


def _documentation_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme != "https":
        raise vol.Invalid("Documentation url is not prefixed with https")
    if parsed.netloc == "www.home-assistant.io" and not parsed.path.startswith("/integrations/"):
        raise vol.Invalid(
            "Documentation url does not begin with www.home-assistant.io/integrations"
        )
    return value


def _version(value: str) -> str:
    try:
        AwesomeVersion(
            value,
            ensure_strategy=[
                AwesomeVersionStrategy.CALVER,
                AwesomeVersionStrategy.SEMVER,
                AwesomeVersionStrategy.SIMPLEVER,
                AwesomeVersionStrategy.BUILDVER,
                AwesomeVersionStrategy.PEP440,
            ],
        )
    except AwesomeVersionException as err:
        raise vol.Invalid(f"'{value}' is not a valid version.") from err
    return value


def _lower(value: str) -> str:
    if value.lower() != value:
        raise vol.Invalid("Value needs to be lowercase")
    return value


def _upper(value: str) -> str:
    if value.upper() != value:
        raise vol.Invalid("Value needs to be uppercase")
    return value


def _wildcard(value: str) -> str:
    if "*" not in value:
        raise vol.Invalid(f"'{value}' needs to contain a wildcard matcher")
    return value


_MAC = vol.All(str, _upper, _wildcard)

# hassfest: a custom integration's manifest.json. Unknown keys are refused.
HASSFEST_CUSTOM_MANIFEST = vol.Schema(
    {
        vol.Required("domain"): str,
        vol.Required("name"): str,
        vol.Optional("integration_type", default="hub"): vol.In(
            ["device", "entity", "hardware", "helper", "hub", "service", "system"]
        ),
        vol.Optional("config_flow"): bool,
        vol.Optional("mqtt"): [str],
        vol.Optional("zeroconf"): [
            vol.Any(
                str,
                vol.Schema(
                    {
                        vol.Required("type"): str,
                        vol.Optional("macaddress"): _MAC,
                        vol.Optional("manufacturer"): vol.All(str, _lower),
                        vol.Optional("model"): vol.All(str, _lower),
                        vol.Optional("name"): vol.All(str, _lower),
                        vol.Optional("properties"): vol.Schema({str: _lower}),
                    }
                ),
            )
        ],
        vol.Optional("ssdp"): [vol.All(vol.Schema({}, extra=vol.ALLOW_EXTRA), vol.Length(min=1))],
        vol.Optional("bluetooth"): [dict],
        vol.Optional("homekit"): vol.Schema({vol.Optional("models"): [str]}),
        vol.Optional("dhcp"): [dict],
        vol.Optional("usb"): [dict],
        vol.Required("documentation"): vol.All(vol.Url(), _documentation_url),
        vol.Optional("issue_tracker"): vol.Url(),
        vol.Optional("quality_scale"): vol.In(["internal", "silver", "gold", "platinum"]),
        vol.Optional("requirements"): [str],
        vol.Optional("dependencies"): [str],
        vol.Optional("after_dependencies"): [str],
        vol.Required("codeowners"): [str],
        vol.Optional("loggers"): [str],
        vol.Optional("disabled"): str,
        vol.Optional("iot_class"): vol.In(
            [
                "assumed_state",
                "calculated",
                "cloud_polling",
                "cloud_push",
                "local_polling",
                "local_push",
            ]
        ),
        vol.Optional("single_config_entry"): bool,
        vol.Optional("version"): vol.All(str, _version),
        vol.Optional("import_executor"): bool,
    }
)


def _sort_key(key: str) -> str:
    return {"domain": ".domain", "name": ".name"}.get(key, key)


def hassfest_errors(manifest: dict[str, Any], folder: Path) -> list[str]:
    """What ``hassfest`` reports for a custom integration's manifest."""
    errors: list[str] = []
    try:
        HASSFEST_CUSTOM_MANIFEST(manifest)
    except vol.Invalid as err:
        errors.append(f"Invalid manifest: {err}")
    if manifest.get("domain") != folder.name:
        errors.append("Domain does not match dir name")
    if "iot_class" not in manifest:
        errors.append("Domain is missing an IoT Class")
    if not manifest.get("version"):
        errors.append("No 'version' key in the manifest file.")
    keys = list(manifest)
    if sorted(keys, key=_sort_key) != keys:
        errors.append("Manifest keys are not sorted correctly: domain, name, then alphabetical")
    return errors
