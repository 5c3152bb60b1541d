# Build: the release binary with the Swift runtime linked in statically.
FROM swift:6.1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libyaml-dev libidn2-dev libnghttp2-dev libssl-dev libc-ares-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY config.yaml ./
RUN swift build -c release --product autodiscover --static-swift-stdlib \
    && install -D .build/release/autodiscover /out/usr/local/bin/autodiscover

# Run: a small Debian image with the C libraries the binary links, as a user without privileges.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libyaml-0-2 libidn2-0 libnghttp2-14 libssl3 libc-ares2 curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /etc/autodiscover autodiscover
COPY --from=build /out/ /
COPY config.yaml /etc/autodiscover/config.yaml
USER autodiscover
WORKDIR /etc/autodiscover
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["autodiscover", "serve", "--config", "/etc/autodiscover/config.yaml", "--listen", "0.0.0.0:8080"]
