"""The shipped deployment settings: Streamlit's config.toml and the documented secrets."""

from __future__ import annotations

import re
import tomllib

from dashboard import PACKAGE_DIR

STREAMLIT_DIR = PACKAGE_DIR.parent / ".streamlit"


def test_config_has_the_production_settings() -> None:
    config = tomllib.loads((STREAMLIT_DIR / "config.toml").read_text(encoding="utf-8"))
    server = config["server"]
    assert server["enableStaticServing"] is True  # the map's scripts are served by the app
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True
    assert 1 <= server["maxUploadSize"] <= 50
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"
    assert "cookieSecret" not in server  # a secret: per deployment, never in git


def test_secrets_example_documents_every_key_and_parses_once_filled_in() -> None:
    text = (STREAMLIT_DIR / "secrets.toml.example").read_text(encoding="utf-8")
    assert tomllib.loads(text) == {}  # everything is commented out
    # Uncomment the settings (lines like "# key = ..." and "# [section]"), not the prose.
    filled = re.sub(r"(?m)^# (?=[A-Za-z_]+ = |\[)", "", text)
    secrets = tomllib.loads(filled)
    assert set(secrets) == {
        "DASHBOARD_DB_URL",
        "DASHBOARD_WEBHOOKS",
        "DASHBOARD_WEBHOOK_SECRET",
        "DASHBOARD_PUBLIC_URL",
        "upload_password",
        "analyst_emails",
        "trust_provider_emails",
        "auth",
    }
    assert set(secrets["auth"]) == {
        "redirect_uri",
        "cookie_secret",
        "client_id",
        "client_secret",
        "server_metadata_url",
        "microsoft",
    }
    assert secrets["auth"]["redirect_uri"].endswith("/oauth2callback")
