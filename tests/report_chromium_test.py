#!/usr/bin/env python3
"""report_chromium_test.py - `xsim run --report DIR` (issue 5, acceptance 6):
runs the ch. 11 scenario with --report, checks the index and the page (the
SVG timeline is well-formed XML with link, site, status, push, entries,
error, step, check and event elements; every text is escaped), then opens
the page in headless Chromium and checks the screenshot: a PNG of the window
size, unlike a blank page's, with the timeline's colours (link up green,
link down / offline red) covering a real area.  Skips (exit 77) only when
Chromium is not installed.  No network: a file:// URL and Chromium's
background services off.

usage: report_chromium_test.py XSIM SCENARIO
"""
import html.parser
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

SKIP = 77
CHROMIUM_TIMEOUT_S = 90
WINDOW = (1400, 1000)
GREEN = (0x4C, 0xAF, 0x50)  # .up, .online
RED = (0xE5, 0x39, 0x35)    # .down, .offline, client errors


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


class Collect(html.parser.HTMLParser):
    """Elements by tag with their attributes, and every <title> text."""

    def __init__(self):
        super().__init__()
        self.elems, self.titles, self._title = [], [], None

    def handle_starttag(self, tag, attrs):
        self.elems.append((tag, dict(attrs)))
        if tag == "title":
            self._title = ""

    def handle_endtag(self, tag):
        if tag == "title" and self._title is not None:
            self.titles.append(self._title)
            self._title = None

    def handle_data(self, data):
        if self._title is not None:
            self._title += data


def count(elems, tag, *classes):
    n = 0
    for t, a in elems:
        cls = (a.get("class") or "").split()
        if t == tag and all(c in cls for c in classes):
            n += 1
    return n


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA PNG, decoded with zlib."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + ln]
        if typ == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat += body
        pos += 12 + ln
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        fail(f"unexpected PNG format depth={depth} colour type={ctype} interlace={interlace}")
    bpp = 4 if ctype == 6 else 3
    raw, stride = zlib.decompress(idat), w * bpp
    prev, rows, off = bytearray(stride), [], 0
    for _ in range(h):
        ftype, line = raw[off], bytearray(raw[off + 1:off + 1 + stride])
        off += 1 + stride
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif ftype == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def colour_stats(path):
    w, h, bpp, rows = png_pixels(path)
    colours, green, red = set(), 0, 0
    for r in rows:
        for x in range(0, w * bpp, bpp):
            px = (r[x], r[x + 1], r[x + 2])
            colours.add(px)
            green += px == GREEN
            red += px == RED
    return w, h, len(colours), green, red


def screenshot(chromium, tmp, url, name):
    shot = os.path.join(tmp, name)
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--user-data-dir=" + os.path.join(tmp, "prof"), "--screenshot=" + shot,
           "--window-size=%d,%d" % WINDOW, url]
    env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=tmp, XDG_CACHE_HOME=tmp)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=CHROMIUM_TIMEOUT_S, env=env)
    if not os.path.exists(shot):
        fail("chromium wrote no screenshot:\n" + p.stdout.decode(errors="replace")[-2000:])
    return shot


