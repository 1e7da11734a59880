// A seeded generator of realistic wire traffic for benchmarks and load tests.
//
// Follows the parameters of the workload brief: half headline-only alerts
// that are never revised, half stories of lognormal length in English or
// Japanese, revised with the measured mix of kept, edited, deleted and moved
// sentences, new sentences near the top, headline changes, corrections and
// rewrites; 1-4 instruments drawn with Zipf popularity from a few hundred
// symbols, and 1-5 topics. Revisions come out in publish order (stories
// interleave by their editorial time, arrivals are bursty).
//
// Same options, same corpus: all randomness comes from one xoshiro256**
// stream with its own distributions, so the output does not depend on the
// standard library's distribution implementations. A generator is not
// thread-safe; use one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "newswire/v1/article.pb.h"

namespace newswire::bench {

struct CorpusOptions {
  uint64_t seed = 20261125;
  // Article ids are "<id_prefix>-<item number>"; give each workload its own
  // prefix so its versions start at 1 on a store shared with other runs.
  std::string id_prefix = "nw";
  double alert_share = 0.5;      // Headline-only alerts, never revised.
  double japanese_share = 0.12;  // Stories written in Japanese.
};

// One revision as a publisher sends it.
struct Revision {
  v1::Article article;   // Full content; `version` is 0 as on publish.
  uint32_t version = 0;  // Version the wire assigns when published in order.
  bool alert = false;
};

class CorpusGenerator {
 public:
  explicit CorpusGenerator(CorpusOptions options);
  ~CorpusGenerator();
  CorpusGenerator(const CorpusGenerator&) = delete;
  CorpusGenerator& operator=(const CorpusGenerator&) = delete;

  // The next revision in publish order. Never ends.
  Revision Next();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The first `count` revisions of the corpus for `options`.
std::vector<Revision> GenerateCorpus(const CorpusOptions& options, std::size_t count);

}  // namespace newswire::bench
