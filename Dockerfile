# Varsel's image: the locked runtime packages and the service, run as an unprivileged user.
#
# Build stage: a virtualenv at /opt/venv from requirements-runtime.lock (every package pinned with
# its hash; `make lock` writes it), then Varsel itself, editable, from /app. The final stage copies
# both to the same paths, so neither pip's cache nor build tooling reaches it.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
# The packages change less often than the code: their layer stays cached across code changes.
COPY requirements-runtime.lock /tmp/requirements-runtime.lock
RUN /opt/venv/bin/pip install --require-hashes -r /tmp/requirements-runtime.lock
WORKDIR /app
COPY pyproject.toml README.md LICENSE alembic.ini ./
COPY service ./service
COPY chemistry ./chemistry
COPY alerts ./alerts
COPY migrations ./migrations
# Editable: migrations/ and chemistry/data are read next to the packages (service/schema.py).
RUN /opt/venv/bin/pip install --no-deps -e . \
    && /opt/venv/bin/python -m compileall -q service chemistry alerts migrations

# The pages' browser assets (htmx, JSME, ReDoc) from npm, at the versions of the lock file; only
# the copied static/vendor reaches the final image, not node or node_modules.
FROM node:20-slim AS web
WORKDIR /web
COPY service/web/package.json service/web/package-lock.json service/web/vendor.mjs ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run --silent vendor

FROM python:3.11-slim
# RDKit's wheel bundles cairo for depictions (members.svg) but links the system's X11 render
# libraries, which the slim image lacks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libxrender1 libxext6 libx11-6 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 varsel \
    && useradd --system --uid 10001 --gid varsel --home-dir /app --no-create-home varsel
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY --from=web /web/static/vendor /app/service/web/static/vendor
WORKDIR /app
# The default database (VARSEL_DATABASE_URL=sqlite:///./var/varsel.db) lives in /app/var: the only
# place the service writes, owned by its user; the code stays root's and read-only.
RUN mkdir -p /app/var && chown varsel:varsel /app/var && chmod 0750 /app/var
VOLUME ["/app/var"]
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
EXPOSE 8000
# The API's readiness (slim has no curl). The worker runs from this image too; docker-compose.yml
# gives it its own check.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
CMD ["varsel", "serve", "--host", "0.0.0.0", "--port", "8000"]
