#!/usr/bin/python3
"""The wire monitor page in a real browser (Debian's chromium, headless).

Starts newswired and newswire-gateway on free loopback ports, opens the page,
publishes revisions with the newswire CLI and checks that a person would see
them: each revision appears live, a flash and a kill are marked, and the story
view shows the word diff between two versions with Japanese and emoji intact.
Keeps a screenshot of the page as a test artefact.

Exit 0 on success, 1 on failure, 77 (skipped) when selenium or chromedriver
is missing.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("SKIP: python3-selenium is not installed")
    sys.exit(77)

DEADLINE_S = 20


def start(argv, log):
    """Starts a server that prints 'ready URL' on stdout; returns (process, URL)."""
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True)
    line = process.stdout.readline()  # The ready line, or EOF if it failed.
    if not line.startswith("ready "):
        process.kill()
        raise RuntimeError("%s did not start: %r" % (argv[0], line))
    return process, line.split()[1]


def publish(newswire, hub, article):
    result = subprocess.run([newswire, "publish", "--hub", hub, "--json", "-"],
                            input=json.dumps(article), capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError("publish failed: " + result.stderr)
    return json.loads(result.stdout)


def japanese_story(version):
    body = ["東京、11月25日（ニューズワイヤ）— カイト・ロボティクスはミナト・センサー工業の買収に向けて最終調整に入った。",
            "関係者によると、買収額は約1800億円になる見通し 📈。"]
    if version == 2:
        body[1] = "関係者によると、買収額は約1900億円になる見通し 🚀📈。"
        body.append("ミナト株は終盤に3.2%上昇した 🎉。")
    article = {"id": "nw-ja-kaito", "feed": "equities-japan", "urgency": 1 if version == 1 else 3,
               "headline": "カイト、ミナト買収へ最終調整 🤝", "body": body, "language": "ja",
               "instruments": [{"symbol": "7781", "exchange": "XTKS"}],
               "topics": ["M&A"], "time_zone": "Asia/Tokyo",
               "firstcreated": "2026-11-25T06:05:00Z",
               "versioncreated": "2026-11-25T06:05:00Z" if version == 1 else "2026-11-25T07:20:00Z"}
    if version == 2:
        article["signals"] = ["SIGNAL_UPDATE"]
        article["ednote"] = "買収額を更新"
    return article


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--newswired", required=True)
    parser.add_argument("--newswire", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--examples", required=True)
    parser.add_argument("--artefacts", required=True)
    args = parser.parse_args()
    chromedriver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not os.path.exists(chromedriver):
        print("SKIP: chromedriver is not installed")
        return 77
    os.makedirs(args.artefacts, exist_ok=True)

    work = tempfile.mkdtemp(prefix="newswire-browser-")
    log = open(os.path.join(args.artefacts, "gateway-browser-servers.log"), "w")
    processes, driver = [], None
    try:
        daemon, hub = start([args.newswired, "--listen", "tcp://127.0.0.1:0", "--data-dir",
                             os.path.join(work, "store"), "--metrics-listen", ""], log)
        processes.append(daemon)
        gateway, url = start([args.gateway, "--hub", hub, "--listen", "127.0.0.1:0",
                              "--heartbeat-ms", "500"], log)
        processes.append(gateway)

        options = webdriver.ChromeOptions()
        for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--window-size=1280,900",
                     "--user-data-dir=" + os.path.join(work, "chromium")]:
            options.add_argument(flag)
        if os.path.exists("/usr/bin/chromium"):
            options.binary_location = "/usr/bin/chromium"
        driver = webdriver.Chrome(service=Service(chromedriver), options=options)
        wait = WebDriverWait(driver, DEADLINE_S)

        driver.get(url + "/")
        wait.until(EC.text_to_be_present_in_element((By.ID, "status"), "live"))

        with open(os.path.join(args.examples, "tokyo-talks", "v1.json")) as f:
            v1 = json.load(f)
        with open(os.path.join(args.examples, "tokyo-talks", "v2.json")) as f:
            v2 = json.load(f)
        publish(args.newswire, hub, v1)
        item = '.item[data-article="%s"][data-version="%d"]'
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, item % (v1["id"], 1))))
        publish(args.newswire, hub, v2)
        row = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, item % (v2["id"], 2))))
        assert "Minato" in row.text, row.text
        assert "JST" in row.text or "GMT+9" in row.text, "time not in the story's zone: " + row.text

        # A flash in Japanese with emoji, then its update; and a kill.
        publish(args.newswire, hub, japanese_story(1))
        flash = wait.until(EC.presence_of_element_located(
            (By.CSS_SELECTOR, '.item.flash[data-article="nw-ja-kaito"]')))
        assert "FLASH" in flash.text, flash.text
        publish(args.newswire, hub, japanese_story(2))
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, item % ("nw-ja-kaito", 2))))
        killed = dict(v2, pubstatus="PUB_STATUS_CANCELED", ednote="Story withdrawn")
        publish(args.newswire, hub, killed)
        kill = wait.until(EC.presence_of_element_located(
            (By.CSS_SELECTOR, '.item.kill[data-article="%s"]' % v2["id"])))
        assert "KILL" in kill.text, kill.text

        # The story view: the revision timeline and the word diff v1 -> v2.
        driver.find_element(By.CSS_SELECTOR, item % ("nw-ja-kaito", 2)).click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#timeline li:nth-child(2)")))
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#diff ins")))
        inserted = " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, "#diff ins"))
        removed = " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, "#diff del"))
        paragraphs = driver.find_element(By.ID, "diff").text
        assert "9" in inserted and "🚀" in inserted, "inserted: " + inserted
        assert "8" in removed, "removed: " + removed
        assert "ミナト株は終盤に3.2%上昇した 🎉。" in paragraphs, paragraphs
        assert "関係者によると、買収額は約1" in paragraphs, paragraphs

        shot = os.path.join(args.artefacts, "gateway-page.png")
        driver.save_screenshot(shot)
        # The same page on a phone-sized window.
        driver.set_window_size(390, 844)
        driver.save_screenshot(os.path.join(args.artefacts, "gateway-page-phone.png"))
        print("ok: revisions appeared live, flash and kill marked, diff shown; screenshot " + shot)
        return 0
    finally:
        if driver:
            driver.quit()
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # A failed check or a server that did not start.
        print("FAIL: %s" % error)
        sys.exit(1)
