# One image for every Tinko process: web (gunicorn), worker and beat differ in command only.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=tinko.settings.production \
    TINKO_ENV=production

WORKDIR /app
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin tinko

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings, not secrets: a throwaway key that exists only in this layer's command.
RUN SECRET_KEY="collectstatic-only-$(python -c 'import secrets; print(secrets.token_hex(32))')" \
    GATEWAY_ENCRYPTION_KEYS="$(python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
    MFA_ENCRYPTION_KEYS="$(python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var \
    && chown -R tinko:tinko /app/var

USER tinko
EXPOSE 8000
CMD ["gunicorn", "tinko.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "4", "--access-logfile", "-"]
