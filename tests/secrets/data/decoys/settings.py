"""Settings read from the environment: nothing secret is stored here."""
import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": os.getenv("DB_PASSWORD", ""),
                         "HOST": os.getenv("DB_HOST", "localhost")}}
ANTHROPIC_API_KEY = os.environ.get("ANTHROPIC_API_KEY")
STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY", "sk_test_4eC39HqLyjWDarjtT1zdp7dc")  # Stripe's public docs key
AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
PASSWORD_RESET_TIMEOUT = 259200
TOKEN_EXPIRY_SECONDS = 3600
password_field = "password"
token_type = "bearer"
api_key_header = "X-API-Key"
secret_name = "prod/payments/stripe"
CSRF_COOKIE_NAME = "csrftoken"
headers = {"Authorization": f"Bearer {os.environ['API_TOKEN']}"}
auth = {"Authorization": "Bearer " + token}
url = f"postgres://{user}:{password}@{host}:5432/{db}"
conn = "mysql://%s:%s@%s/%s" % (user, password, host, db)
EXAMPLE = "mongodb://<username>:<password>@cluster0.mongodb.net/test"
PROXY = "http://user:pass@proxy.example.com:3128"
GIT_SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
REQUEST_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
