"""Writes a page that renders a Mermaid file with a local copy of mermaid, for headless Chromium.

Usage: mermaid_page.py DIAGRAM.mmd path/to/mermaid.min.js OUT.html

The page puts the result on <body data-result="ok"> (or "error: ...", Mermaid's parse error)
and the SVG into #out, so `chromium --dump-dom` shows whether Mermaid accepted the diagram
and what it drew. Everything is loaded from files: nothing is fetched.
"""

import json
import pathlib
import sys


def main(diagram, mermaid_js, out):
    src = pathlib.Path(diagram).read_text(encoding="utf-8")
    script = pathlib.Path(mermaid_js).resolve().as_uri()
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><script src="{script}"></script></head>
<body><div id="out"></div>
<script>
mermaid.initialize({{ startOnLoad: false }});
mermaid.render('graph', {json.dumps(src)}).then(function (r) {{
  document.getElementById('out').innerHTML = r.svg;
  document.body.dataset.result = 'ok';
}}).catch(function (e) {{
  document.body.dataset.result = 'error: ' + ((e && e.message) || e);
}});
</script>
</body></html>
"""
    pathlib.Path(out).write_text(page, encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:4])
