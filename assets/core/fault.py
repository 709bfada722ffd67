"""ATELIER_FAULT: kill (or pause) this process at a named point, to test that runs survive a kill.

    ATELIER_FAULT="<point>[:<match>][#<n>][=kill|=sleep<seconds>]"   (several: comma-separated)

Points:
  start    a stage's staging area has been taken (lease held, nothing written yet); `match` is
           tested against the stage name (`raw`, `cleaned`, `tokenized`, `checkpoints`, ...)
  commit   an atomic write has landed; `match` is tested against the file's URL, e.g.
           `commit:_resume/checkpoints/curated/trainer.pt#2` fires at the second training checkpoint
  publish  one unit of a passing artifact has been moved into place, the others not yet;
           `match` is tested against the unit (`cleaned/corpus`, `checkpoints/curated`, ...)

`#n` fires at the n-th matching event in this process (default 1). `=kill` (the default) sends
SIGKILL to this process, as the OOM killer or a lost node would: no handler, no cleanup, no
`finally`. `=sleep30` pauses 30 s instead (to hold a run in place, e.g. while a second is launched).
Unset, `point()` costs one environment lookup.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time

POINTS = ("start", "commit", "publish")
_SPEC = re.compile(r"^(?P<point>[a-z]+)(?::(?P<match>[^#=]*))?(?:#(?P<n>\d+))?(?:=(?P<action>kill|sleep\d+(?:\.\d+)?))?$")
_seen: dict[str, int] = {}


def point(name: str, where: str) -> None:
    spec = os.environ.get("ATELIER_FAULT")
    if not spec:
        return
    for item in (part.strip() for part in spec.split(",") if part.strip()):
        parsed = _SPEC.match(item)
        if not parsed or parsed["point"] not in POINTS:
            raise ValueError(
                f"ATELIER_FAULT: cannot read {item!r}: expected <point>[:<match>][#<n>][=kill|=sleep<seconds>] "
                f"with <point> one of {', '.join(POINTS)}"
            )
        if parsed["point"] != name or (parsed["match"] and parsed["match"] not in where):
            continue
        _seen[item] = _seen.get(item, 0) + 1
        if _seen[item] != int(parsed["n"] or 1):
            continue
        action = parsed["action"] or "kill"
        print(f"ATELIER_FAULT {item}: {action} at {name} {where} (pid {os.getpid()})", file=sys.stderr, flush=True)
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(float(action[len("sleep"):]))
