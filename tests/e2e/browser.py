"""Headless Chromium through Selenium, with helpers that see through shadow roots.

Home Assistant's frontend is web components all the way down, so plain CSS
selectors stop at the first shadow root. The helpers below walk every open
shadow root from the document, find elements by selector or by visible text,
and wait for them with a bound.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import shutil
import tempfile
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    JavascriptException,
    TimeoutException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
    "--lang=en-US",
)

# Shared by every lookup: a depth-first walk over the light DOM and all open shadow roots.
_WALK = """
const walk = function* (root) {
  const stack = [root];
  while (stack.length) {
    const node = stack.pop();
    if (node.shadowRoot) stack.push(node.shadowRoot);
    const kids = node.children || [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    if (node.nodeType === 1) yield node;
  }
};
const visible = (el) => {
  const r = el.getBoundingClientRect();
  if (r.width > 0 && r.height > 0) return true;
  // Slots and other display: contents boxes have no box of their own; their text does.
  for (const n of el.childNodes) {
    if (n.nodeType !== 3 || !n.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const t = range.getBoundingClientRect();
    if (t.width > 0 && t.height > 0) return true;
  }
  return false;
};
const ownText = (el) => {
  let t = '';
  for (const n of el.childNodes) if (n.nodeType === 3) t += n.textContent;
  return t.replace(/\\s+/g, ' ').trim();
};
const deepText = (el) => {
  // Text as rendered, including what shadow roots and slotted children show.
  let out = '';
  const visit = (node) => {
    if (node.nodeType === 3) { out += node.textContent; return; }
    if (node.nodeType !== 1 && node.nodeType !== 11) return;
    if (node.tagName === 'STYLE' || node.tagName === 'SCRIPT') return;
    if (node.shadowRoot) { visit(node.shadowRoot); return; }
    if (node.tagName === 'SLOT') {
      const assigned = node.assignedNodes({flatten: true});
      (assigned.length ? assigned : node.childNodes).forEach(visit);
      return;
    }
    node.childNodes.forEach(visit);
  };
  visit(el);
  return out.replace(/\\s+/g, ' ').trim();
};
"""

_QUERY_ALL = (
    _WALK
    + """
const [selector, onlyVisible, root] = arguments;
const found = [];
for (const el of walk(root || document)) {
  if (el.matches(selector) && (!onlyVisible || visible(el))) found.push(el);
}
return found;
"""
)

_BY_TEXT = (
    _WALK
    + """
const [selector, text, exact] = arguments;
const want = text.toLowerCase();
const found = [];
for (const el of walk(document)) {
  if (selector && !el.matches(selector)) continue;
  if (!visible(el)) continue;
  const own = (selector ? deepText(el) : ownText(el)).toLowerCase();
  if (exact ? own === want : own.includes(want)) found.push(el);
}
return found;
"""
)

_TEXT_OF = (
    _WALK
    + """
return deepText(arguments[0] || document.body);
"""
)

_ENCLOSING = (
    _WALK
    + """
// The nearest ancestor (across shadow boundaries) whose tag matches the pattern.
const [start, pattern] = arguments;
const re = new RegExp(pattern);
let el = start;
while (el) {
  if (el.nodeType === 1 && re.test(el.tagName.toLowerCase())) return el;
  const root = el.getRootNode();
  el = el.parentElement || (root !== el && root.host) || null;
}
return null;
"""
)


class Browser:
    """One Chromium window; every screenshot goes to ``artifacts``."""

    def __init__(self, artifacts: Path) -> None:
        self.artifacts = artifacts
        self.profile = Path(tempfile.mkdtemp(prefix="llm-intent-chromium-"))
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.driver.set_page_load_timeout(60)
        self.driver.set_script_timeout(30)
        self.shots: list[Path] = []

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # navigation and evidence

    def open(self, url: str) -> None:
        self.driver.get(url)

    def screenshot(self, name: str) -> Path:
        target = self.artifacts / f"{len(self.shots) + 1:02d}-{name}.png"
        self.driver.save_screenshot(str(target))
        self.shots.append(target)
        return target

    def text_of(self, element: WebElement | None = None) -> str:
        """Text as rendered, shadow roots included (``innerText`` stops at them)."""
        text: str = self.driver.execute_script(_TEXT_OF, element)
        return text

    def enclosing(self, element: WebElement, tag_pattern: str) -> WebElement | None:
        """The nearest ancestor, across shadow roots, whose tag matches ``tag_pattern``."""
        found: WebElement | None = self.driver.execute_script(_ENCLOSING, element, tag_pattern)
        return found

    # lookups through shadow roots

    def query_all(
        self, selector: str, *, visible: bool = True, within: WebElement | None = None
    ) -> list[WebElement]:
        """Elements matching ``selector`` anywhere under ``within`` (default: the page),
        shadow roots included."""
        found: list[WebElement] = self.driver.execute_script(_QUERY_ALL, selector, visible, within)
        return found

    def by_text(self, text: str, selector: str = "", *, exact: bool = False) -> list[WebElement]:
        """Visible elements whose text contains ``text`` (own text, or all text under
        ``selector`` when one is given), innermost last."""
        found: list[WebElement] = self.driver.execute_script(_BY_TEXT, selector, text, exact)
        return found

    def by_label(self, selector: str, prefix: str) -> list[WebElement]:
        """Visible ``selector`` elements whose ``label`` (attribute or property) starts
        with ``prefix``; icon buttons carry their name only there."""
        return [
            el
            for el in self.query_all(selector)
            if (el.get_attribute("label") or "").startswith(prefix)
        ]

    def wait(self, what: str, check: Callable[[], Any], timeout: float = 20) -> Any:
        """Poll ``check`` until it returns something truthy (bounded)."""

        def attempt(_: Any) -> Any:
            try:
                return check()
            except JavascriptException:
                return None

        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.2).until(attempt)
        except TimeoutException:
            self.screenshot("timeout-" + "".join(c if c.isalnum() else "-" for c in what)[:40])
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}") from None

    def wait_for(
        self, selector: str, timeout: float = 20, *, within: WebElement | None = None
    ) -> WebElement:
        elements: list[WebElement] = self.wait(
            selector, lambda: self.query_all(selector, within=within), timeout
        )
        return elements[0]

    def wait_for_text(self, text: str, selector: str = "", timeout: float = 20) -> WebElement:
        elements: list[WebElement] = self.wait(
            repr(text), lambda: self.by_text(text, selector), timeout
        )
        return elements[-1]

    def click(self, element: WebElement) -> None:
        """Click as a user would; through JS when an overlay intercepts the pointer."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        try:
            element.click()
        except ElementClickInterceptedException, ElementNotInteractableException:
            # A ripple layer over a button, or a slot with no box of its own.
            self.driver.execute_script("arguments[0].click();", element)

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)
