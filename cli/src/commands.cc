#include "commands.h"

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <filesystem>

#include "newswire/core/article.h"
#include "newswire/publisher/publisher.h"
#include "newswire/store/revision_store.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/subscriber.h"
#include "render.h"

namespace newswire::cli {
namespace {

constexpr int kOk = 0;
constexpr int kRejected = 1;
constexpr int kUsage = 2;
constexpr int kUnavailable = 3;

std::atomic<bool> g_interrupted{false};

int ExitCodeFor(const Error& error) {
  if (error.code == v1::ERROR_CODE_UNAVAILABLE) return kUnavailable;
  return kRejected;
}

// Prints a failure: always a line on stderr, and with --json an object on
// stdout so a script reading the stream sees it too.
int Report(const CommonOptions& common, const std::string& command, const std::string& subject,
           const Error& error) {
  std::cerr << "newswire " << command << ": " << (subject.empty() ? "" : subject + ": ")
            << error.ToString() << "\n";
  if (common.json) {
    nlohmann::json line = {{"error", ErrorJson(error)}};
    if (!subject.empty()) line["subject"] = subject;
    std::cout << line.dump() << std::endl;
  }
  return ExitCodeFor(error);
}

Result<std::string> ReadInput(const std::string& path) {
  std::ostringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) return Fail(v1::ERROR_CODE_NOT_FOUND, "cannot read " + path);
    text << file.rdbuf();
  }
  return text.str();
}

Result<v1::Article> ParseArticleJson(const std::string& text) {
  v1::Article article;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(text, &article, options);
  if (!status.ok()) {
    return Fail(v1::ERROR_CODE_INVALID_ARTICLE,
                "not an Article in protobuf JSON: " + std::string(status.message()));
  }
  return article;
}

std::string ShortHash(const std::string& hash) { return core::Hex(hash).substr(0, 12); }

const char* StatusName(v1::PubStatus status) {
  switch (status) {
    case v1::PUB_STATUS_WITHHELD: return "WITHHELD";
    case v1::PUB_STATUS_CANCELED: return "KILLED";
    default: return "";
  }
}

std::string Signals(const v1::Article& article) {
  std::string out;
  for (int s : article.signals()) {
    out += s == v1::SIGNAL_CORRECTION ? " CORRECTION" : s == v1::SIGNAL_UPDATE ? " UPDATE" : "";
  }
  return out;
}

// One-line summary: "v2  equities-asia  2026-11-25 16:20:00 JST  urgency 3 UPDATE".
std::string Header(const v1::Article& a, const google::protobuf::Timestamp& wire_time,
                   const Style& style) {
  const auto& when = a.has_versioncreated() ? a.versioncreated() : wire_time;
  std::string out = std::string(style.Bold()) + a.id() + " v" + std::to_string(a.version()) +
                    std::string(style.Reset()) + "  " + a.feed() + "  " +
                    FormatTime(when, a.time_zone());
  if (a.urgency() == 1) {
    out += "  " + std::string(style.Red()) + "FLASH" + std::string(style.Reset());
  } else {
    out += "  urgency " + std::to_string(a.urgency());
  }
  out += Signals(a);
  if (*StatusName(a.pubstatus())) {
    out += "  " + std::string(style.Red()) + StatusName(a.pubstatus()) + std::string(style.Reset());
  }
  return out;
}

void PrintArticleBody(const v1::Article& a) {
  std::cout << "  " << a.headline() << "\n";
  for (const auto& point : a.key_points()) std::cout << "  • " << point << "\n";
  for (const auto& paragraph : a.body()) std::cout << "\n  " << paragraph << "\n";
  if (!a.ednote().empty()) std::cout << "\n  (" << a.ednote() << ")\n";
}

}  // namespace

