"""Every ```python block of README.md and docs/*.md runs as written.

Each block runs alone, in a fresh Python process whose working directory is a fresh empty
folder (so ``sqlite:///tiaocan.db`` is created there), exactly as a reader pasting it would
run it, with one change to keep the suite short: a literal ``n_trials=N`` with N above
``MAX_TRIALS`` becomes ``n_trials=MAX_TRIALS``. A block that is not meant to run (a fragment
that continues the one above, a sketch needing a GPU) is preceded by the HTML comment
``<!-- not-run: why -->`` on the line above its fence; use it sparingly.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_TRIALS = 4
_FENCE = re.compile(r"^```python[ \t]*$\n(.*?)^```[ \t]*$", re.M | re.S)
_NOT_RUN = re.compile(r"<!--\s*not-run:\s*\S.*?-->\s*$")
_N_TRIALS = re.compile(r"\bn_trials\s*=\s*(\d+)")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    code: str
    skip_reason: str | None

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def python_blocks(path: Path) -> list[Block]:
    """The ```python blocks of a Markdown file, with the line of each fence."""
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = _NOT_RUN.search(before)
        blocks.append(Block(path, line, match.group(1), marker.group(0) if marker else None))
    return blocks


def shortened(code: str) -> str:
    """``n_trials=N`` capped at ``MAX_TRIALS`` (the only change made to a block)."""
    return _N_TRIALS.sub(lambda m: f"n_trials={min(int(m.group(1)), MAX_TRIALS)}", code)


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


ALL_BLOCKS = [b for doc in documents() for b in python_blocks(doc)]
BLOCKS = [b for b in ALL_BLOCKS if b.skip_reason is None]  # not-run blocks are not collected


def test_the_documents_have_python_blocks() -> None:
    assert any(b.path.name == "README.md" for b in BLOCKS)


def test_block_extraction_and_the_trial_cap(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("intro\n```python\nprint(1)\n```\n<!-- not-run: needs a GPU -->\n"
                   "```python\nstudy.optimize(f, n_trials=50, n_workers=2)\n```\n"
                   "```bash\nmake demo\n```\n", encoding="utf-8")
    first, second = python_blocks(doc)
    assert (first.line, first.code, first.skip_reason) == (2, "print(1)\n", None)
    assert second.skip_reason is not None and "needs a GPU" in second.skip_reason
    assert shortened(second.code) == f"study.optimize(f, n_trials={MAX_TRIALS}, n_workers=2)\n"
    assert shortened("optimize(f, n_trials=3)") == "optimize(f, n_trials=3)"


@pytest.mark.slow  # each block imports its libraries afresh; the NAS one trains models
@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_block_runs_as_written(block: Block, tmp_path: Path) -> None:
    script = tmp_path / "block.py"
    script.write_text(shortened(block.code), encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}
    env.pop("PYTHONPATH", None)  # the installed package, as a reader has it
    # The timeout only keeps a hung block from hanging the suite.
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, (
        f"{block.id} fails as written (exit {result.returncode}):\n"
        f"{result.stderr[-4000:]}\n{result.stdout[-1000:]}")
