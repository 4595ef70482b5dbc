"""The core never imports a user interface (import-linter contracts in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken" in result.stdout


def test_core_imports_without_textual_loaded() -> None:
    code = (
        "import sys, lrs_core.services, lrs_core.db.models, lrs_core.domain.values;"
        "assert 'textual' not in sys.modules, 'lrs_core pulled in textual'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