int RunPublish(const CommonOptions& common, const PublishOptions& options) {
  publisher::PublisherOptions publisher_options;
  publisher_options.hub = common.hub;
  if (!options.publisher_id.empty()) publisher_options.publisher_id = options.publisher_id;
  publisher_options.attempt_timeout = common.timeout;
  auto publisher = publisher::Publisher::Connect(publisher_options);
  if (!publisher) return Report(common, "publish", "", publisher.error());
  if (options.files.size() > 1 && (options.base_version != 0 || !options.key.empty())) {
    std::cerr << "newswire publish: --base-version and --key take a single file\n";
    return kUsage;
  }

  for (const auto& file : options.files) {
    auto text = ReadInput(file);
    if (!text) return Report(common, "publish", file, text.error()), kUsage;
    auto article = ParseArticleJson(*text);
    if (!article) return Report(common, "publish", file, article.error());
    publisher::PublishParams params;
    params.base_version = options.base_version;
    params.publisher_key = options.key;
    auto ack = (*publisher)->Publish(*article, params);
    if (!ack) return Report(common, "publish", file, ack.error());
    if (common.json) {
      nlohmann::json line = {{"file", file},
                             {"article_id", ack->article_id()},
                             {"version", ack->version()},
                             {"wire_seq", ack->wire_seq()},
                             {"content_hash", core::Hex(ack->content_hash())},
                             {"wire_time", FormatUtc(ack->wire_time())},
                             {"duplicate", ack->duplicate()}};
      std::cout << line.dump() << std::endl;
    } else {
      std::cout << (ack->duplicate() ? "already published " : "published ") << ack->article_id()
                << " v" << ack->version() << "  wire #" << ack->wire_seq() << "  sha256 "
                << ShortHash(ack->content_hash()) << "  (" << file << ")" << std::endl;
    }
  }
  return kOk;
}

int RunTail(const CommonOptions& common, const TailOptions& options) {
  subscriber::SubscriberOptions sub_options;
  sub_options.hub = common.hub;
  sub_options.feeds = options.feeds;
  sub_options.instruments = options.instruments;
  sub_options.topics = options.topics;
  sub_options.connect_timeout = common.timeout;
  sub_options.query_timeout = common.timeout;
  auto subscriber = subscriber::Subscriber::Connect(sub_options);
  if (!subscriber) return Report(common, "tail", "", subscriber.error());
  std::cerr << "newswire tail: following " << common.hub << std::endl;

  std::signal(SIGINT, [](int) { g_interrupted.store(true); });
  std::signal(SIGTERM, [](int) { g_interrupted.store(true); });
  Style style{common.color};
  std::unordered_map<std::string, v1::Article> previous;  // For rendering diffs.
  uint64_t delivered = 0;
  while (!g_interrupted.load() && (options.count == 0 || delivered < options.count)) {
    auto notice = (*subscriber)->Next(std::chrono::milliseconds(200));
    if (!notice) return Report(common, "tail", "", notice.error());
    if (!notice->has_value()) continue;
    if ((*notice)->gap) {
      const auto& gap = *(*notice)->gap;
      if (common.json) {
        std::cout << nlohmann::json{{"gap",
                                     {{"channel", gap.channel},
                                      {"first_missing", gap.first_missing},
                                      {"last_missing", gap.last_missing}}}}
                         .dump()
                  << std::endl;
      } else {
        std::cout << style.Red() << "GAP on " << gap.channel << ": missed " << gap.first_missing
                  << ".." << gap.last_missing << style.Reset() << std::endl;
      }
      continue;
    }
    const auto& d = *(*notice)->revision;
    ++delivered;
    const auto& e = d.event;
    if (common.json) {
      nlohmann::json line = {{"article_id", e.article_id()},
                             {"version", e.version()},
                             {"wire_seq", e.wire_seq()},
                             {"wire_time", FormatUtc(e.wire_time())},
                             {"channel", d.channel},
                             {"channel_seq", d.channel_seq},
                             {"payload", e.has_full() ? "full" : "diff"},
                             {"diff_bytes", d.event_bytes},
                             {"full_bytes", e.full_bytes()},
                             {"content_hash", core::Hex(e.content_hash())},
                             {"verified", d.verified},
                             {"repaired", d.repaired},
                             {"article", ArticleJson(d.article)}};
      if (!d.problem.empty()) line["problem"] = d.problem;
      std::cout << line.dump() << std::endl;
    } else {
      std::cout << Header(d.article, e.wire_time(), style) << "  wire #" << e.wire_seq() << "\n";
      double ratio = d.event_bytes ? static_cast<double>(e.full_bytes()) / d.event_bytes : 0;
      char ratio_text[32];
      std::snprintf(ratio_text, sizeof ratio_text, "%.1fx", ratio);
      if (e.has_full()) {
        std::cout << "  full article: " << Thousands(d.event_bytes) << " B on the wire";
      } else {
        std::cout << "  diff: " << Thousands(d.event_bytes) << " B on the wire vs "
                  << Thousands(e.full_bytes()) << " B full article (" << ratio_text << " smaller)";
      }
      std::cout << ", " << (d.verified ? "verified" : "NOT VERIFIED")
                << (d.repaired ? " after repair" : "") << "\n";
      auto base = previous.find(e.article_id());
      if (e.has_diff() && base != previous.end() && base->second.version() + 1 == e.version()) {
        std::cout << RenderArticleDiff(base->second, e.diff(), style);
      } else {
        PrintArticleBody(d.article);
      }
      std::cout << std::endl;
    }
    if (d.verified) previous[e.article_id()] = d.article;
  }
  return kOk;
}

