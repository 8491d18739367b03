FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY callcenter ./callcenter
COPY ivr_flows ./ivr_flows
COPY knowledge_base ./knowledge_base
COPY agent_ui ./agent_ui
RUN pip install --no-cache-dir -e .
ENV CALLCENTER_HOST=0.0.0.0 CALLCENTER_PORT=8080 CALLCENTER_DATA_DIR=/data
EXPOSE 8080
CMD ["callcenter", "serve"]
