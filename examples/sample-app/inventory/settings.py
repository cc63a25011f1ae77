"""Settings for the inventory service.

PLANTED PROBLEM (demo): credentials committed in source. These values are fake, in the real formats.
"""

ANTHROPIC_API_KEY = "sk-ant-api03-PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA_2O76UMFxFkM_R5Kjp1vRt-1fjORS_6ilI8ihN5KXSc7Tvo_hBKqFYAA"

AWS_ACCESS_KEY_ID = "AKIAZ7FK4ZRI3R2WYOJF"
AWS_SECRET_ACCESS_KEY = "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"

DATABASE_URL = "postgres://inventory:Zq7vR2mXw9Lp4tKd@db.internal:5432/inventory"
PAGE_SIZE = 50