int RunGet(const CommonOptions& common, const GetOptions& options) {
  const std::string& article_id = options.article_id;
  auto client = subscriber::QueryClient::Connect(common.hub, common.timeout);
  if (!client) return Report(common, "get", article_id, client.error());
  Result<v1::ArticleReply> reply = Fail(v1::ERROR_CODE_INTERNAL, "");
  if (!options.as_of.empty()) {
    google::protobuf::Timestamp as_of;
    if (!google::protobuf::util::TimeUtil::FromString(options.as_of, &as_of)) {
      std::cerr << "newswire get: --as-of wants an RFC 3339 time such as 2026-11-25T07:00:00Z\n";
      return kUsage;
    }
    reply = (*client)->GetArticleAsOf(article_id, as_of);
  } else {
    reply = (*client)->GetArticle(article_id, options.version);
  }
  if (!reply) return Report(common, "get", article_id, reply.error());
  if (common.json) {
    nlohmann::json line = {{"article_id", reply->article().id()},
                           {"version", reply->article().version()},
                           {"wire_seq", reply->wire_seq()},
                           {"wire_time", FormatUtc(reply->wire_time())},
                           {"content_hash", core::Hex(reply->content_hash())},
                           {"article", ArticleJson(reply->article())}};
    std::cout << line.dump() << std::endl;
  } else {
    Style style{common.color};
    std::cout << Header(reply->article(), reply->wire_time(), style) << "  wire #"
              << reply->wire_seq() << "\n";
    PrintArticleBody(reply->article());
  }
  return kOk;
}

int RunHistory(const CommonOptions& common, const std::string& article_id) {
  auto client = subscriber::QueryClient::Connect(common.hub, common.timeout);
  if (!client) return Report(common, "history", article_id, client.error());
  auto reply = (*client)->GetHistory(article_id);
  if (!reply) return Report(common, "history", article_id, reply.error());
  for (const auto& e : reply->entries()) {
    if (common.json) {
      nlohmann::json line = {{"article_id", reply->article_id()},
                             {"version", e.version()},
                             {"wire_seq", e.wire_seq()},
                             {"wire_time", FormatUtc(e.wire_time())},
                             {"versioncreated", FormatUtc(e.versioncreated())},
                             {"publisher_id", e.publisher_id()},
                             {"headline", e.headline()},
                             {"ednote", e.ednote()},
                             {"content_hash", core::Hex(e.content_hash())},
                             {"full_bytes", e.full_bytes()},
                             {"diff_bytes", e.diff_bytes()}};
      std::cout << line.dump() << std::endl;
    } else {
      std::cout << "v" << e.version() << "  " << FormatUtc(e.wire_time()) << "  wire #"
                << e.wire_seq() << "  " << Thousands(e.diff_bytes()) << " B sent / "
                << Thousands(e.full_bytes()) << " B full  by " << e.publisher_id() << "\n"
                << "    " << e.headline() << "\n";
      if (!e.ednote().empty()) std::cout << "    (" << e.ednote() << ")\n";
    }
  }
  return kOk;
}

