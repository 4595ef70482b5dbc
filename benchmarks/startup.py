"""Time from process start to LRS Desk's sign-in screen being on screen.

    .venv/bin/python benchmarks/startup.py --runs 5

Each run starts a fresh interpreter (as `lrs-desk` would), which configures, checks the
schema of the embedded database and runs the app headless until the sign-in screen has
mounted, then reports the wall-clock time since the process was launched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = """
import sys, time
from lrs_core.config import load_settings
from lrs_core.db.database import Database
from lrs_core.services import Services
from lrs_tui.app import LrsDeskApp
from lrs_tui.screens.sign_in import SignInScreen

settings = load_settings()
db = Database(settings.database_url)
db.require_current_schema()
app = LrsDeskApp(Services(db, settings))

async def auto_pilot(pilot):
    while not isinstance(app.screen, SignInScreen) or not app.screen.is_mounted:
        await pilot.pause(0.001)
    await pilot.pause()
    print(time.time())
    app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=auto_pilot)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "LRS_DATA_DIR": data_dir}
        env.pop("LRS_DATABASE_URL", None)
        subprocess.run(
            [sys.executable, "-m", "lrs_cli", "db", "upgrade", "--quiet"], env=env, check=True
        )
        times = []
        for _ in range(args.runs):
            started = time.time()
            out = subprocess.run(
                [sys.executable, "-c", CHILD], env=env, check=True, capture_output=True, text=True
            ).stdout
            times.append(float(out.strip().splitlines()[-1]) - started)
    print(
        f"start to sign-in screen over {args.runs} runs: "
        f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, "
        f"max {max(times):.2f} s"
    )


if __name__ == "__main__":
    main()
