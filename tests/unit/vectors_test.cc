// The wire protocol's test vectors (proto/testdata), read the way a client
// in any language reads them: what the files say must be what the library
// computes. (The ctest `wire_vectors_are_current` checks the other way: that
// the files are what the implementation writes today.)
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include <google/protobuf/util/json_util.h>

#include "articles.h"
#include "daemon.h"
#include "newswire/core/article.h"
#include "newswire/core/channel.h"
#include "newswire/core/delta.h"
#include "newswire/core/diff.h"
#include "newswire/store/revision_store.h"

namespace newswire {
namespace {

using Json = nlohmann::json;

Json Vectors(const std::string& name) {
  return Json::parse(testing::ReadFile(testing::SourceDir() + "/proto/testdata/" + name));
}

std::string Unhex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

v1::Article ArticleFromJson(const Json& json) {
  v1::Article article;
  auto status = google::protobuf::util::JsonStringToMessage(json.dump(), &article);
  EXPECT_TRUE(status.ok()) << status.message();
  return article;
}

TEST(VectorsTest, CanonicalCasesEncodeAndHashAsWritten) {
  const Json file = Vectors("canonical.json");
  ASSERT_FALSE(file["cases"].empty());
  for (const auto& c : file["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::string canonical = Unhex(c["canonical_hex"]);
    EXPECT_EQ(core::CanonicalBytes(ArticleFromJson(c["canonical"])), canonical);
    EXPECT_EQ(core::Hex(core::Sha256(canonical)), c["content_hash"]);
    EXPECT_EQ(canonical.size(), c["full_bytes"].get<std::size_t>());

    v1::Article published = ArticleFromJson(c["published"]);
    ASSERT_TRUE(core::NormalizeAndValidate(published));
    published.set_version(c["version"].get<uint32_t>());
    EXPECT_EQ(core::CanonicalBytes(published), canonical);
    EXPECT_EQ(Json(core::ChannelsOf(published)), c["channels"]);
  }
}

TEST(VectorsTest, SequenceFramesAreEightBytesBigEndian) {
  const Json file = Vectors("canonical.json");  // range-for keeps no temporary alive
  for (const auto& f : file["sequence_frames"]) {
    const auto seq = f["seq"].get<uint64_t>();
    EXPECT_EQ(core::Hex(core::EncodeSequence(seq)), f["frame_hex"]);
    EXPECT_EQ(core::DecodeSequence(Unhex(f["frame_hex"])), seq);
  }
}

// The article an event rebuilds to against `base` (the previous version's
// canonical bytes), as a subscriber applies it.
Result<std::string> Rebuild(const v1::RevisionEvent& event, const std::string& base) {
  switch (event.payload_case()) {
    case v1::RevisionEvent::kFull: return core::CanonicalBytes(event.full());
    case v1::RevisionEvent::kDelta:
      return core::DecodeDelta(base, event.delta(), event.full_bytes());
    case v1::RevisionEvent::kDiff: {
      v1::Article article;
      if (!article.ParseFromString(base)) return Fail(v1::ERROR_CODE_MALFORMED, "base");
      auto applied = core::ApplyArticleDiff(article, event.diff());
      if (!applied) return Fail(applied.error());
      return core::CanonicalBytes(*applied);
    }
    default: return Fail(v1::ERROR_CODE_MALFORMED, "no payload");
  }
}

void ExpectWireRebuilds(const std::string& name, const std::string& mode) {
  const Json file = Vectors(name);
  EXPECT_EQ(file["payload_mode"], mode);
  std::map<std::string, std::string> held, chains;
  std::string wire_chain;
  uint64_t expected_seq = 1;
  for (const auto& r : file["revisions"]) {
    SCOPED_TRACE(name + " wire #" + std::to_string(r["wire_seq"].get<uint64_t>()));
    const std::string id = r["article_id"];
    const std::string canonical = Unhex(r["canonical_hex"]);
    v1::RevisionEvent event;
    ASSERT_TRUE(event.ParseFromString(Unhex(r["event_hex"])));
    EXPECT_EQ(event.wire_seq(), expected_seq++);
    EXPECT_EQ(event.article_id(), id);
    EXPECT_EQ(event.version(), r["version"].get<uint32_t>());
    EXPECT_EQ(event.full_bytes(), canonical.size());
    EXPECT_EQ(core::Hex(event.content_hash()), r["content_hash"]);
    EXPECT_EQ(core::Hex(event.base_hash()), r["base_hash"]);

    auto rebuilt = Rebuild(event, held[id]);
    ASSERT_TRUE(rebuilt) << rebuilt.error().ToString();
    EXPECT_EQ(*rebuilt, canonical);
    EXPECT_EQ(core::Sha256(*rebuilt), event.content_hash());
    // Both encodings from the previous version rebuild it, whichever went out.
    auto from_delta = core::DecodeDelta(held[id], Unhex(r["delta_hex"]), canonical.size());
    ASSERT_TRUE(from_delta) << from_delta.error().ToString();
    EXPECT_EQ(*from_delta, canonical);
    if (r.contains("diff_hex")) {
      v1::RevisionEvent as_diff = event;
      ASSERT_TRUE(as_diff.mutable_diff()->ParseFromString(Unhex(r["diff_hex"])));
      EXPECT_EQ(Rebuild(as_diff, held[id]).value_or(""), canonical);
    }

    chains[id] = store::ArticleChainHash(chains[id], event.content_hash());
    EXPECT_EQ(core::Hex(chains[id]), r["chain_hash"]);
    wire_chain = store::WireChainHash(wire_chain, event.wire_seq(), id, event.version(),
                                      event.content_hash());
    EXPECT_EQ(core::Hex(wire_chain), r["wire_chain_hash"]);
    held[id] = canonical;
  }
}

TEST(VectorsTest, EveryEventOfTheSmallestWireRebuildsAndChains) {
  ExpectWireRebuilds("wire-smallest.json", "smallest");
}

TEST(VectorsTest, EveryEventOfTheDiffWireRebuildsAndChains) {
  ExpectWireRebuilds("wire-diff.json", "diff");
}

TEST(VectorsTest, PayloadsThatMustNotVerifyDoNot) {
  const Json file = Vectors("errors.json");
  ASSERT_FALSE(file["payloads"].empty());
  for (const auto& p : file["payloads"]) {
    SCOPED_TRACE(p["name"].get<std::string>());
    v1::RevisionEvent event;
    event.set_full_bytes(p["full_bytes"].get<uint32_t>());
    if (p["payload"] == "delta") {
      event.set_delta(Unhex(p["payload_hex"]));
    } else {
      ASSERT_TRUE(event.mutable_diff()->ParseFromString(Unhex(p["payload_hex"])));
    }
    auto rebuilt = Rebuild(event, Unhex(p["base_hex"]));
    if (p.contains("error")) {
      ASSERT_FALSE(rebuilt);
      EXPECT_EQ(static_cast<int>(rebuilt.error().code), p["error"]["code_number"].get<int>());
      EXPECT_EQ(rebuilt.error().message, p["error"]["message"]);
    } else {
      ASSERT_TRUE(rebuilt);
      EXPECT_NE(core::Hex(core::Sha256(*rebuilt)), p["content_hash"]);
    }
  }
}

TEST(VectorsTest, RefusedPublishesNameTheirErrorCode) {
  const Json file = Vectors("errors.json");
  for (const auto& c : file["publish"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    if (!c.contains("error")) continue;
    const auto code = static_cast<ErrorCode>(c["error"]["code_number"].get<int>());
    EXPECT_EQ(ErrorCodeName(code), c["error"]["name"]);
    EXPECT_EQ(v1::ErrorCode_Name(code), c["error"]["code"]);
  }
}

TEST(VectorsTest, EveryErrorCodeHasItsNameAndAFollowerNamesThePrimary) {
  const Json file = Vectors("errors.json");
  ASSERT_FALSE(file["codes"].empty());
  for (const auto& c : file["codes"]) {
    EXPECT_EQ(ErrorCodeName(static_cast<ErrorCode>(c["code"].get<int>())), c["name"]);
  }
  for (const auto& r : file["replies"]) {
    v1::PublishReply reply;
    ASSERT_TRUE(reply.ParseFromString(Unhex(r["publish_reply_hex"])));
    EXPECT_EQ(reply.request_id(), r["request_id"].get<uint64_t>());
    const Error error = Error::FromProto(reply.error());
    EXPECT_EQ(ErrorCodeName(error.code), r["error"]["name"]);
    EXPECT_EQ(error.primary_hub, r["error"]["primary_hub"]);
  }
}

}  // namespace
}  // namespace newswire
