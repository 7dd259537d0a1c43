# One image for every Vanguard service; the container command chooses which:
#   docker run ... vanguard/service python -m archives | pledges | scoring
# Built by `make images` from wheels made on the host (build context: build/images/service).
# BASE_IMAGE=python:3.11-slim works unchanged wherever a registry is reachable.
ARG BASE_IMAGE=vanguard/base:bookworm

# The pinned dependencies change rarely: their venv is its own stage and layer cache.
FROM ${BASE_IMAGE} AS deps
RUN python3 -m venv /opt/vanguard
COPY deps/ /tmp/deps/
RUN /opt/vanguard/bin/pip install --quiet --no-index --no-cache-dir --disable-pip-version-check \
        /tmp/deps/*.whl

FROM ${BASE_IMAGE}
RUN echo "vanguard:x:10001:10001::/var/lib/vanguard:/usr/sbin/nologin" >> /etc/passwd \
    && echo "vanguard:x:10001:" >> /etc/group \
    && mkdir -p /var/lib/vanguard/data && chown -R 10001:10001 /var/lib/vanguard
COPY --from=deps /opt/vanguard /opt/vanguard
COPY project/ /tmp/project/
RUN /opt/vanguard/bin/pip install --quiet --no-index --no-deps --no-cache-dir \
        --disable-pip-version-check /tmp/project/*.whl \
    && rm -rf /tmp/project
ENV PATH=/opt/vanguard/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HOME=/var/lib/vanguard \
    VANGUARD_DATA_DIR=/var/lib/vanguard/data
WORKDIR /var/lib/vanguard
USER 10001:10001
# gRPC health of the service this container runs (read from its command line).
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-m", "kernel", "health"]
CMD ["python", "-m", "archives"]
