"""``python -m benchmarks [--quick] [--no-write] [--reps N] [--only TEXT]``."""

import sys

from .runner import main

sys.exit(main())
