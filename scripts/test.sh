#!/usr/bin/env bash
# Sets up, builds and runs every test: the regular build's tests, the
# Python client's tests against this build's daemon, a clang-format check,
# the load generator's quick sanity run, a short libFuzzer run of the diff
# engine and of the JSON article decoder, then every test again under
# AddressSanitizer + UBSan (the Python client's too, against the sanitized
# daemon).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
(cd build && ctest --output-on-failure -j2 --timeout 300 --label-exclude python)

# Debian's python3 (/usr/bin/python3) has the packages setup.sh installs; a
# pyenv or venv python3 earlier on PATH may not.
echo "== Python client (python/tests) against build/daemon/newswired" >&2
(cd python && NEWSWIRED="$PWD/../build/daemon/newswired" /usr/bin/python3 -m pytest -q \
  -p no:cacheprovider)

echo "== clang-format check" >&2
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror

echo "== benchmarks, quick mode (sanity, not timing)" >&2
build/bench/newswire-bench --quick >/dev/null
build/bench/newswire-bench --quick --modes async --security off,on \
  --workloads publish,latency,fanout >/dev/null
build/bench/newswire-diff-bench --quick >/dev/null
build/bench/newswire-store-bench --quick >/dev/null
build/bench/newswire-rss-bench --quick >/dev/null
build/bench/newswire-figures-bench --quick >/dev/null
build/bench/newswire-snapshot-bench --quick >/dev/null 2>&1
build/bench/newswire-replication-bench --quick >/dev/null
/usr/bin/python3 bench/gateway_bench.py --quick >/dev/null

echo "== libFuzzer: the diff engine 30 s, the JSON article decoder 20 s" >&2
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DNEWSWIRE_FUZZ=ON -DNEWSWIRE_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz --target diff_fuzz article_json_fuzz
mkdir -p build-fuzz/corpus build-fuzz/corpus-article-json
# tests/fuzz/seeds: inputs that once found a bug, and inputs that lead into
# the tokenizer's ICU path (emoji clusters, scripts without spaces), run
# first; article_json/ holds the JSON decoder's.
build-fuzz/tests/fuzz/diff_fuzz -max_total_time=30 -timeout=5 -rss_limit_mb=2048 \
  build-fuzz/corpus tests/fuzz/seeds 2>build-fuzz/fuzz.log || { tail -n 40 build-fuzz/fuzz.log; exit 1; }
tail -n 2 build-fuzz/fuzz.log >&2
build-fuzz/tests/fuzz/article_json_fuzz -max_total_time=20 -timeout=5 -rss_limit_mb=2048 \
  build-fuzz/corpus-article-json tests/fuzz/seeds/article_json 2>build-fuzz/fuzz-json.log ||
  { tail -n 40 build-fuzz/fuzz-json.log; exit 1; }
tail -n 2 build-fuzz/fuzz-json.log >&2

echo "== AddressSanitizer + UndefinedBehaviorSanitizer" >&2
BUILD_DIR=build-asan scripts/setup.sh -DNEWSWIRE_SANITIZE=ON -DNEWSWIRE_BUILD_BENCH=OFF
# tests/lsan.supp: a leak inside libzmq at exit (what it is, there).
LEAK_SUPPRESSIONS="$PWD/tests/lsan.supp"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS="suppressions=$LEAK_SUPPRESSIONS" \
  ctest --output-on-failure -j2 --timeout 600)
