// libFuzzer target for the JSON article decoder (what `newswire publish`
// reads) and the RFC 3339 parser behind it.
//
// The input is the JSON text. Whatever it is, decoding must fail cleanly or
// give an article that protobuf prints back to JSON which decodes to the
// same article; validation and the canonical encoding must then hold up.
// The input is also parsed as an RFC 3339 time: a time that parses must
// print and parse back to itself.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "newswire/core/article.h"
#include "newswire/core/article_json.h"
#include "newswire/core/time.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "article_json_fuzz: %s\n", what);
    std::abort();
  }
}

void CheckArticle(const newswire::v1::Article& article) {
  std::string printed;
  Check(google::protobuf::util::MessageToJsonString(article, &printed).ok(),
        "a decoded article does not print as JSON");
  auto again = newswire::core::ArticleFromJson(printed);
  Check(again.has_value(), "the printed article does not decode");
  Check(google::protobuf::util::MessageDifferencer::Equals(article, *again),
        "the printed article decodes to another article");
  for (const auto* time :
       {&article.firstcreated(), &article.versioncreated(), &article.embargoed()}) {
    Check(newswire::core::IsValidTimestamp(*time), "a decoded time is out of range");
  }
  newswire::v1::Article normal = article;
  if (newswire::core::NormalizeAndValidate(normal)) {
    newswire::v1::Article parsed;
    Check(parsed.ParseFromString(newswire::core::CanonicalBytes(normal)),
          "a valid article's canonical bytes do not parse");
  }
}

void CheckTime(std::string_view text) {
  auto time = newswire::core::ParseRfc3339(text);
  if (!time) return;
  Check(newswire::core::IsValidTimestamp(*time), "a parsed time is out of range");
  auto again = newswire::core::ParseRfc3339(newswire::core::FormatRfc3339(*time));
  Check(again.has_value() && again->seconds() == time->seconds() && again->nanos() == time->nanos(),
        "a formatted time does not parse back to itself");
  (void)newswire::core::ToClockNs(*time);
}

}  // namespace

// Parsing invalid UTF-8 into proto3 strings is expected here; keep the
// fuzzer's output readable.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto article = newswire::core::ArticleFromJson(text)) CheckArticle(*article);
  CheckTime(text);
  return 0;
}
