# calllogs as an Airbyte source image, for those who run Airbyte on their
# own cluster. Not built in CI (no Docker engine there); the connector it
# runs is tested there through the same binary (crates/calllogs-cli/tests/airbyte.rs).
#
#   docker build -t airbyte/source-calllogs:0.1.0 .
#   docker run --rm airbyte/source-calllogs:0.1.0 spec
#   docker run --rm -v "$PWD/secrets:/secrets" airbyte/source-calllogs:0.1.0 check --config /secrets/config.json

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
# Only the command line; the emulators stay out of the image.
RUN cargo build --release --locked -p calllogs-cli --no-default-features --features calllogs/default \
    && install -m 0755 target/release/calllogs /usr/local/bin/calllogs

FROM debian:bookworm-slim
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
