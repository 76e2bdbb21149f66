# Ojo de Agua's web service: Gunicorn serving Django; WhiteNoise serves the static files.
# Build: docker build -t ojodeagua .   Run it with compose.yaml, or see README "Running in production".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OJODEAGUA_VAR_DIR=/var/lib/ojodeagua \
    STATIC_ROOT=/app/static \
    PORT=8000

# WeasyPrint draws the printables with the system's Pango; the printables name DejaVu fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src

# The translations are compiled before the package is installed (the .mo files are build
# output, not in the repository), so the installed package carries them. The static files are
# collected with their hashed names and gzip copies; collectstatic needs a SECRET_KEY to load
# the settings, and this one is used for nothing else.
RUN pip install "Babel>=2.16,<3" \
    && pybabel compile --domain django --directory src/ojodeagua/locale \
    && pip install . \
    && rm -rf src \
    && SECRET_KEY=only-to-collect-static-files ojodeagua collectstatic --noinput -v 0

# Runs as a user of its own; only the var directory (uploads, or a SQLite database) is writable.
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin ojodeagua \
    && mkdir -p "$OJODEAGUA_VAR_DIR/media" \
    && chown -R ojodeagua "$OJODEAGUA_VAR_DIR"
USER ojodeagua
VOLUME ["/var/lib/ojodeagua"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/' % os.environ.get('PORT', '8000'), timeout=4)"

# A command, not an entry point, so `docker compose run --rm web ojodeagua migrate` works.
CMD ["gunicorn", "-c", "python:ojodeagua.gunicorn_conf", "ojodeagua.wsgi"]
