import sys

from coprod_analytics.cli import main

sys.exit(main())
