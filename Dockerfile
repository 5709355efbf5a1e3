# Sprechzeit: one image for web, worker and beat (docker-compose.yml runs all three).
# Not built on the machine it was written on (no Docker engine there); see README.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var \
    PORT=8000 \
    WEB_HOST=0.0.0.0

RUN useradd --system --user-group --home-dir /app --no-create-home sprechzeit
WORKDIR /app

# Dependencies first, so a code change does not reinstall them. polib (pinned in
# requirements-dev.txt) compiles the translation catalogs below.
COPY requirements.txt requirements-dev.txt ./
RUN pip install -r requirements.txt "$(grep '^polib==' requirements-dev.txt)"

COPY . .
# Compiled catalogs and collected static files (hashed names, compressed) are part of the
# image; collectstatic only needs production settings to load, not real secrets.
RUN python scripts/catalogs.py compile \
    && DJANGO_ENV=production SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost SITE_URL=https://localhost \
       python manage.py collectstatic --noinput \
    && mkdir -p /app/var \
    && chown sprechzeit:sprechzeit /app/var

# gunicorn listens on every interface of the container (WEB_HOST above; its default is
# loopback): the container's network is reached only through the published port, which
# docker-compose.yml publishes on the host's loopback for the TLS proxy there. The proxy's
# connections then come from the Docker network's gateway: name it in TRUSTED_PROXIES.
USER sprechzeit
ENV DJANGO_ENV=production
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
