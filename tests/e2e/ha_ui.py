"""What a user does in Home Assistant's frontend, one gesture per function.

Elements are found by what the user sees (button text, field names, labels)
rather than by the frontend's internal structure where possible, so a
frontend refactor breaks these only when the screen really changed.
"""

from __future__ import annotations

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement

from .browser import Browser
from .ha_api import OWNER_NAME, OWNER_PASSWORD, OWNER_USERNAME

# The assistant shows this while the answer is on its way.
THINKING = ("", "…", "...")


def log_in(browser: Browser, url: str) -> None:
    browser.open(url)
    browser.wait_for("input[name=username]", timeout=60).send_keys(OWNER_USERNAME)
    browser.wait_for("input[name=password]").send_keys(OWNER_PASSWORD)
    browser.screenshot("login-form")
    browser.click(browser.wait_for_text("Log in", "ha-button"))
    browser.wait(
        "the frontend to connect",
        lambda: browser.js(
            "const ha = document.querySelector('home-assistant');"
            "return Boolean(ha && ha.hass && ha.hass.connected && ha.hass.user);"
        ),
        timeout=60,
    )
    # Connected is not drawn yet: wait until the launch screen has gone and the
    # sidebar lists the user.
    browser.wait(
        "the first screen",
        lambda: (
            browser.js("return document.getElementById('ha-launch-screen') === null")
            and browser.by_text(OWNER_NAME, "ha-sidebar")
        ),
        timeout=60,
    )


def ui_language(browser: Browser) -> str:
    language: str = browser.js("return document.querySelector('home-assistant').hass.language")
    return language


def fill(browser: Browser, field: WebElement, value: str) -> None:
    """Replace a field's content by typing over it, as a user would.

    The old text is selected (as a triple click would) and typed over rather
    than deleted first: an emptied number field would already submit an empty,
    invalid value.
    """
    browser.js("arguments[0].focus(); arguments[0].select();", field)
    # Typed at the focused field: WebElement.send_keys would move the caret to the end
    # first (the field sits in a shadow root, so it never looks focused to chromedriver).
    ActionChains(browser.driver).send_keys(value).perform()


def fill_named(browser: Browser, name: str, value: str) -> None:
    fill(browser, browser.wait_for(f"input[name={name}]"), value)


def open_assist(browser: Browser, url: str) -> WebElement:
    """Open the Assist dialog from the overview's toolbar; return its chat."""
    browser.open(f"{url}/lovelace/0")
    button = browser.wait(
        "the Assist button", lambda: browser.by_label("ha-icon-button", "Assist"), timeout=30
    )
    browser.click(button[0])
    return browser.wait_for("ha-assist-chat")


def assistant_messages(browser: Browser, chat: WebElement) -> list[str]:
    return [m.text.strip() for m in browser.query_all("div.message.hass", within=chat)]


def ask(browser: Browser, chat: WebElement, command: str, timeout: float = 30) -> str:
    """Type a command into Assist, send it, and return the assistant's answer."""
    before = len(assistant_messages(browser, chat))
    box = browser.wait_for("input", within=chat)
    box.send_keys(command)
    box.send_keys(Keys.ENTER)

    def answered() -> str | None:
        messages = assistant_messages(browser, chat)
        if len(messages) > before and messages[-1] not in THINKING:
            return messages[-1]
        return None

    answer: str = browser.wait(f"the answer to {command!r}", answered, timeout)
    return answer


def close_dialog(browser: Browser) -> None:
    browser.click(
        browser.wait("a Close button", lambda: browser.by_label("ha-icon-button", "Close"))[0]
    )
