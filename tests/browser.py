"""A headless Chromium for the tests: Debian's ``chromium`` driven by its ``chromedriver``.

Nothing here downloads a browser or a driver: selenium is handed ``/usr/bin/chromedriver``
(Selenium Manager is switched off with ``SE_OFFLINE``), and ``scripts/test`` installs the
Debian packages ``chromium`` and ``chromium-driver``. The network is cut off (a proxy
that does not exist, and DevTools' offline mode), so a page that tried to fetch anything
would show it as a console error or a resource entry, both of which the tests check.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL = "apt-get install chromium chromium-driver (scripts/test does it)"

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--window-size=1400,900",
)


class Browser:
    """One Chromium session: ``open(path)`` loads a file, ``errors()`` the console errors."""

    def __init__(self) -> None:
        os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager fetch a driver
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        for program in (CHROMIUM, CHROMEDRIVER):
            if not program.exists():
                raise RuntimeError(f"{program} is missing: {INSTALL}")
        self.profile = tempfile.mkdtemp(prefix="autograd-lite-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver: Any = webdriver.Chrome(
            service=Service(executable_path=str(CHROMEDRIVER)), options=options
        )
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )

    def open(self, path: Path) -> None:
        """Load a page from ``file://`` and wait until its script says it is ready."""
        from selenium.webdriver.support.ui import WebDriverWait

        self.errors()  # forget what earlier pages logged
        self.driver.get(Path(path).resolve().as_uri())
        WebDriverWait(self.driver, 20).until(
            lambda d: d.execute_script("return document.body.dataset.ready === 'true'")
        )

    def errors(self) -> list[dict[str, Any]]:
        """Console messages of level SEVERE since the last call (errors, failed loads)."""
        entries: list[dict[str, Any]] = self.driver.get_log("browser")
        return [entry for entry in entries if entry["level"] == "SEVERE"]

    def run(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def browser_session() -> Iterator[Browser]:
    browser = Browser()
    try:
        yield browser
    finally:
        browser.close()
