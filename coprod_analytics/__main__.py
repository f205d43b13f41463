"""python -m coprod_analytics runs the coprod command."""

import sys

from coprod_analytics.cli import main

sys.exit(main())
