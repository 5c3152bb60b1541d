"""The settings page in a real browser (Debian's chromium, headless, driven by Selenium through chromedriver).

For example.com (config.yaml) and for a host no domain serves, at phone width (390 px) and desktop width
(1280 px): a screenshot under the output folder; the visible text holds the configured hosts and ports; no
placeholder such as %EMAILADDRESS% is shown (without an address the page says "your full email address");
the second SMTP server is labelled as the alternative; nothing is requested from another origin; nothing
scrolls sideways at 390 px (the viewport is a phone's, through DevTools: a page too wide for it widens the
layout, which the check sees). Before these checks the page failed at 390 px (laid out 432 px wide), showed
%EMAILADDRESS% eight times and gave two SMTP servers the same heading. Then the address form: fill, submit, and the page for that address loads, with
the Apple profile link visible.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import lib  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.environ.get("BROWSER_OUT", os.path.join(REPO, ".build", "system-tests", "browser"))
failures = []
# The page is replaced while a wait reads it (the form was submitted): try again, as for a missing element.
STALE = (StaleElementReferenceException,)


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)


def browser(width, height, port):
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     # Every name is this machine: the page's own hosts reach the service, any other origin
                     # would be asked of it too and shows up in the resource timings.
                     "--host-resolver-rules=MAP * 127.0.0.1"):
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(20)
    # A window is never narrower than about 500 px: the viewport is set through DevTools, as a phone's
    # (390 px wide, mobile: the page's viewport meta counts).
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})
    return driver


def page_facts(driver):
    return driver.execute_script("""return {
        text: document.body.innerText,
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        origins: performance.getEntriesByType('resource').map(e => new URL(e.name).origin),
        origin: location.origin,
        links: Array.from(document.querySelectorAll('a')).map(a => ({href: a.href, visible: a.offsetParent !== null, text: a.innerText})),
    }""")


def main():
    os.makedirs(OUT, exist_ok=True)
    process, port = lib.start(os.path.join(REPO, "config.yaml"), ["--no-access-log"])
    try:
        for width, height in ((390, 844), (1280, 900)):
            driver = browser(width, height, port)
            try:
                # example.com without an address.
                driver.get(f"http://example.com:{port}/")
                facts = page_facts(driver)
                driver.save_screenshot(os.path.join(OUT, f"example.com-{width}.png"))
                # A phone widens its layout viewport to fit content that does not fit: the page overflows.
                check(facts["innerWidth"] == width,
                      f"{width}px: the page is laid out {facts['innerWidth']} px wide: something does not fit a phone")
                text = facts["text"]
                for expected in ("imap4.example.com", "993", "pop3.example.com", "995", "msa.example.com", "465", "587",
                                 "https://eas.example.com/Microsoft-Server-ActiveSync", "https://dav.example.com/"):
                    check(expected in text, f"{width}px: '{expected}' not in the page's visible text")
                check("%" not in text, f"{width}px: a placeholder is shown: {[w for w in text.split() if '%' in w]}")
                check("your full email address" in text, f"{width}px: no 'your full email address' without an address")
                check("alternative" in text.lower(), f"{width}px: the second SMTP server is not labelled as the alternative")
                check(facts["scrollWidth"] <= facts["innerWidth"],
                      f"{width}px: the page scrolls sideways ({facts['scrollWidth']} > {facts['innerWidth']})")
                others = [o for o in facts["origins"] if o != facts["origin"]]
                check(not others, f"{width}px: requests to other origins: {others}")

                # The address form: fill in, submit, the page for that address loads.
                field = driver.find_element(By.NAME, "emailaddress")
                field.send_keys("alice@example.com")
                field.submit()
                WebDriverWait(driver, 10).until(expected_conditions.url_contains("emailaddress="))
                WebDriverWait(driver, 10, ignored_exceptions=STALE).until(lambda d: "alice@example.com" in d.find_element(By.TAG_NAME, "body").text)
                facts = page_facts(driver)
                driver.save_screenshot(os.path.join(OUT, f"example.com-alice-{width}.png"))
                check("alice@example.com" in facts["text"], f"{width}px: the page for the address did not load")
                profile = [link for link in facts["links"] if "/mobileconfig?" in link["href"]]
                check(profile and profile[0]["visible"], f"{width}px: no visible Apple profile link: {facts['links']}")
                check(facts["scrollWidth"] <= facts["innerWidth"],
                      f"{width}px: the address page scrolls sideways ({facts['scrollWidth']} > {facts['innerWidth']})")
                check("%" not in facts["text"], f"{width}px: a placeholder is shown with an address")

                # A host no domain serves: the not-found page with its address form.
                driver.get(f"http://nowhere.example.org:{port}/")
                facts = page_facts(driver)
                driver.save_screenshot(os.path.join(OUT, f"unknown-{width}.png"))
                check("No mail settings are configured" in facts["text"], f"{width}px: unknown host: {facts['text'][:200]}")
                check(facts["scrollWidth"] <= facts["innerWidth"], f"{width}px: the not-found page scrolls sideways")
                field = driver.find_element(By.NAME, "emailaddress")
                field.send_keys("bob@example.com")
                field.submit()
                WebDriverWait(driver, 10, ignored_exceptions=STALE).until(lambda d: "bob@example.com" in d.find_element(By.TAG_NAME, "body").text)
                check("imap4.example.com" in driver.find_element(By.TAG_NAME, "body").text,
                      f"{width}px: the form on the not-found page did not lead to example.com's settings")
            finally:
                driver.quit()
    finally:
        lib.stop(process)
    print(f"browser: screenshots in {OUT}: {sorted(os.listdir(OUT))}")
    if failures:
        raise SystemExit(f"{len(failures)} browser check(s) failed")
    print("browser: all checks passed")


main()
