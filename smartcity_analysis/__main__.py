"""Allow ``python -m smartcity_analysis``."""

from smartcity_analysis.cli import main

raise SystemExit(main())
