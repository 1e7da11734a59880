// newswire-vectors: the language-neutral test vectors of the wire protocol
// (docs/wire-protocol.md), produced by the implementation itself.
//
// Reads tests/vectors/inputs.json, runs each input through the code a
// daemon runs (validation and normalisation, the canonical encoding, a real
// revision store in a temp folder, the delta and diff engines) or a
// subscriber library runs (figure changes) and writes
// proto/testdata/*.json. With --check it writes nothing and fails when the
// files in the tree differ from what the code produces now, so the docs,
// the vectors and the code cannot drift apart.
//
//   newswire-vectors --source-dir . [--check]
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <nlohmann/json.hpp>

#include "newswire/api/answers.h"
#include "newswire/core/article.h"
#include "newswire/core/channel.h"
#include "newswire/core/delta.h"
#include "newswire/core/diff.h"
#include "newswire/core/figures.h"
#include "newswire/store/revision_store.h"

namespace newswire::vectors {
namespace {

using Json = nlohmann::ordered_json;
using google::protobuf::util::TimeUtil;

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "newswire-vectors: " << message << "\n";
  std::exit(2);
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) Die("cannot read " + path.string());
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string Unhex(std::string hex) {
  std::erase(hex, ' ');
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

v1::Article ArticleFromJson(const Json& json) {
  v1::Article article;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(json.dump(), &article, options);
  if (!status.ok()) Die("not an Article: " + std::string(status.message()) + ": " + json.dump());
  return article;
}

// The protobuf JSON mapping of `message`, field names as in the .proto.
Json ToJson(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &text, options);
  return Json::parse(text);
}

// The article an input names: inline ("article") or a file of the tree.
Json ArticleInput(const Json& input, const std::filesystem::path& source_dir) {
  if (input.contains("article_file")) {
    return Json::parse(ReadText(source_dir / input["article_file"].get<std::string>()));
  }
  return input.at("article");
}

int64_t Nanos(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1'000'000'000 + ts.nanos();
}

google::protobuf::Timestamp ParseTime(const std::string& text) {
  google::protobuf::Timestamp ts;
  if (!TimeUtil::FromString(text, &ts)) Die("not an RFC 3339 time: " + text);
  return ts;
}

Json ErrorJson(const Error& error) {
  Json json;
  json["code"] = v1::ErrorCode_Name(error.code);
  json["code_number"] = static_cast<int>(error.code);
  json["name"] = std::string(ErrorCodeName(error.code));
  json["message"] = error.message;
  if (error.current_version != 0) json["current_version"] = error.current_version;
  if (!error.primary_hub.empty()) json["primary_hub"] = error.primary_hub;
  return json;
}

Json AckJson(const v1::PublishAck& ack) {
  Json json;
  json["article_id"] = ack.article_id();
  json["version"] = ack.version();
  json["wire_seq"] = ack.wire_seq();
  json["content_hash"] = core::Hex(ack.content_hash());
  json["wire_time"] = TimeUtil::ToString(ack.wire_time());
  json["duplicate"] = ack.duplicate();
  if (ack.has_embargoed_until()) {
    json["embargoed_until"] = TimeUtil::ToString(ack.embargoed_until());
  }
  json["unchanged"] = ack.unchanged();
  json["withdrawn"] = ack.withdrawn();
  return json;
}

// A store in a fresh temp folder, removed with this object.
class TempStore {
 public:
  TempStore(bool deltas, std::size_t max_article_bytes) {
    std::string pattern = (std::filesystem::temp_directory_path() / "newswire-vectors-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) Die("cannot make a temp folder");
    path_ = pattern;
    store::StoreOptions options;
    options.path = path_.string();
    options.durability = store::Durability::kAsync;
    options.deltas = deltas;
    options.max_article_bytes = max_article_bytes;
    auto opened = store::RevisionStore::Open(options);
    if (!opened) Die("cannot open a store: " + opened.error().ToString());
    store_ = std::move(*opened);
  }
  ~TempStore() {
    store_.reset();
    std::filesystem::remove_all(path_);
  }
  store::RevisionStore& operator*() { return *store_; }
  store::RevisionStore* operator->() { return store_.get(); }

 private:
  std::filesystem::path path_;
  std::unique_ptr<store::RevisionStore> store_;
};

Result<store::Committed> PublishOne(store::RevisionStore& store, store::PublishInput input,
                                    int64_t wire_time_ns) {
  std::vector<store::PublishInput> inputs;
  inputs.push_back(std::move(input));
  return std::move(store.Publish(std::move(inputs), wire_time_ns).front());
}

// ---- canonical.json ---------------------------------------------------------

Json CanonicalCase(const Json& input, const std::filesystem::path& source_dir) {
  Json published = ArticleInput(input, source_dir);
  v1::Article article = ArticleFromJson(published);
  if (auto ok = core::NormalizeAndValidate(article); !ok) Die(ok.error().ToString());
  article.set_version(input.at("version").get<uint32_t>());
  const std::string canonical = core::CanonicalBytes(article);
  Json out;
  out["name"] = input.at("name");
  out["published"] = published;
  out["version"] = article.version();
  out["canonical"] = ToJson(article);
  out["canonical_hex"] = core::Hex(canonical);
  out["full_bytes"] = canonical.size();
  out["content_hash"] = core::Hex(core::Sha256(canonical));
  out["channels"] = core::ChannelsOf(article);
  return out;
}

Json SequenceFrames() {
  Json frames = Json::array();
  for (uint64_t seq :
       {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{256}, uint64_t{1} << 32, ~uint64_t{0}}) {
    frames.push_back({{"seq", seq}, {"frame_hex", core::Hex(core::EncodeSequence(seq))}});
  }
  return frames;
}

Json CanonicalFile(const Json& inputs, const std::filesystem::path& source_dir) {
  Json out;
  out["about"] =
      "Article JSON as published -> the normalised article with its version -> canonical bytes "
      "-> SHA-256 content hash, and the channels it goes out on. docs/wire-protocol.md, "
      "'The canonical encoding'.";
  out["cases"] = Json::array();
  for (const auto& input : inputs.at("canonical")) {
    out["cases"].push_back(CanonicalCase(input, source_dir));
  }
  out["sequence_frames"] = SequenceFrames();
  return out;
}

// ---- wire-*.json ------------------------------------------------------------

std::string PayloadName(const v1::RevisionEvent& event) {
  switch (event.payload_case()) {
    case v1::RevisionEvent::kFull: return "full";
    case v1::RevisionEvent::kDiff: return "diff";
    case v1::RevisionEvent::kDelta: return "delta";
    default: return "none";
  }
}

// What a writer of the log knows after each revision.
struct WireState {
  std::map<std::string, std::string> canonical;  // Article id -> latest canonical bytes.
  std::string wire_chain;
};

Json RevisionJson(store::RevisionStore& store, const Json& input, const Json& published,
                  const store::Committed& committed, WireState& state) {
  const v1::PublishAck& ack = committed.ack;
  auto stored = store.GetRevision(ack.article_id(), ack.version());
  if (!stored) Die(stored.error().ToString());
  const std::string canonical = core::CanonicalBytes(stored->article());
  v1::RevisionEvent event;
  if (!event.ParseFromString(committed.event)) Die("the store made an event that does not parse");

  Json out;
  out["wire_seq"] = ack.wire_seq();
  out["wire_time"] = TimeUtil::ToString(ack.wire_time());
  out["publisher_id"] = input.at("publisher_id");
  out["publisher_key"] = input.at("publisher_key");
  out["base_version"] = input.value("base_version", 0);
  out["published"] = published;
  out["ack"] = AckJson(ack);
  out["article_id"] = ack.article_id();
  out["version"] = ack.version();
  out["canonical_hex"] = core::Hex(canonical);
  out["full_bytes"] = canonical.size();
  out["content_hash"] = core::Hex(stored->content_hash());
  out["base_hash"] = core::Hex(stored->base_hash());
  out["chain_hash"] = core::Hex(stored->chain_hash());
  state.wire_chain = store::WireChainHash(state.wire_chain, ack.wire_seq(), ack.article_id(),
                                          ack.version(), stored->content_hash());
  out["wire_chain_hash"] = core::Hex(state.wire_chain);
  Json channels = Json::array();
  for (std::size_t i = 0; i < committed.channels.size(); ++i) {
    channels.push_back({{"topic", committed.channels[i]},
                        {"seq", committed.channel_seqs[i]},
                        {"seq_hex", core::Hex(core::EncodeSequence(committed.channel_seqs[i]))}});
  }
  out["channels"] = channels;
  out["payload"] = PayloadName(event);
  out["event_hex"] = core::Hex(committed.event);

  // Both encodings against the previous version, whichever went out.
  auto base = state.canonical.find(ack.article_id());
  const std::string base_bytes = base == state.canonical.end() ? "" : base->second;
  out["delta_hex"] = core::Hex(core::EncodeDelta(base_bytes, canonical));
  if (base != state.canonical.end()) {
    v1::Article base_article;
    if (!base_article.ParseFromString(base_bytes)) Die("a stored article does not parse");
    const v1::ArticleDiff diff = core::DiffArticles(base_article, stored->article());
    out["diff_hex"] = core::Hex(diff.SerializeAsString());
    out["diff"] = ToJson(diff);
  }
  state.canonical[ack.article_id()] = canonical;
  return out;
}

Json WireFile(const Json& inputs, const std::filesystem::path& source_dir, bool deltas) {
  TempStore store(deltas, 1u << 20);
  WireState state;
  Json revisions = Json::array();
  for (const auto& input : inputs.at("wire")) {
    Json published = ArticleInput(input, source_dir);
    store::PublishInput publish;
    publish.publisher_id = input.at("publisher_id");
    publish.publisher_key = input.at("publisher_key");
    publish.base_version = input.value("base_version", 0u);
    publish.article = ArticleFromJson(published);
    auto committed = PublishOne(*store, std::move(publish),
                                Nanos(ParseTime(input.at("wire_time").get<std::string>())));
    if (!committed) Die("wire input refused: " + committed.error().ToString());
    revisions.push_back(RevisionJson(*store, input, published, *committed, state));
  }
  Json out;
  out["about"] =
      std::string("Every revision in wire order as a daemon with payload = \"") +
      (deltas ? "smallest" : "diff") +
      "\" stored and fanned it out: its channels and their sequences, the event bytes (the "
      "third frame), the canonical bytes a subscriber must rebuild, the hashes, and both the "
      "zstd delta and the structured diff from the previous version whichever went out. "
      "docs/wire-protocol.md, 'Applying an event'.";
  out["payload_mode"] = deltas ? "smallest" : "diff";
  out["revisions"] = revisions;
  return out;
}

// ---- errors.json -------------------------------------------------------------

Json PublishErrorCase(store::RevisionStore& store, const Json& input, int64_t& now) {
  for (const auto& setup : input.value("setup", Json::array())) {
    store::PublishInput first;
    first.publisher_id = "vectors";
    first.publisher_key = input.value("setup_key", "");
    first.article = ArticleFromJson(setup);
    if (auto ok = PublishOne(store, std::move(first), now += 1'000'000'000); !ok) {
      Die("setup refused: " + ok.error().ToString());
    }
  }
  store::PublishInput publish;
  publish.publisher_id = "vectors";
  publish.publisher_key = input.value("publisher_key", "");
  publish.base_version = input.value("base_version", 0u);
  Json out;
  out["name"] = input.at("name");
  if (!input.value("setup", Json::array()).empty()) out["setup"] = input.at("setup");
  if (input.contains("setup_key")) out["setup_key"] = input.at("setup_key");
  if (input.contains("article_hex")) {
    publish.article_bytes = Unhex(input.at("article_hex"));
    out["article_hex"] = core::Hex(publish.article_bytes);
  } else {
    out["article"] = input.at("article");
    publish.article = ArticleFromJson(input.at("article"));
  }
  out["base_version"] = publish.base_version;
  out["publisher_key"] = publish.publisher_key;
  auto result = PublishOne(store, std::move(publish), now += 1'000'000'000);
  if (result) {
    out["ack"] = AckJson(result->ack);
  } else {
    out["error"] = ErrorJson(result.error());
  }
  return out;
}

// A payload that must not verify against `base`: what applying it gives.
Json PayloadCase(const std::string& name, const std::string& base, const std::string& kind,
                 const std::string& payload, uint32_t full_bytes, const std::string& content_hash) {
  Json out;
  out["name"] = name;
  out["base_hex"] = core::Hex(base);
  out["payload"] = kind;
  out["payload_hex"] = core::Hex(payload);
  out["full_bytes"] = full_bytes;
  out["content_hash"] = core::Hex(content_hash);
  Result<std::string> rebuilt = Fail(v1::ERROR_CODE_INTERNAL, "");
  if (kind == "delta") {
    rebuilt = core::DecodeDelta(base, payload, full_bytes);
  } else {
    v1::Article article;
    v1::ArticleDiff diff;
    if (!article.ParseFromString(base) || !diff.ParseFromString(payload)) Die(name);
    auto applied = core::ApplyArticleDiff(article, diff);
    rebuilt = applied ? Result<std::string>(core::CanonicalBytes(*applied))
                      : Result<std::string>(Fail(applied.error()));
  }
  if (!rebuilt) {
    out["error"] = ErrorJson(rebuilt.error());
  } else {
    out["rebuilt_hex"] = core::Hex(*rebuilt);
    out["hash_matches"] = core::Sha256(*rebuilt) == content_hash;
  }
  return out;
}

struct Revision {
  std::string canonical, content_hash, delta, diff;
};

// The revisions of the smallest-mode wire file, by article id and version.
std::map<std::string, std::vector<Revision>> RevisionsById(const Json& wire) {
  std::map<std::string, std::vector<Revision>> out;
  for (const auto& r : wire.at("revisions")) {
    out[r.at("article_id")].push_back({Unhex(r.at("canonical_hex")), Unhex(r.at("content_hash")),
                                       Unhex(r.at("delta_hex")),
                                       r.contains("diff_hex") ? Unhex(r.at("diff_hex")) : ""});
  }
  return out;
}

std::string Mutated(const std::string& diff_bytes,
                    const std::function<void(v1::ArticleDiff&)>& mutate) {
  v1::ArticleDiff diff;
  if (!diff.ParseFromString(diff_bytes)) Die("a vector diff does not parse");
  mutate(diff);
  return diff.SerializeAsString();
}

Json PayloadErrors(const Json& wire) {
  auto by_id = RevisionsById(wire);
  const auto& talks = by_id.at("nw-20261125-kaito-minato");
  const auto& boj = by_id.at("nw-20261125-boj");
  const auto& sb = by_id.at("nw-20261125-softbank");
  auto size = [](const Revision& r) { return static_cast<uint32_t>(r.canonical.size()); };
  Json out = Json::array();
  out.push_back(PayloadCase("diff from version 1 applied to version 2 (the wrong base)",
                            talks[1].canonical, "diff", talks[1].diff, size(talks[1]),
                            talks[1].content_hash));
  out.push_back(PayloadCase("headline text diff whose base_len is one more than the base headline",
                            boj[0].canonical, "diff",
                            Mutated(boj[1].diff,
                                    [](v1::ArticleDiff& d) {
                                      d.mutable_headline()->set_base_len(d.headline().base_len() +
                                                                         1);
                                    }),
                            size(boj[1]), boj[1].content_hash));
  v1::Article sb_base;
  if (!sb_base.ParseFromString(sb[0].canonical)) Die("a vector article does not parse");
  out.push_back(PayloadCase(
      "text op that splits a UTF-8 character (retain 1 byte of a Japanese headline)",
      sb[0].canonical, "diff",
      Mutated(sb[1].diff,
              [n = static_cast<uint32_t>(sb_base.headline().size())](v1::ArticleDiff& d) {
                auto* h = d.mutable_headline();
                h->set_base_len(n);
                h->set_result_len(n);
                h->clear_ops();
                h->add_ops()->set_retain(1);
                h->add_ops()->set_retain(n - 1);
              }),
      size(sb[1]), sb[1].content_hash));
  out.push_back(PayloadCase(
      "body list diff that expects one item more than the base holds", sb[0].canonical, "diff",
      Mutated(
          sb[1].diff,
          [](v1::ArticleDiff& d) { d.mutable_body()->set_base_count(d.body().base_count() + 1); }),
      size(sb[1]), sb[1].content_hash));
  out.push_back(PayloadCase("instrument removed that the base does not hold", sb[0].canonical,
                            "diff",
                            Mutated(sb[1].diff,
                                    [](v1::ArticleDiff& d) {
                                      auto* gone = d.add_instruments_removed();
                                      gone->set_symbol("0000");
                                      gone->set_exchange("XXXX");
                                    }),
                            size(sb[1]), sb[1].content_hash));
  out.push_back(PayloadCase(
      "replaced_fields names a field that is not a scalar (body, 9)", boj[0].canonical, "diff",
      Mutated(boj[1].diff,
              [](v1::ArticleDiff& d) { d.add_replaced_fields(v1::Article::kBodyFieldNumber); }),
      size(boj[1]), boj[1].content_hash));
  out.push_back(PayloadCase("delta of version 3 decoded against version 1 (the wrong base)",
                            talks[0].canonical, "delta", talks[2].delta, size(talks[2]),
                            talks[2].content_hash));
  out.push_back(PayloadCase("delta with full_bytes one more than it holds", talks[1].canonical,
                            "delta", talks[2].delta, size(talks[2]) + 1, talks[2].content_hash));
  return out;
}

Json ErrorsFile(const Json& inputs, const Json& wire) {
  TempStore store(true, 1024);
  int64_t now = Nanos(ParseTime("2026-11-25T00:00:00Z"));
  Json publishes = Json::array();
  for (const auto& input : inputs.at("publish_errors")) {
    publishes.push_back(PublishErrorCase(*store, input, now));
  }
  Json out;
  out["about"] =
      "Publishes a daemon refuses (each on a store with max_article_bytes = 1024, after its "
      "setup publishes), and payloads that must not verify: each either fails to apply "
      "(error) or rebuilds bytes whose SHA-256 is not the content hash. A client repairs "
      "those from the query service. docs/wire-protocol.md, 'Errors'.";
  out["publish"] = publishes;
  out["payloads"] = PayloadErrors(wire);
  // Every code with its short name, and the reply a follower sends to a
  // publish (docs/wire-protocol.md, 'Followers').
  Json codes = Json::array();
  for (int code = 1; v1::ErrorCode_IsValid(code); ++code) {
    codes.push_back({{"code", code}, {"name", ErrorCodeName(static_cast<v1::ErrorCode>(code))}});
  }
  out["codes"] = codes;
  v1::PublishReply not_primary;
  not_primary.set_request_id(7);
  *not_primary.mutable_error() =
      Error{v1::ERROR_CODE_NOT_PRIMARY,
            "this daemon is a follower of tcp://edge.example:7700; publish to "
            "tcp://primary.example:7700",
            0, "tcp://primary.example:7700"}
          .ToProto();
  out["replies"] = Json::array({{{"name", "a follower refuses a publish and names the primary"},
                                 {"publish_reply_hex", core::Hex(not_primary.SerializeAsString())},
                                 {"request_id", 7},
                                 {"error", ErrorJson(Error::FromProto(not_primary.error()))}}});
  return out;
}

// ---- figures.json -------------------------------------------------------------

Json FigureValues(const Json& inputs) {
  Json out = Json::array();
  for (const auto& input : inputs) {
    const auto number = input.at(0).get<std::string>();
    const auto language = input.at(1).get<std::string>();
    const auto value = core::ParseFigureValue(number, language);
    out.push_back({{"number", number},
                   {"language", language},
                   {"value", value ? Json(*value) : Json(nullptr)}});
  }
  return out;
}

Json FigureTexts(const Json& inputs) {
  Json out = Json::array();
  for (const auto& input : inputs) {
    const auto text = input.at("text").get<std::string>();
    const auto language = input.at("language").get<std::string>();
    Json figures = Json::array();
    for (const auto& f : core::FindFigures(text, language)) {
      figures.push_back({{"text", f.text}, {"value", f.value}, {"unit", f.unit}});
    }
    out.push_back(
        {{"name", input.at("name")}, {"language", language}, {"text", text}, {"figures", figures}});
  }
  return out;
}

// A version pair: inline ("base", "result"), or a file of the tree and the
// result made by replacing text in it ("base_file", "replace").
std::pair<v1::Article, v1::Article> FigurePair(const Json& input,
                                               const std::filesystem::path& source_dir) {
  if (!input.contains("base_file")) {
    return {ArticleFromJson(input.at("base")), ArticleFromJson(input.at("result"))};
  }
  const std::string base = ReadText(source_dir / input["base_file"].get<std::string>());
  std::string result = base;
  for (const auto& pair : input.at("replace")) {
    const auto from = pair.at(0).get<std::string>();
    const auto to = pair.at(1).get<std::string>();
    if (result.find(from) == std::string::npos) Die("nothing to replace: " + from);
    for (auto at = result.find(from); at != std::string::npos; at = result.find(from, at)) {
      result.replace(at, from.size(), to);
      at += to.size();
    }
  }
  return {ArticleFromJson(Json::parse(base)), ArticleFromJson(Json::parse(result))};
}

Json FiguresFile(const Json& inputs, const std::filesystem::path& source_dir) {
  const Json& figures = inputs.at("figures");
  Json changes = Json::array();
  for (const auto& input : figures.at("changes")) {
    auto [base, result] = FigurePair(input, source_dir);
    const auto found = core::FigureChanges(base, result);
    Json lines = Json::array();
    for (const auto& change : found) lines.push_back(core::FigureChangeLine(change));
    changes.push_back({{"name", input.at("name")},
                       {"base", ToJson(base)},
                       {"result", ToJson(result)},
                       {"figures", api::FiguresJson(found)},
                       {"lines", lines}});
  }
  Json out;
  out["about"] =
      "Figure changes, which every subscriber library computes from two versions of an article "
      "(they are not on the wire): the value of a number as written (null: not read), the "
      "figures of a text, and the figures a revision added, removed or changed, as `newswire "
      "tail --json` writes them, with the line `newswire tail` prints. docs/wire-protocol.md, "
      "'Figure changes'.";
  out["values"] = FigureValues(figures.at("values"));
  out["texts"] = FigureTexts(figures.at("texts"));
  out["changes"] = changes;
  return out;
}

// ---- main --------------------------------------------------------------------

int Run(const std::filesystem::path& source_dir, bool check) {
  const Json inputs = Json::parse(ReadText(source_dir / "tests/vectors/inputs.json"));
  std::map<std::string, Json> files;
  files["canonical.json"] = CanonicalFile(inputs, source_dir);
  files["wire-smallest.json"] = WireFile(inputs, source_dir, true);
  files["wire-diff.json"] = WireFile(inputs, source_dir, false);
  files["errors.json"] = ErrorsFile(inputs, files["wire-smallest.json"]);
  files["figures.json"] = FiguresFile(inputs, source_dir);

  const auto out_dir = source_dir / "proto/testdata";
  int stale = 0;
  for (const auto& [name, json] : files) {
    const std::string text = json.dump(2, ' ', false) + "\n";
    const auto path = out_dir / name;
    if (!check) {
      std::ofstream(path, std::ios::binary) << text;
      continue;
    }
    std::ifstream file(path, std::ios::binary);
    std::ostringstream current;
    current << file.rdbuf();
    if (current.str() != text) {
      std::cerr << "newswire-vectors: " << path.string()
                << " differs from what the code produces now; if the change is intended, "
                   "run newswire-vectors --source-dir . and update docs/wire-protocol.md\n";
      ++stale;
    }
  }
  return stale == 0 ? 0 : 1;
}

}  // namespace
}  // namespace newswire::vectors

int main(int argc, char** argv) {
  std::filesystem::path source_dir = ".";
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--check") {
      check = true;
    } else if (arg == "--source-dir" && i + 1 < argc) {
      source_dir = argv[++i];
    } else {
      std::cerr << "usage: newswire-vectors --source-dir DIR [--check]\n";
      return 2;
    }
  }
  return newswire::vectors::Run(source_dir, check);
}
