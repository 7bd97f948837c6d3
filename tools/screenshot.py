#!/usr/bin/env python3
"""Screenshots of a running Odoo, logged in, through headless Chromium.

    python tools/screenshot.py --url http://localhost:8069 --db DB \
        --path /odoo/crm --out pipeline.png [--width 1600 --height 1000] \
        [--click "CSS selector" ...]

``--click`` (once per ``--path``, ``""`` for none) clicks an element, such as
a notebook tab, before the picture is taken; ``--scroll`` (the same way)
scrolls an element to the top of the window, such as a settings block.

Drives Debian's chromium over the DevTools protocol (websocket-client, which
the tooling's virtual environment has); used for the screenshots in
static/description/.
"""

import argparse
import base64
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import websocket


def _session_id(url, db, login, password):
    request = urllib.request.Request(
        f"{url}/web/session/authenticate",
        data=json.dumps(
            {
                "jsonrpc": "2.0",
                "params": {"db": db, "login": login, "password": password},
            }
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session_id="):
                return header.split(";")[0].split("=", 1)[1]
    raise SystemExit("login failed: no session cookie")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    def __init__(self, width, height):
        self.profile = tempfile.mkdtemp(prefix="clm-chromium-")
        port = _free_port()
        self.proc = subprocess.Popen(
            [
                shutil.which("chromium") or "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--window-size={width},{height}",
                f"--user-data-dir={self.profile}",
                f"--remote-debugging-port={port}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(50):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/json", timeout=2
                ) as r:
                    pages = [t for t in json.load(r) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        self.ws = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"], timeout=60
        )
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def close(self):
        self.proc.terminate()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", required=True)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--path", action="append", required=True)
    parser.add_argument("--out", action="append", required=True)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--wait", type=float, default=6.0)
    parser.add_argument("--click", action="append", default=[])
    parser.add_argument("--scroll", action="append", default=[])
    args = parser.parse_args()
    clicks = args.click + [""] * (len(args.path) - len(args.click))
    scrolls = args.scroll + [""] * (len(args.path) - len(args.scroll))

    session = _session_id(args.url, args.db, args.login, args.password)
    browser = Browser(args.width, args.height)
    try:
        host = args.url.split("//", 1)[1].split(":")[0]
        browser.call("Network.enable")
        browser.call(
            "Network.setCookie", name="session_id", value=session, domain=host, path="/"
        )
        pages = zip(args.path, args.out, clicks, scrolls, strict=True)
        for path, out, click, scroll in pages:
            browser.call("Page.navigate", url=args.url + path)
            time.sleep(args.wait)
            for selector, action in ((click, "click()"), (scroll, "scrollIntoView()")):
                if selector:
                    browser.call(
                        "Runtime.evaluate",
                        expression=f"document.querySelector({json.dumps(selector)})"
                        f".{action}",
                    )
                    time.sleep(2)
            shot = browser.call("Page.captureScreenshot", format="png")
            with open(out, "wb") as image:
                image.write(base64.b64decode(shot["data"]))
            print(f"{path} -> {out}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
