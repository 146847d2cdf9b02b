"""Suite-wide test settings (owned by the lead; area fixtures live in the area's own helper modules).

- Matplotlib draws off-screen.
- Computed results (index builds, robustness, explanation) are cached in a per-session temporary
  directory, so tests never read or pollute the developer's ``.cache/``.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("SMARTCITY_CACHE_DIR", tempfile.mkdtemp(prefix="smartcity-test-cache-"))
