"""The README's Python examples run as written (the front door never drifts from the API).

Every ```python block of README.md is run, in order, as one script from the repository root
(later blocks use names earlier ones made), in a fresh interpreter.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_shared

ROOT = Path(__file__).resolve().parents[1]


def _python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_readme_has_python_examples() -> None:
    assert len(_python_blocks()) >= 5


@pytest.mark.slow
def test_readme_python_examples_run(tmp_path: Path) -> None:
    require_shared("polis", "vtaiwan.uberx")
    script = "\n\n".join(
        f"# --- README block {i}\n{block}" for i, block in enumerate(_python_blocks(), 1)
    )
    path = tmp_path / "readme_examples.py"
    path.write_text(script, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
