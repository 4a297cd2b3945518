"""Debian's Chromium, headless, driven through chromedriver with Selenium (Debian's
python3-selenium). One browser per test module; its profile, downloads and
console log live in a directory of the test run."""

from __future__ import annotations

import os
import pathlib
import time
from typing import Callable

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


class Browser:
    def __init__(self, workdir: pathlib.Path, width: int = 1280, height: int = 800):
        self.downloads = workdir / "downloads"
        self.downloads.mkdir(parents=True, exist_ok=True)
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-extensions", "--disable-background-networking",
                    f"--user-data-dir={workdir / 'profile'}", f"--window-size={width},{height}"):
            opts.add_argument(arg)
        opts.add_experimental_option("prefs", {
            "download.default_directory": str(self.downloads),
            "download.prompt_for_download": False,
        })
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER, log_output=str(workdir / "chromedriver.log")),
                                       options=opts)
        self.driver.set_page_load_timeout(30)
        self.console: list = []

    def close(self) -> None:
        try:
            self.driver.quit()
        except WebDriverException:
            pass

    def get(self, url: str) -> None:
        self.driver.get(url)

    def find(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def wait(self, check: Callable[[], object], timeout: float = 20.0, what: str = "a condition"):
        """Polls `check` until it returns something true; returns that."""
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                v = check()
                if v:
                    return v
            except (WebDriverException, StaleElementReferenceException) as e:
                last_error = e
            time.sleep(0.1)
        self.screenshot_on_failure(what)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}"
                             f"{f' (last error: {last_error})' if last_error else ''}; "
                             f"page text: {self.text('body')[:2000]!r}; console: {self.logs()[-10:]}")

    def text(self, css: str) -> str:
        try:
            return self.find(css).text
        except WebDriverException:
            return ""

    def messages(self) -> list:
        """The texts of the messages shown in the current conversation."""
        return self.js("return [...document.querySelectorAll('#messages li.msg .text')].map(e => e.textContent)")

    def logs(self) -> list:
        """The browser's console since the last call, kept in self.console."""
        try:
            self.console += self.driver.get_log("browser")
        except WebDriverException:
            pass
        return self.console

    def screenshot(self, path: pathlib.Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))

    def screenshot_on_failure(self, what: str) -> None:
        out = os.environ.get("PCHAT_FAILURE_SCREENSHOTS")
        if out:
            self.screenshot(pathlib.Path(out) / (what.replace(" ", "_")[:60] + ".png"))
