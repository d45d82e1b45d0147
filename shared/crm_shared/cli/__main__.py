"""`python -m crm_shared.cli` (the same as the `crm` console script)."""

import sys

from crm_shared.cli import main

sys.exit(main())
