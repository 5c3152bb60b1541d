# Build: the release binary with the Swift runtime linked in statically (scripts/build-release.sh, which
# the test command runs too).
FROM swift:6.1-bookworm AS build
COPY scripts/packages.sh /tmp/packages.sh
RUN bash -c '. /tmp/packages.sh && apt-get update && apt-get install -y --no-install-recommends "${build_packages[@]}"' \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY scripts ./scripts
COPY config.yaml ./
RUN OUT=/out scripts/build-release.sh

# Run: a small Debian image with the C libraries the binary links (scripts/packages.sh's runtime_packages),
# as a user without privileges.
FROM debian:bookworm-slim
COPY scripts/packages.sh /tmp/packages.sh
RUN bash -c '. /tmp/packages.sh && apt-get update && apt-get install -y --no-install-recommends "${runtime_packages[@]}" curl ca-certificates' \
    && rm -rf /var/lib/apt/lists/* /tmp/packages.sh \
    && useradd --system --uid 10001 --home-dir /etc/autodiscover autodiscover
COPY --from=build /out/ /
COPY config.yaml /etc/autodiscover/config.yaml
USER autodiscover
WORKDIR /etc/autodiscover
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["autodiscover"]
CMD ["serve", "--config", "/etc/autodiscover/config.yaml", "--listen", "0.0.0.0:8080"]