def check_page(page, scenario_text):
    text = open(page, encoding="utf-8").read()
    m = re.search(r"<svg[^>]*id=\"timeline\".*?</svg>", text, re.S)
    if not m:
        fail("no <svg id=timeline> in the page")
    svg = ET.fromstring(m.group(0))  # well-formed XML: every text escaped
    if len(list(svg.iter())) < 50:
        fail("the timeline SVG is nearly empty")
    c = Collect()
    c.feed(m.group(0))
    e = c.elems
    want = {
        "link rects": count(e, "rect", "link"), "link down": count(e, "rect", "link", "down"),
        "site rects": count(e, "rect", "site"), "status rects": count(e, "rect", "status"),
        "status offline": count(e, "rect", "status", "offline"), "push rects": count(e, "rect", "push"),
        "entries lines": count(e, "polyline", "entries"), "error bars": count(e, "rect", "error"),
        "steps": count(e, "g", "step"), "checks passed": count(e, "g", "check", "pass"),
        "events": count(e, "line", "ev"), "axis ticks": count(e, "text", "tick"),
    }
    for k, v in want.items():
        if v <= 0:
            fail(f"no {k} in the timeline ({want})")
    steps = len(re.findall(r"^\s*on [\w.-]+:", scenario_text, re.M))
    if want["steps"] != steps:
        fail(f"{want['steps']} step markers for {steps} steps in the scenario")
    if count(e, "g", "step", "fail") or count(e, "g", "check", "fail"):
        fail("a step or check is marked failed in a passing run")
    if not any("site push-site-state --all-caches --site=site-b" in t for t in c.titles):
        fail("no step marker's title carries its command line")
    if 'id="verdict" class="v-pass">pass<' not in text or "--seed 1" not in text:
        fail("the header lacks the verdict or the replay command line")
    print("page: " + ", ".join(f"{k} {v}" for k, v in want.items()))


def check_escaping(xsim, scenario_text, tmp):
    """A description with markup must come out as text."""
    evil = scenario_text.replace("name ch11-recover-passive", "name esc-test", 1)
    evil = evil.replace("description ", "description <b>bold</b> & \"q\" 'a' ", 1)
    path = os.path.join(tmp, "esc.xsim")
    open(path, "w").write(evil)
    out = os.path.join(tmp, "esc")
    subprocess.run([xsim, "run", "--report", out, path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120)
    page = open(os.path.join(out, "esc-seed1.html"), encoding="utf-8").read()
    if "<b>bold</b>" in page or "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;q&quot; &#39;a&#39;" not in page:
        fail("the description was not escaped")


def main():
    xsim, scenario = sys.argv[1], sys.argv[2]
    scenario_text = open(scenario).read()
    with tempfile.TemporaryDirectory(prefix="xsim-report-") as tmp:
        out = os.path.join(tmp, "report")
        p = subprocess.run([xsim, "run", "--report", out, scenario], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        if p.returncode != 0:
            fail("xsim run --report exited %d:\n%s" % (p.returncode, p.stdout.decode(errors="replace")))
        page = os.path.join(out, "ch11-recover-passive-seed1.html")
        index = open(os.path.join(out, "index.html"), encoding="utf-8").read()
        if 'href="ch11-recover-passive-seed1.html"' not in index or ">pass<" not in index:
            fail("index.html does not link the page with its verdict")
        check_page(page, scenario_text)
        check_escaping(xsim, scenario_text, tmp)

        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not chromium:
            print("SKIP: chromium is not installed (Debian package 'chromium'; ./run installs it)")
            sys.exit(SKIP)
        empty = os.path.join(tmp, "empty.html")
        open(empty, "w").write("<!DOCTYPE html><html><body></body></html>\n")
        blank = screenshot(chromium, tmp, "file://" + empty, "blank.png")
        shot = screenshot(chromium, tmp, "file://" + os.path.abspath(page), "shot.png")
        w, h, ncol, green, red = colour_stats(shot)
        bw, bh, bcol, _, _ = colour_stats(blank)
        size, bsize = os.path.getsize(shot), os.path.getsize(blank)
        print(f"screenshot {w}x{h}, {size} bytes, {ncol} colours, {green} link-up/online green pixels, "
              f"{red} down/offline/error red pixels; blank page {bw}x{bh}, {bsize} bytes, {bcol} colours")
        if (w, h) != WINDOW:
            fail(f"screenshot is {w}x{h}, not {WINDOW}")
        if size <= 4 * bsize or ncol < 20 or bcol > 2:
            fail("the screenshot looks like a blank page")
        if green < 20000 or red < 5000:  # the bands: some 17 rows x ~1000 px, a third of them red
            fail("the timeline's bands are not in the screenshot")
    print("ok")


if __name__ == "__main__":
    main()
