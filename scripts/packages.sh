# Sourced by scripts/serve.sh and scripts/test.sh: installs the Debian packages named that are missing.
# The C libraries the build links: libyaml (the YAML event parser), libidn2 (IDNA), libnghttp2 (HTTP/2),
# libcrypto (digests), c-ares (DNS queries), zlib (async-http-client's decompression, used by `probe`).
build_packages=(libyaml-dev libidn2-dev libnghttp2-dev libssl-dev libc-ares-dev zlib1g-dev pkg-config)
# What the release binary links at run time (the Dockerfile's runtime image installs these; a system
# test checks them against `ldd`).
runtime_packages=(libyaml-0-2 libidn2-0 libnghttp2-14 libssl3 libc-ares2 zlib1g)

install_missing() {
  local missing=() package
  for package in "$@"; do
    # Installed, not merely known: a package removed but not purged still answers `dpkg -s`.
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}
