# syntax=docker/dockerfile:1
#
# The reference server, lms-server, with every storage driver (SQLite, PostgreSQL,
# MongoDB), on a distroless runtime as a non-root user.
#
#   docker build -t lms-server .
#   docker run -p 8080:8080 -v lms-data:/var/lib/lms lms-server
#
# The image's health check runs the binary's own probe (`lms-server healthcheck`), so the
# runtime image carries no shell and no HTTP client. docs/operations.md has the settings.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
COPY . .
# The registry and the target directory are cache mounts: a rebuild after a source change
# recompiles the workspace, not its dependencies.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p lms-http --features postgres,mongo \
    && cp target/release/lms-server /usr/local/bin/lms-server \
    && mkdir -p /var/lib/lms

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /usr/local/bin/lms-server /usr/local/bin/lms-server
# The data directory (an SQLite database, the development signing key) belongs to the
# image's non-root user (uid 65532).
COPY --from=build --chown=65532:65532 /var/lib/lms /var/lib/lms
ENV LMS_BIND=0.0.0.0:8080 \
    LMS_DATA_DIR=/var/lib/lms \
    LMS_DATABASE_URL=sqlite:/var/lib/lms/lms.db
USER 65532:65532
EXPOSE 8080
VOLUME ["/var/lib/lms"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/lms-server", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/lms-server"]
CMD ["serve"]
