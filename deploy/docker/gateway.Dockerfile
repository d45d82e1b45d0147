# gateway image: the shared package plus this one service (no other service code), the built web console if
# any, and the `crm` operator command. Runtime dependencies only (requirements-runtime.txt: no test tools).
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements-runtime.txt /app/requirements-runtime.txt
RUN pip install -r /app/requirements-runtime.txt
COPY shared /app/shared
COPY services/gateway /app/services/gateway
RUN pip install --no-deps /app/shared /app/services/gateway
# The web console when it has been built (web/dist); the glob lets the build pass without it.
COPY deploy/docker/console/ web/dis[t] /app/console/
ENV CRM_CONSOLE_DIR=/app/console
RUN useradd --system --uid 10001 crm
USER crm
CMD ["python", "-m", "crm_gateway", "serve"]
