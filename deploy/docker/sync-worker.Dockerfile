# sync-worker image: the shared package plus this one service (no other service code) and the `crm`
# operator command. Runtime dependencies only (requirements-runtime.txt: no test tools).
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements-runtime.txt /app/requirements-runtime.txt
RUN pip install -r /app/requirements-runtime.txt
COPY shared /app/shared
COPY services/sync-worker /app/services/sync-worker
RUN pip install --no-deps /app/shared /app/services/sync-worker
RUN useradd --system --uid 10001 crm
USER crm
CMD ["python", "-m", "crm_sync", "worker"]
