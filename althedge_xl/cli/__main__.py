"""``python -m althedge_xl.cli``: the same as the ``althedge`` command."""

import sys

from althedge_xl.cli import main

sys.exit(main())
