# Production image of 督察整改台账: gunicorn serves the site, WhiteNoise its static files;
# the same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/var/lib/ducha \
    MEDIA_ROOT=/var/lib/ducha/media \
    STATIC_ROOT=/app/staticfiles \
    DEBUG=0

# gettext compiles the project's translation catalogs at build time (msgfmt); pango and a CJK
# font let WeasyPrint print the PDF documents (督办函, 通报, 销号审批表 …) in Chinese;
# postgresql-client gives `manage.py backup` / `restore` their pg_dump and pg_restore.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 \
        fonts-wqy-microhei postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 ducha \
    && useradd --system --uid 1000 --gid ducha --home-dir /app --shell /usr/sbin/nologin ducha

WORKDIR /app

# Dependencies first: a code change then rebuilds from here without reinstalling them.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .

# Static files are collected into the image (outside the data volume, so a new image always
# brings its own). The key is a throwaway: collectstatic needs settings, not secrets.
RUN SECRET_KEY=build-only-not-a-secret-collectstatic-0123456789abcdefghij \
        ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
    && if [ -d locale ]; then \
        SECRET_KEY=build-only-not-a-secret-collectstatic-0123456789abcdefghij \
        python manage.py compilemessages; \
    fi \
    && mkdir -p /var/lib/ducha/media /var/lib/ducha/celery /var/lib/ducha/backups \
    && chown -R ducha:ducha /var/lib/ducha

USER ducha
EXPOSE 8000
VOLUME ["/var/lib/ducha"]

ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
