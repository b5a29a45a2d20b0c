"""The log gate of the e2e run must catch what it promises to, and only that."""

from __future__ import annotations

from .log_check import problems_in, python_warnings_in

CLEAN = """\
2026-11-27 04:35:09.249 WARNING (SyncWorker_0) [homeassistant.loader] We found a custom integration llm_intent which has not been tested by Home Assistant.
2026-11-27 04:35:09.921 ERROR (MainThread) [haffmpeg.core] FFmpeg fails [Errno 2] No such file or directory: 'ffmpeg'
Traceback (most recent call last):
  File "/venv/haffmpeg/core.py", line 130, in open
FileNotFoundError: [Errno 2] No such file or directory: 'ffmpeg'
2026-11-27 04:35:11.290 ERROR (ImportExecutor_0) [homeassistant.components.camera.img_util] Error loading libturbojpeg; Camera snapshot performance will be sub-optimal
2026-11-27 04:35:12.108 WARNING (MainThread) [homeassistant.components.device_tracker.legacy] legacy device trackers are deprecated
2026-11-27 04:35:13.000 DEBUG (MainThread) [custom_components.llm_intent] Command handled
"""


def test_allowed_sandbox_errors_and_unrelated_deprecations_pass() -> None:
    assert problems_in(CLEAN) == []


def test_an_internet_service_failing_is_a_problem() -> None:
    log = (
        "2026-11-27 04:35:10.927 ERROR (MainThread) [metno] Access to https://api.met.no/x "
        "returned error 'ClientConnectorDNSError'\n"
    )
    assert len(problems_in(log)) == 1


def test_an_error_from_the_integration_is_caught_with_its_traceback() -> None:
    log = CLEAN + (
        "2026-11-27 04:36:00.000 ERROR (MainThread) [custom_components.llm_intent.engine.pipeline]"
        " Unexpected error while handling a command\n"
        "Traceback (most recent call last):\n"
        '  File "pipeline.py", line 1, in handle\n'
        "KeyError: 'area'\n"
    )
    [problem] = problems_in(log)
    assert "Unexpected error" in problem
    assert "KeyError: 'area'" in problem


def test_a_blocking_call_is_caught_even_as_a_warning() -> None:
    log = CLEAN + (
        "2026-11-27 04:36:00.000 WARNING (MainThread) [homeassistant.util.loop] Detected blocking"
        " call to open with args ('/config/intents.yaml',) inside the event loop by custom"
        " integration 'llm_intent'\n"
    )
    assert len(problems_in(log)) == 1


def test_a_deprecation_naming_the_integration_is_caught() -> None:
    log = CLEAN + (
        "2026-11-27 04:36:00.000 WARNING (MainThread) [homeassistant.helpers.frame] Detected that"
        " custom integration 'llm_intent' uses a deprecated constant\n"
    )
    assert len(problems_in(log)) == 1


def test_an_allowed_logger_with_another_message_is_still_an_error() -> None:
    log = CLEAN + (
        "2026-11-27 04:36:00.000 ERROR (MainThread) [metno] Unexpected error fetching data\n"
    )
    assert len(problems_in(log)) == 1


def test_a_traceback_logged_below_error_level_is_caught() -> None:
    log = CLEAN + (
        "2026-11-27 04:36:00.000 WARNING (MainThread) [custom_components.llm_intent] Recording"
        " failed\n"
        "Traceback (most recent call last):\n"
        "RuntimeError: boom\n"
    )
    assert len(problems_in(log)) == 1


STDERR = """\
2026-11-27 05:11:49.212 WARNING (SyncWorker_0) [homeassistant.loader] We found a custom integration llm_intent which has not been tested by Home Assistant.
/venv/lib/python3.14/site-packages/backoff/_async.py:11: DeprecationWarning: 'asyncio.iscoroutinefunction' is deprecated
  if asyncio.iscoroutinefunction(target):
"""


def test_python_warnings_from_libraries_are_not_the_integrations() -> None:
    assert python_warnings_in(STDERR) == []


def test_a_python_warning_raised_in_the_integration_is_caught() -> None:
    line = (
        "/config/custom_components/llm_intent/engine/llm.py:42: DeprecationWarning:"
        " 'asyncio.iscoroutinefunction' is deprecated"
    )
    assert python_warnings_in(STDERR + line + "\n") == [line]
