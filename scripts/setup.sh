#!/usr/bin/env bash
# Installs the Debian 12 packages Newswire builds with (only those missing),
# then configures and builds into build/ (or $BUILD_DIR).
# Usage: scripts/setup.sh [extra cmake -D options...]
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  g++ cmake ninja-build pkg-config ccache git
  libzmq3-dev cppzmq-dev            # ZeroMQ transport
  libprotobuf-dev protobuf-compiler # wire and storage schema
  librocksdb-dev                    # the revision store
  libspdlog-dev libfmt-dev          # logging
  libcli11-dev                      # command-line parsing
  libtomlplusplus-dev               # daemon config file
  libexpected-dev                   # Result<T> (tl::expected)
  nlohmann-json3-dev                # CLI JSON lines
  libcpp-httplib-dev                # the daemon's /metrics and /healthz
  libboost-dev                      # Boost.Beast/Asio: the HTTP gateway's server
  libssl-dev                        # SHA-256 content hashes (libcrypto)
  libicu-dev                        # Unicode: UAX #29 words and grapheme clusters, NFC, display width
  libzstd-dev                       # zstd deltas between versions on the wire
  libgoogle-perftools-dev           # tcmalloc, the daemon's allocator
  libgtest-dev libgmock-dev         # tests
  libbenchmark-dev                  # benchmarks
  linux-perf                        # profiling under the benchmarks (perf record; bench/README.md)
  clang-format                      # format check
  clang libclang-rt-14-dev          # libFuzzer build of the diff fuzz target
  tzdata                            # story time zones (Asia/Tokyo, ...)
  libhowardhinnant-date-dev         # date/tz: the tz database, for story times and time_zone checks
  prometheus-cpp-dev                # the daemon's /metrics page: histograms and the Prometheus text format
  chromium chromium-driver python3-selenium  # the gateway page's browser test
  fonts-noto-cjk fonts-noto-color-emoji      # Japanese and emoji in its screenshots
  python3 python3-zmq               # the Python client (python/): Debian's python3, ZeroMQ
  python3-protobuf                  # the Python client: the protobuf runtime (protoc is above)
  python3-zstandard                 # the Python client: zstd deltas
  python3-icu                       # the Python client's figure changes: ICU's UAX #29 words, as core's
  python3-pandas                    # the Python client's replay_frame (an optional extra)
  python3-pytest                    # the Python client's tests
  etcd-server                       # failover: the leader key under a lease (tests, demo-cluster.sh)
  iproute2                          # the followers' network-namespace test (ip netns, tc tbf)
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
