"""The core is pure: no module of it loads Streamlit, the store, SQL or the file-copying assets.

So every behaviour in it is testable with plain pytest, and a page, the CLI and a test all
compose it the same way (the app's glue passes in what it needs: asset URLs, an asset reader).
"""

from __future__ import annotations

import json
import subprocess
import sys

from dashboard import PACKAGE_DIR

FORBIDDEN = ("streamlit", "sqlalchemy", "dashboard.store", "dashboard.ui", "dashboard.assets")
CORE = sorted(p.stem for p in (PACKAGE_DIR / "core").glob("*.py") if p.stem != "__init__")


def loaded_by(modules: str) -> list[str]:
    """Forbidden modules that importing ``modules`` (``a, b``) in a fresh interpreter loads."""
    code = (
        f"import json, sys; import {modules}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r}))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_no_core_module_loads_the_app_the_store_or_sql() -> None:
    assert loaded_by(", ".join(f"dashboard.core.{name}" for name in CORE)) == []
