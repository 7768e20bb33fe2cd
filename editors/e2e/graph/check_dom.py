"""Checks the DOM Chromium rendered from `toolcheck graph --format html` on corpus/example.

Reads the DOM Chromium serialised after running the page (`--dump-dom`), so what is checked
is what a browser built: the page's inline script ran offline (it marks the root element
`data-ready`), the matrix table has one row per target platform with the Linux pick, the
catch-all hazard is marked in every row, and the catch-all's own row carries its finding.
Exits non-zero with the reason on the first failure.
"""

import sys
from html.parser import HTMLParser

ROWS = ["//platforms:linux_x86_64", "//platforms:macos_arm64", "@platforms//host:host"]
PICK = "//toolchains:frob_linux_x86_64 on //platforms:linux_x86_64"
ELSEWHERE = "//toolchains:frob_unavailable on //platforms:macos_arm64, @platforms//host:host"


class Dom(HTMLParser):
    """Collects the matrix cells by row, the toolchain findings rows, and the root's attributes."""

    def __init__(self):
        super().__init__()
        self.root = {}
        self.stack = []  # (tag, attrs) of open elements
        self.matrix_rows = []  # [(row header text, [(td attrs, td text)])]
        self.findings = {}  # toolchain label -> text
        self.in_matrix = False
        self.text_sinks = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.root = a
        if tag == "table" and a.get("id") == "matrix":
            self.in_matrix = True
        if self.in_matrix and tag == "tr":
            self.matrix_rows.append(["", []])
        if self.in_matrix and tag == "th" and a.get("scope") == "row":
            self.text_sinks.append(("row", None))
        if self.in_matrix and tag == "td":
            self.matrix_rows[-1][1].append([a, ""])
            self.text_sinks.append(("td", None))
        if tag == "tr" and "data-findings-for" in a:
            self.text_sinks.append(("findings", a["data-findings-for"]))
            self.findings[a["data-findings-for"]] = ""
        if tag not in ("br", "meta", "input"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        if tag == "table" and self.in_matrix:
            self.in_matrix = False
        if self.text_sinks and (
            (tag == "th" and self.text_sinks[-1][0] == "row")
            or (tag == "td" and self.text_sinks[-1][0] == "td")
            or (tag == "tr" and self.text_sinks[-1][0] == "findings")
        ):
            self.text_sinks.pop()

    def handle_data(self, data):
        for kind, key in self.text_sinks:
            if kind == "row":
                self.matrix_rows[-1][0] += data
            elif kind == "td":
                self.matrix_rows[-1][1][-1][1] += data
            elif kind == "findings":
                self.findings[key] += data


def fail(why):
    print(f"graph DOM check failed: {why}", file=sys.stderr)
    sys.exit(1)


def main(path):
    dom = Dom()
    with open(path, encoding="utf-8") as f:
        dom.feed(f.read())
    if dom.root.get("data-ready") != "1":
        fail("the page's inline script did not run (no data-ready on <html>)")
    rows = [r for r in dom.matrix_rows if r[0]]
    if [r[0] for r in rows] != ROWS:
        fail(f"matrix rows are {[r[0] for r in rows]}, expected {ROWS}")
    for header, cells in rows:
        if len(cells) != 1:
            fail(f"{header}: {len(cells)} cells, expected 1 (one toolchain type)")
        attrs, text = cells[0]
        if PICK not in text:
            fail(f"{header}: cell says {text!r}, expected {PICK!r}")
        if attrs.get("data-state") != "hazard elsewhere" or "shadowed-toolchain" not in attrs.get("data-hazards", ""):
            fail(f"{header}: the catch-all hazard is not marked: {attrs}")
        if ELSEWHERE not in text or "⚠" not in text:
            fail(f"{header}: the catch-all is not named in the cell: {text!r}")
    catch_all = dom.findings.get("//toolchains:frob_unavailable", "")
    if "shadowed-toolchain" not in catch_all or "as the cause" not in catch_all:
        fail(f"the catch-all's findings row is {catch_all!r}")
    print(f"graph DOM check: {len(rows)} matrix rows, catch-all hazard marked in each")


if __name__ == "__main__":
    main(sys.argv[1])
