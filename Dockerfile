# One image for the bot server, its workers and the simulator.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY integrations ./integrations
COPY data ./data
COPY migrations ./migrations
COPY alembic.ini ./
RUN pip install --no-cache-dir -e .
EXPOSE 8080
CMD ["tamin-bot", "serve", "--host", "0.0.0.0", "--port", "8080"]
