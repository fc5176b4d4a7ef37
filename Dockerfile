# ScraperSky email scanner: gunicorn serving the app; the same image runs `flask worker`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GUNICORN_BIND=0.0.0.0:8000

WORKDIR /app

RUN groupadd --system scrapersky \
    && useradd --system --gid scrapersky --home-dir /app --shell /usr/sbin/nologin scrapersky

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=scrapersky:scrapersky . .
RUN mkdir -p instance && chown scrapersky:scrapersky instance

USER scrapersky
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

# Apply migrations, then serve; the designated gunicorn worker runs the scheduler.
CMD ["sh", "-c", "flask --app app db upgrade && exec gunicorn -c gunicorn.conf.py app:app"]
