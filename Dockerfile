# The callcenter server, as a non-root user, with every dependency at the version in constraints.txt.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# A system user with no login shell and no home of its own: it owns only /data.
RUN groupadd --system --gid 10001 callcenter \
    && useradd --system --uid 10001 --gid callcenter --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin callcenter

WORKDIR /app
COPY constraints.txt pyproject.toml README.md ./
COPY callcenter ./callcenter
COPY ivr_flows ./ivr_flows
COPY knowledge_base ./knowledge_base
COPY agent_ui ./agent_ui
# Editable so the bundled flows and knowledge base are found beside the code (config.PROJECT_ROOT).
RUN pip install -c constraints.txt -e . \
    && mkdir -p /data && chown callcenter:callcenter /data && chmod 0700 /data

ENV CALLCENTER_HOST=0.0.0.0 CALLCENTER_PORT=8080 CALLCENTER_DATA_DIR=/data
USER callcenter:callcenter
EXPOSE 8080
# Listening on 0.0.0.0 makes this a production server: it refuses to start without
# CALLCENTER_PUBLIC_URL and real Twilio credentials (docs/operations.md, "Production checklist").
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
CMD ["callcenter", "serve"]
