"""Build `vendor/`: the scripts, styles and fonts Great Expectations' Data Docs load from CDNs.

GX 1.24 writes pages whose `<script>`/`<link>` tags point at jsdelivr, unpkg, cdnjs and friends;
where CDNs are blocked the pages render unstyled and their tables list nothing (bootstrap-table
draws them). `orchestration/gx.py` copies `vendor/` into the Data Docs site and points every such
tag at the local copy (`URLS` below, written to `vendor/urls.json`). The files come from the npm
packages pinned in `package.json` / `package-lock.json`:

    npm ci --prefix deploy/datadocs --ignore-scripts
    python deploy/datadocs/build_vendor.py         # rewrites deploy/datadocs/vendor/
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "vendor"

# CDN URL as GX writes it -> file in node_modules (a pinned version of the same package).
URLS = {
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "@fortawesome/fontawesome-free/css/all.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js/dist/umd/popper.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/dist/js/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
}
# Loaded by a stylesheet above through a relative URL (Font Awesome's icons).
ALSO = ["@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2", "@fortawesome/fontawesome-free/webfonts/fa-regular-400.woff2"]


def main(argv: list[str]) -> int:
    node_modules = Path(argv[0]) if argv else HERE / "node_modules"
    if not (node_modules / "jquery").is_dir():
        print(f"no {node_modules / 'jquery'}: run `npm ci --prefix {HERE} --ignore-scripts` first", file=sys.stderr)
        return 1
    shutil.rmtree(VENDOR, ignore_errors=True)
    for rel in sorted(set(URLS.values()) | set(ALSO)):
        target = VENDOR / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(node_modules / rel, target)
    (VENDOR / "urls.json").write_text(json.dumps(URLS, indent=1, sort_keys=True) + "\n")
    size = sum(p.stat().st_size for p in VENDOR.rglob("*") if p.is_file())
    print(f"wrote {VENDOR} ({size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