namespace {

Result<std::unique_ptr<store::RevisionStore>> OpenStore(const std::string& path, bool read_only) {
  if (path.empty()) return Fail(v1::ERROR_CODE_MALFORMED, "--data-dir is required");
  if (!std::filesystem::is_directory(path)) {
    return Fail(v1::ERROR_CODE_NOT_FOUND, "no store folder " + path);
  }
  store::StoreOptions options;
  options.path = path;
  options.read_only = read_only;
  return store::RevisionStore::Open(options);
}

}  // namespace

int RunAdminVerify(const CommonOptions& common, const AdminOptions& options) {
  auto opened = OpenStore(options.data_dir, /*read_only=*/true);
  if (!opened) return Report(common, "admin verify", options.data_dir, opened.error());
  const uint64_t revisions = (*opened)->LastWireSeq();
  auto verified = (*opened)->Verify();
  if (!verified) return Report(common, "admin verify", options.data_dir, verified.error());
  if (common.json) {
    std::cout << nlohmann::json{{"data_dir", options.data_dir},
                                {"clean", true},
                                {"revisions", revisions}}
                     .dump()
              << std::endl;
  } else {
    std::cout << options.data_dir << ": clean, " << Thousands(revisions)
              << " revisions; every hash chain, diff and sequence checks out" << std::endl;
  }
  return kOk;
}

int RunAdminBackup(const CommonOptions& common, const AdminOptions& options, bool via_hub) {
  if (options.to.empty()) {
    std::cerr << "newswire admin backup: --to is required\n";
    return kUsage;
  }
  uint64_t wire_seq = 0;
  if (via_hub) {
    auto client = subscriber::QueryClient::Connect(common.hub, common.timeout);
    if (!client) return Report(common, "admin backup", common.hub, client.error());
    auto reply = (*client)->Backup(std::filesystem::absolute(options.to).string());
    if (!reply) return Report(common, "admin backup", options.to, reply.error());
    wire_seq = reply->wire_seq();
  } else {
    if (std::filesystem::exists(options.to)) {
      return Report(common, "admin backup", options.to,
                    {v1::ERROR_CODE_MALFORMED, "destination already exists", 0});
    }
    auto opened = OpenStore(options.data_dir, /*read_only=*/false);
    if (!opened) return Report(common, "admin backup", options.data_dir, opened.error());
    wire_seq = (*opened)->LastWireSeq();
    if (auto ok = (*opened)->Checkpoint(options.to); !ok) {
      return Report(common, "admin backup", options.to, ok.error());
    }
  }
  if (common.json) {
    std::cout << nlohmann::json{{"backup", options.to}, {"wire_seq", wire_seq}}.dump() << std::endl;
  } else {
    std::cout << "backup in " << options.to << " holds the wire up to at least #" << wire_seq
              << std::endl;
  }
  return kOk;
}

int RunAdminRestore(const CommonOptions& common, const AdminOptions& options) {
  if (options.from.empty() || options.data_dir.empty()) {
    std::cerr << "newswire admin restore: --from and --data-dir are required\n";
    return kUsage;
  }
  if (std::filesystem::exists(options.data_dir)) {
    return Report(common, "admin restore", options.data_dir,
                  {v1::ERROR_CODE_MALFORMED, "refusing to overwrite an existing folder", 0});
  }
  {
    auto backup = OpenStore(options.from, /*read_only=*/true);
    if (!backup) return Report(common, "admin restore", options.from, backup.error());
    if (auto ok = (*backup)->Verify(); !ok) {
      return Report(common, "admin restore", options.from, ok.error());
    }
  }
  std::error_code error;
  std::filesystem::copy(options.from, options.data_dir, std::filesystem::copy_options::recursive,
                        error);
  if (error) {
    return Report(common, "admin restore", options.data_dir,
                  {v1::ERROR_CODE_STORE_FAILURE, error.message(), 0});
  }
  std::cout << "restored " << options.from << " into " << options.data_dir
            << "; start newswired --data-dir " << options.data_dir << std::endl;
  return kOk;
}

}  // namespace newswire::cli
