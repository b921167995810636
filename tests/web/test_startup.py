"""What starting the app costs: WeasyPrint is imported when a PDF is made, not with the app."""

from __future__ import annotations

import os
import subprocess
import sys

IMPORTED_AFTER_START = """
import sys, tempfile
from trdnav.settings import Settings
from trdnav.web.app import create_app
with tempfile.TemporaryDirectory() as folder:
    create_app(Settings(database_url=f"sqlite:///{folder}/trdnav.db")).state.engine.dispose()
print("weasyprint" in sys.modules)
"""


def test_starting_the_app_does_not_import_weasyprint() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED_AFTER_START],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.stdout.strip() == "False", done.stdout + done.stderr
