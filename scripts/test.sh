#!/usr/bin/env bash
# Sets up, builds and runs every test: the regular build, a clang-format
# check, then the same tests under AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
(cd build && ctest --output-on-failure -j2 --timeout 300)

echo "== clang-format check" >&2
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror

echo "== AddressSanitizer + UndefinedBehaviorSanitizer" >&2
BUILD_DIR=build-asan scripts/setup.sh -DNEWSWIRE_SANITIZE=ON -DNEWSWIRE_BUILD_BENCH=OFF
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j2 --timeout 600)
