FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY service ./service
COPY chemistry ./chemistry
COPY alerts ./alerts
COPY migrations ./migrations
RUN pip install --no-cache-dir -e .
RUN useradd --system --home /app varsel
USER varsel
EXPOSE 8000
CMD ["varsel", "serve", "--host", "0.0.0.0", "--port", "8000"]
