"""What every benchmark needs: the project on the import path and settings that keep the
database in a fresh folder, so a benchmark leaves the project alone."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.settings import Settings


def bench_settings() -> Settings:
    return Settings.from_env({}, data_dir=Path(tempfile.mkdtemp()))
