"""``tiaocan note STUDY [--trial N] [TEXT]``: write (or show) a note on a study or trial."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("note", parents=[common], help="write or show a note on a study or trial")
    p.add_argument("--trial", type=int, default=None, help="note this trial number instead")
    p.add_argument("study")
    # REMAINDER: argparse (3.11) cannot place an optional positional after an option
    # (`note S --trial 2 TEXT`), so the words after STUDY are read here, --trial included.
    p.add_argument("text", nargs=argparse.REMAINDER, help="the note (omit it to show the note)")
    p.set_defaults(func=cmd_note)


def _split(words: list[str], trial: int | None) -> tuple[str | None, int | None]:
    from tiaocan.errors import ConfigError

    words = list(words)
    if "--trial" in words:
        i = words.index("--trial")
        try:
            trial = int(words[i + 1])
        except (IndexError, ValueError):
            raise ConfigError(f"--trial needs a trial number, received {words[i + 1:i + 2]}") from None
        del words[i:i + 2]
    if "--storage" in words:
        raise ConfigError("put --storage before the study name")
    return (" ".join(words) if words else None), trial


def cmd_note(args: argparse.Namespace) -> int:
    from tiaocan.study import load_study
    from tiaocan.tracking.notes import get_note, set_note

    text, trial = _split(args.text, args.trial)
    from tiaocan.storage import get_storage

    study = load_study(args.study, storage=get_storage(args.storage, must_exist=True))
    where = f"trial {trial} of {study.name}" if trial is not None else study.name
    if text is None:
        if trial is not None and not 0 <= trial < len(study.trials):
            set_note(study, "", trial)  # raises the ConfigError naming the valid range
        print(get_note(study, trial) or f"(no note on {where})")
        return 0
    set_note(study, text, trial)
    print(f"noted on {where}")
    return 0
