"""`python -m ssbonto.cli`: the same as the `ssbonto` command."""

import sys

from . import main

sys.exit(main())
