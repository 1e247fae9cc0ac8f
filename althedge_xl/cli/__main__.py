"""``python -m althedge_xl.cli``: the same as the ``althedge`` command."""

from althedge_xl.cli.entry import console_main

console_main()
