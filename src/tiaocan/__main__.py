"""``python -m tiaocan`` is the ``tiaocan`` command."""

import sys

from tiaocan.cli import main

sys.exit(main())
