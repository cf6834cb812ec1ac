"""``python -m addsim``: the command line."""

import sys

from addsim.population.cli import main

sys.exit(main())
