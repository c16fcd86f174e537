# calllogs as an Airbyte source image, built with Docker from the usual
# public base images (compiles inside the build). CI cannot pull those, so
# it builds the same image another way, FROM scratch around a binary built
# on the host (docker/build-image.sh, run with podman in
# crates/calllogs-cli/tests/airbyte_image.rs); a test holds this file to
# the same entrypoint, labels and user.
#
#   docker build -t airbyte/source-calllogs:0.1.0 .
#   docker build --build-arg RUNTIME_BASE=debian:bookworm-slim -t … .   # another Debian-like base
#   docker run --rm airbyte/source-calllogs:0.1.0 spec
#   docker run --rm -v "$PWD/secrets:/secrets" airbyte/source-calllogs:0.1.0 check --config /secrets/config.json

ARG RUST_IMAGE=rust:1.95-slim-bookworm
# The runtime stage uses apt-get and useradd: a Debian or Ubuntu base.
ARG RUNTIME_BASE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY . .
# Only the command line; the emulators stay out of the image.
RUN cargo build --release --locked -p calllogs-cli --no-default-features --features calllogs/default \
    && install -m 0755 target/release/calllogs /usr/local/bin/calllogs

FROM ${RUNTIME_BASE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/calllogs /usr/local/bin/calllogs
# Under this name the binary takes Airbyte's verb first: `spec`, `check`,
# `discover`, `read`.
RUN ln -s calllogs /usr/local/bin/calllogs-airbyte
RUN useradd --system --uid 1000 airbyte
USER airbyte

ENV AIRBYTE_ENTRYPOINT="/usr/local/bin/calllogs-airbyte"
ENTRYPOINT ["/usr/local/bin/calllogs-airbyte"]

LABEL io.airbyte.name=airbyte/source-calllogs
LABEL io.airbyte.version=0.1.0
