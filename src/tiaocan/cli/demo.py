"""``tiaocan demo``: the main job, end to end, on data that ships with the packages.

``--dataset bbc`` (default) tunes text classifiers on BBC News headlines and lead paragraphs
(``bbc-articles``: on the full articles); ``--dataset digits`` tunes
image classifiers on scikit-learn's 8×8 digits. Both inspect, clean/prepare, tune with
Hyperband/BOHB and 5-fold CV, ensemble, and compare with untuned baselines on held-out data.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from tiaocan.cli import positive_float, positive_int

    p = sub.add_parser("demo", parents=[common], help="tune a real model on a bundled dataset")
    p.add_argument("--dataset", default="bbc", choices=["bbc", "bbc-articles", "digits"],
                   help="bbc: BBC News headline + lead paragraph (default); bbc-articles: the "
                        "full articles; digits: 8x8 images")
    p.add_argument("--timeout", type=positive_float, default=150.0,
                   help="seconds of tuning (default 150; the whole demo takes under 5 minutes)")
    p.add_argument("--n-trials", type=positive_int, default=None, help="stop after this many trials")
    p.add_argument("--n-workers", type=positive_int, default=2)
    p.add_argument("--max-epochs", type=positive_int, default=None,
                   help="the epoch fidelity's maximum (default 9)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from tiaocan.errors import require

    require("torch", "torch", "the demo")
    require("sklearn", "sklearn", "the demo")
    options: dict[str, Any] = {"seed": args.seed, "n_workers": args.n_workers,
                               "timeout": args.timeout, "n_trials": args.n_trials}
    if args.max_epochs is not None:
        options["max_epochs"] = args.max_epochs
    if args.dataset == "digits":
        from tiaocan.demos.images import run_image_demo

        run_image_demo(args.storage, **options)
    else:
        from tiaocan.demos.text import run_text_demo

        view = "article" if args.dataset == "bbc-articles" else "lead"
        run_text_demo(args.storage, view=view, **options)
    return 0
