// libFuzzer target for the diff engine.
//
// The input is cut into two texts and a tail. The tail, parsed as a TextDiff
// and as an ArticleDiff, is applied to articles made of the texts: that must
// fail cleanly or produce exactly what the diff promises, never crash. The
// texts are then diffed both ways, as texts and as articles, and the diffs
// must apply back exactly with every op on a character boundary and, for
// valid UTF-8, between grapheme clusters (the tokenizer's ICU path runs on
// any text beyond plain Latin; tests/fuzz/seeds starts it on emoji clusters
// and Thai, Lao, Khmer, Myanmar and Japanese). The tail is also decoded as a
// zstd delta against the first text (a clean error or exactly the size asked
// for), and a delta of our own must round-trip.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/message_differencer.h>

#include "newswire/core/delta.h"
#include "newswire/core/diff.h"
#include "newswire/core/unicode.h"
#include "newswire/core/utf8.h"

namespace {

using newswire::core::ApplyArticleDiff;
using newswire::core::ApplyTextDiff;
using newswire::core::DiffArticles;
using newswire::core::DiffText;
using newswire::core::GraphemeBoundaries;
using newswire::core::IsCharBoundary;
using newswire::core::IsValidUtf8;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "diff_fuzz: %s\n", what);
    std::abort();
  }
}

// A normalised article built from two texts: lines become paragraphs and
// key points, words become topics and instruments (sorted, unique).
newswire::v1::Article MakeArticle(std::string_view text, std::string_view other) {
  newswire::v1::Article article;
  std::set<std::string> words;
  std::set<std::pair<std::string, std::string>> instruments;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\n') {
      std::string line(text.substr(start, i - start));
      if (article.headline().empty()) {
        article.set_headline(line);
      } else {
        article.add_body(line);
      }
      start = i + 1;
    }
  }
  start = 0;
  for (std::size_t i = 0; i <= other.size(); ++i) {
    if (i == other.size() || other[i] == '\n' || other[i] == ' ') {
      std::string word(other.substr(start, i - start));
      if (other.substr(start, i - start).find('.') != std::string_view::npos) {
        instruments.emplace(word.substr(word.find('.') + 1), word.substr(0, word.find('.')));
      } else if (!word.empty() && word.size() < 12) {
        words.insert(word);
      } else {
        article.add_key_points(word);
      }
      start = i + 1;
    }
  }
  for (const auto& topic : words) article.add_topics(topic);
  for (const auto& [exchange, symbol] : instruments) {
    auto* in = article.add_instruments();
    in->set_exchange(exchange);
    in->set_symbol(symbol);
  }
  article.set_urgency(static_cast<uint32_t>(text.size() % 10));
  article.set_ednote(std::string(other.substr(0, other.size() / 3)));
  return article;
}

void CheckTextRoundTrip(const std::string& a, const std::string& b) {
  newswire::v1::TextDiff diff = DiffText(a, b);
  Check(diff.base_len() == a.size() && diff.result_len() == b.size(), "diff lengths");
  // Valid text: no op ends inside a grapheme cluster, on either side.
  const bool valid = IsValidUtf8(a) && IsValidUtf8(b);
  const std::vector<std::size_t> in_a = GraphemeBoundaries(valid ? a : "");
  const std::vector<std::size_t> in_b = GraphemeBoundaries(valid ? b : "");
  auto between = [valid](const std::vector<std::size_t>& clusters, std::size_t pos) {
    return !valid || std::binary_search(clusters.begin(), clusters.end(), pos);
  };
  std::size_t pos = 0, out = 0;
  for (const auto& op : diff.ops()) {
    if (op.has_retain()) pos += op.retain(), out += op.retain();
    if (op.has_remove()) pos += op.remove();
    if (op.has_insert()) out += op.insert().size();
    Check(IsCharBoundary(a, pos), "op ends inside a character");
    Check(between(in_a, pos) && between(in_b, out), "op ends inside a grapheme cluster");
  }
  Check(pos == a.size(), "ops do not cover the base");
  auto applied = ApplyTextDiff(a, diff);
  Check(applied.has_value(), "own text diff does not apply");
  Check(*applied == b, "own text diff gives the wrong text");
  if (IsValidUtf8(a) && IsValidUtf8(b)) {
    newswire::v1::TextDiff parsed;
    Check(parsed.ParseFromString(diff.SerializeAsString()), "text diff does not survive the wire");
  }
}

void CheckArticleRoundTrip(const newswire::v1::Article& a, const newswire::v1::Article& b) {
  newswire::v1::ArticleDiff diff = DiffArticles(a, b);
  auto applied = ApplyArticleDiff(a, diff);
  Check(applied.has_value(), "own article diff does not apply");
  Check(google::protobuf::util::MessageDifferencer::Equals(*applied, b),
        "own article diff gives the wrong article");
}

}  // namespace

// Parsing invalid UTF-8 into proto3 strings is expected here; keep the
// fuzzer's output readable.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const std::string a = input.ConsumeRandomLengthString(1 << 16);
  const std::string b = input.ConsumeRandomLengthString(1 << 16);
  const std::string tail = input.ConsumeRemainingBytesAsString();

  // Untrusted diffs: apply cleanly or fail cleanly.
  newswire::v1::TextDiff text_diff;
  if (text_diff.ParseFromString(tail)) {
    auto applied = ApplyTextDiff(a, text_diff);
    if (applied) Check(applied->size() == text_diff.result_len(), "result length not checked");
  }
  const newswire::v1::Article article_a = MakeArticle(a, b);
  const newswire::v1::Article article_b = MakeArticle(b, a);
  newswire::v1::ArticleDiff article_diff;
  if (article_diff.ParseFromString(tail)) {
    auto applied = ApplyArticleDiff(article_a, article_diff);
    (void)applied;
  }

  // Untrusted zstd deltas: decode to exactly the size asked for, or fail.
  if (auto decoded = newswire::core::DecodeDelta(a, tail, b.size())) {
    Check(decoded->size() == b.size(), "delta result size not checked");
  }

  // Our own diffs: always exact.
  CheckTextRoundTrip(a, b);
  CheckTextRoundTrip(b, a);
  CheckArticleRoundTrip(article_a, article_b);
  CheckArticleRoundTrip(article_b, article_a);
  auto delta = newswire::core::DecodeDelta(a, newswire::core::EncodeDelta(a, b), b.size());
  Check(delta.has_value() && *delta == b, "own delta does not rebuild exactly");
  return 0;
}
