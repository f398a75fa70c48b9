# syntax=docker/dockerfile:1
#
# cutwatch in a container: a static binary built with the Go toolchain of
# go.mod, run as a non-root user on a distroless image (no shell, no curl),
# the index on the volume /data and the seed articles baked in, so that
#
#   docker build -t cutwatch .
#   docker run -p 8080:8080 -v cutwatch-data:/data cutwatch
#
# serves the seed corpus on http://127.0.0.1:8080/. Writes need an API key:
# docker run -e CUTWATCH_API_KEY=... . deploy/dockercheck's tests read this
# file with buildkit's parser and run its go build line; .ci/run runs them
# and builds the binary the same way.

FROM docker.io/library/golang:1.26.8 AS build
WORKDIR /src
# Modules in a layer of their own: downloaded again only when go.mod or
# go.sum change, not on every source edit.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static (no cgo, so no libc needed at run time), without local paths or
# debug symbols.
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/cutwatch ./cmd/cutwatch
# The mount point of the index volume, owned by the runtime user: a new
# named volume takes this ownership, so the server can write its index.
RUN mkdir -p /out/data && chown 65532:65532 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/cutwatch /app/cutwatch
COPY seeds/ /app/seeds/
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV CUTWATCH_ADDR=0.0.0.0:8080 \
    CUTWATCH_DATA=/data \
    CUTWATCH_SEEDS=/app/seeds
EXPOSE 8080
VOLUME ["/data"]
# The first start builds the index from the seeds (a few seconds), hence
# the start period. healthcheck reads CUTWATCH_ADDR as serve does.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/app/cutwatch", "healthcheck"]
ENTRYPOINT ["/app/cutwatch"]
CMD ["serve"]
