# gateway image: the shared package plus this one service (no other service code), the built web console
# (node stage) and the `crm` operator command. Runtime dependencies only (requirements-runtime.txt: no test tools).
FROM node:20-bookworm-slim AS console
WORKDIR /web
COPY web/package.json web/package-lock.json /web/
RUN npm ci --no-audit --no-fund
COPY web /web
RUN npm run build

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 CRM_WEB_DIST=/app/web
WORKDIR /app
COPY requirements-runtime.txt /app/requirements-runtime.txt
RUN pip install -r /app/requirements-runtime.txt
COPY shared /app/shared
COPY services/gateway /app/services/gateway
RUN pip install --no-deps /app/shared /app/services/gateway
COPY --from=console /web/dist /app/web
RUN useradd --system --uid 10001 crm
USER crm
CMD ["python", "-m", "crm_gateway", "serve"]
