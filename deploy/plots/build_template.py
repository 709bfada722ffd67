"""Build `template.html`, the page `dvc plots show --html-template` fills, with vega inlined.

DVC's default page loads vega, vega-lite and vega-embed from a CDN, so it renders blank where
CDNs are blocked (house data platforms often do). This inlines the three scripts, pinned in
`package.json` / `package-lock.json`, from the npm packages:

    npm ci --prefix deploy/plots --ignore-scripts
    python deploy/plots/build_template.py          # writes deploy/plots/template.html

dvc_render fills `{plot_divs}` (and `{refresh_tag}`); the template has no `{scripts}`
placeholder, which is where DVC would otherwise add its CDN tags.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [("vega", "build/vega.min.js"), ("vega-lite", "build/vega-lite.min.js"), ("vega-embed", "build/vega-embed.min.js")]
PLACEHOLDERS = ("{plot_divs}", "{refresh_tag}", "{scripts}")

PAGE = """<!DOCTYPE html>
<html>
<head>
    <meta charset="utf-8">
    {refresh_tag}
    <title>Atelier plots</title>
%(scripts)s
    <style>
        body { font-family: sans-serif; }
        table { border-spacing: 15px; }
    </style>
</head>
<body>
    {plot_divs}
</body>
</html>
"""


def build(node_modules: Path) -> str:
    tags = []
    for package, rel in SCRIPTS:
        version = json.loads((node_modules / package / "package.json").read_text())["version"]
        code = (node_modules / package / rel).read_text()
        for placeholder in PLACEHOLDERS:
            if placeholder in code:  # dvc_render would substitute inside the script
                raise ValueError(f"{package} {version} contains {placeholder!r}: it cannot be inlined as is")
        code = code.replace("</script", "<\\/script")
        tags.append(f"    <!-- {package} {version} (npm), inlined -->\n    <script>{code}</script>")
    return PAGE % {"scripts": "\n".join(tags)}


def main(argv: list[str]) -> int:
    node_modules = Path(argv[0]) if argv else HERE / "node_modules"
    if not (node_modules / "vega").is_dir():
        print(f"no {node_modules / 'vega'}: run `npm ci --prefix {HERE} --ignore-scripts` first", file=sys.stderr)
        return 1
    out = HERE / "template.html"
    out.write_text(build(node_modules))
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
