"""Settings for the inventory service: credentials come from the environment (see .env.example)."""

import os

ANTHROPIC_API_KEY = os.environ.get("ANTHROPIC_API_KEY", "")

AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID", "")
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY", "")

DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///inventory.db")
PAGE_SIZE = 50
