"""`python -m loaders` is the `mtm` command."""

import sys

from loaders.cli import main

sys.exit(main())
