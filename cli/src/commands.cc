#include "commands.h"

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include <cmath>
#include <filesystem>

#include "newswire/api/answers.h"
#include "newswire/core/article.h"
#include "newswire/core/article_json.h"
#include "newswire/core/diff.h"
#include "newswire/core/numbers.h"
#include "newswire/core/time.h"
#include "newswire/publisher/publisher.h"
#include "newswire/store/revision_store.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/subscriber/replayer.h"
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

}  // namespace

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

namespace {

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

// What became of a publish: "published", "held" (under embargo),
// "withdrawn" (a kill withdrew held text), or "unchanged" (a re-send of the
// current version).
const char* AckStatus(const v1::PublishAck& ack) {
  if (ack.withdrawn()) return "withdrawn";
  if (ack.has_embargoed_until()) return "held";
  if (ack.unchanged()) return "unchanged";
  return "published";
}

void PrintAck(const CommonOptions& common, const v1::PublishAck& ack, const std::string& file) {
  const std::string status = AckStatus(ack);
  if (common.json) {
    nlohmann::json line = {{"file", file},
                           {"status", status},
                           {"article_id", ack.article_id()},
                           {"duplicate", ack.duplicate()}};
    if (status == "held") line["embargoed_until"] = FormatUtc(ack.embargoed_until());
    if (ack.epoch() != 0) line["epoch"] = ack.epoch();  // The primary's term (a cluster).
    if (status == "published" || status == "unchanged") {
      line["version"] = ack.version();
      line["wire_seq"] = ack.wire_seq();
      line["content_hash"] = core::Hex(ack.content_hash());
      line["wire_time"] = FormatUtc(ack.wire_time());
    }
    std::cout << line.dump() << std::endl;
    return;
  }
  const std::string again = ack.duplicate() ? "already " : "";
  if (status == "held") {
    // Past the clock's end (2262) an embargo never comes: until further notice.
    const bool until_notice = core::ToClockNs(ack.embargoed_until()) == core::kClockMax;
    std::cout << again << "held " << ack.article_id() << " under embargo until "
              << FormatUtc(ack.embargoed_until())
              << (until_notice ? " (until further notice): it goes out when a later publish of "
                                 "the story lifts the embargo  ("
                               : ": it goes out then, unless a later publish of the story "
                                 "replaces it  (")
              << file << ")" << std::endl;
  } else if (status == "withdrawn") {
    std::cout << again << "withdrew " << ack.article_id() << ": its held text will never go out  ("
              << file << ")" << std::endl;
  } else {
    std::cout << again << (status == "unchanged" ? "unchanged " : "published ") << ack.article_id()
              << " v" << ack.version() << "  wire #" << ack.wire_seq() << "  sha256 "
              << ShortHash(ack.content_hash())
              << (status == "unchanged" ? "  (the current version: nothing sent)" : "") << "  ("
              << file << ")" << std::endl;
  }
}

}  // namespace

int RunPublish(const CommonOptions& common, const PublishOptions& options) {
  publisher::PublisherOptions publisher_options;
  publisher_options.hub = common.hub;
  publisher_options.curve = common.curve;
  if (!options.publisher_id.empty()) publisher_options.publisher_id = options.publisher_id;
  publisher_options.attempt_timeout = common.timeout;
  auto publisher = publisher::Publisher::Connect(publisher_options);
  if (!publisher) return Report(common, "publish", "", publisher.error());
  if (options.files.size() > 1 && (options.base_version != 0 || !options.key.empty())) {
    std::cerr << "newswire publish: --base-version and --idempotency-key take a single file\n";
    return kUsage;
  }

  for (const auto& file : options.files) {
    auto text = ReadInput(file);
    if (!text) return Report(common, "publish", file, text.error()), kUsage;
    auto article = core::ArticleFromJson(*text);
    if (!article) return Report(common, "publish", file, article.error());
    publisher::PublishParams params;
    params.base_version = options.base_version;
    params.publisher_key = options.key;
    auto ack = (*publisher)->Publish(*article, params);
    if (!ack) return Report(common, "publish", file, ack.error());
    PrintAck(common, *ack, file);
  }
  return kOk;
}

namespace {

// Prints deliveries the same way for tail and replay, so a tool can consume
// either: JSON lines, or human text with a word diff against the version
// printed before.
class DeliveryPrinter {
 public:
  DeliveryPrinter(const CommonOptions& common, bool figures_only)
      : json_(common.json), figures_only_(figures_only), style_{common.color} {}

  // Prints `d` unless only figure changes are wanted and it has none;
  // returns whether it printed.
  bool Print(const subscriber::Delivery& d) {
    const auto& e = d.event;
    const auto figures = api::FigureChangesOf(d);
    if (figures_only_ && (!figures || figures->empty())) {
      if (d.verified) previous_[e.article_id()] = d.rebuilt;
      return false;
    }
    // Live: the bytes of the message; from the store: the same event's size.
    const std::size_t wire_bytes = d.event_bytes ? d.event_bytes : e.ByteSizeLong();
    if (json_) {
      std::cout << api::DeliveryJson(d).dump() << std::endl;
    } else {
      PrintHuman(d, wire_bytes, figures);
    }
    if (d.verified) previous_[e.article_id()] = d.rebuilt;
    return true;
  }

  void PrintGap(const subscriber::Gap& gap) {
    if (json_) {
      std::cout << nlohmann::json{{"gap",
                                   {{"channel", gap.channel},
                                    {"first_missing", gap.first_missing},
                                    {"last_missing", gap.last_missing},
                                    {"reason", gap.reason}}}}
                       .dump()
                << std::endl;
    } else {
      std::cout << style_.Red() << "GAP on " << gap.channel << ": sequences " << gap.first_missing
                << ".." << gap.last_missing << " could not be recovered (" << gap.reason << ")"
                << style_.Reset() << std::endl;
    }
  }

  void PrintDenied(const subscriber::AccessDenied& denied) {
    if (json_) {
      std::cout << nlohmann::json{{"access_denied",
                                   {{"channel", denied.channel}, {"reason", denied.reason}}}}
                       .dump()
                << std::endl;
    }
    std::cerr << "newswire: the daemon stopped " << denied.channel << ": " << denied.reason
              << std::endl;
  }

  void PrintConnection(const subscriber::ConnectionChange& change) {
    if (json_) {
      std::cout << nlohmann::json{{"connection",
                                   {{"connected", change.connected},
                                    {"endpoint", change.endpoint},
                                    {"switched_hub", change.switched_hub}}}}
                       .dump()
                << std::endl;
    }
    if (change.switched_hub) {
      std::cerr << "newswire: switched to " << change.endpoint
                << "; resuming after the last revision shown" << std::endl;
      return;
    }
    std::cerr << "newswire: " << (change.connected ? "reconnected to " : "lost the connection to ")
              << change.endpoint
              << (change.connected ? "; filling any gap from the store" : "; retrying")
              << std::endl;
  }

 private:
  void PrintHuman(const subscriber::Delivery& d, std::size_t wire_bytes,
                  const std::optional<std::vector<core::FigureChange>>& figures) {
    const auto& e = d.event;
    if (d.killed()) {
      std::cout << style_.Red() << style_.Bold() << "*** KILL *** " << e.article_id()
                << " is withdrawn: do not use, remove it everywhere" << style_.Reset() << "\n";
    }
    std::cout << Header(d.article(), e.wire_time(), style_) << "  wire #" << e.wire_seq()
              << (d.recovered ? "  (from the store)" : "") << "\n";
    if (e.has_full()) {
      std::cout << "  full article: " << Thousands(wire_bytes) << " B on the wire";
    } else {
      char ratio[32];
      std::snprintf(ratio, sizeof ratio, "%.1fx",
                    static_cast<double>(e.full_bytes()) / static_cast<double>(wire_bytes));
      std::cout << "  " << api::PayloadName(e) << ": " << Thousands(wire_bytes)
                << " B on the wire vs " << Thousands(e.full_bytes()) << " B full article (" << ratio
                << " smaller)";
    }
    std::cout << ", " << (d.verified ? "verified" : "NOT VERIFIED: " + d.problem)
              << (d.repaired && d.verified ? " after repair" : "");
    if (!d.recovered) {
      char lag[48];
      std::snprintf(lag, sizeof lag, ", %.2f ms after it went out",
                    std::chrono::duration<double, std::milli>(d.lag).count());
      std::cout << lag;
    }
    std::cout << "\n";
    auto base = previous_.find(e.article_id());
    const bool follows =
        base != previous_.end() && base->second->article().version() + 1 == e.version();
    if (follows && e.has_diff()) {
      std::cout << RenderArticleDiff(base->second->article(), e.diff(), style_);
    } else if (follows && e.has_delta() && d.verified) {
      // A zstd delta is bytes, not edits: show the edits it stands for.
      std::cout << RenderArticleDiff(base->second->article(),
                                     core::DiffArticles(base->second->article(), d.article()),
                                     style_);
    } else {
      PrintArticleBody(d.article());
    }
    if (figures && !figures->empty()) {
      const char* label = "  figures: ";
      for (const auto& change : *figures) {
        std::cout << style_.Bold() << label << style_.Reset() << core::FigureChangeLine(change)
                  << "\n";
        label = "           ";
      }
    }
    std::cout << std::endl;
  }

  bool json_;
  bool figures_only_;
  Style style_;
  std::unordered_map<std::string, std::shared_ptr<const subscriber::RebuiltArticle>> previous_;
};

// Where `tail --resume NAME` keeps its cursor.
std::filesystem::path CursorPath(const std::string& name) {
  std::filesystem::path dir;
  if (const char* state = std::getenv("NEWSWIRE_STATE_DIR"); state && *state) {
    dir = state;
  } else if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) {
    dir = std::filesystem::path(xdg) / "newswire";
  } else {
    const char* home = std::getenv("HOME");
    dir = std::filesystem::path(home ? home : ".") / ".local/state/newswire";
  }
  return dir / "cursors" / name;
}

std::optional<uint64_t> ReadCursor(const std::filesystem::path& path) {
  std::ifstream file(path);
  uint64_t seq = 0;
  if (file >> seq) return seq;
  return std::nullopt;
}

// Written to a temp file and renamed, so a crash leaves the old or the new.
bool WriteCursor(const std::filesystem::path& path, uint64_t seq) {
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  const auto temp = path.string() + ".tmp";
  {
    std::ofstream file(temp, std::ios::trunc);
    if (!(file << seq << "\n")) return false;
  }
  std::filesystem::rename(temp, path, error);
  return !error;
}

Result<void> ParseSince(const std::string& since, subscriber::SubscriberOptions& options) {
  if (since.rfind("seq:", 0) == 0) {
    if (auto seq = core::ParseNumber<uint64_t>(std::string_view(since).substr(4))) {
      options.since_wire_seq = *seq;
      return {};
    }
    return Fail(v1::ERROR_CODE_MALFORMED,
                "--since seq:N wants a wire sequence number, not '" + since + "'");
  }
  auto time = core::ParseRfc3339(since);
  if (!time) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                "--since wants an RFC 3339 time or seq:N: " + time.error().message);
  }
  options.since_time = *time;
  return {};
}

}  // namespace

int RunTail(const CommonOptions& common, const TailOptions& options) {
  subscriber::SubscriberOptions sub_options;
  sub_options.hub = common.hub;
  sub_options.curve = common.curve;
  sub_options.channels = options.channels;
  sub_options.connect_timeout = common.timeout;
  sub_options.query_timeout = common.timeout;
  if (!options.since.empty()) {
    if (auto ok = ParseSince(options.since, sub_options); !ok) {
      std::cerr << "newswire tail: " << ok.error().message << "\n";
      return kUsage;
    }
  }
  std::filesystem::path cursor;
  if (!options.resume.empty()) {
    cursor = CursorPath(options.resume);
    if (auto last = ReadCursor(cursor)) {
      sub_options.since_wire_seq = *last + 1;
      sub_options.since_time.reset();
    }
  }
  auto subscriber = subscriber::Subscriber::Connect(sub_options);
  if (!subscriber) return Report(common, "tail", "", subscriber.error());
  std::cerr << "newswire tail: following " << common.hub << std::endl;

  std::signal(SIGINT, [](int) { g_interrupted.store(true); });
  std::signal(SIGTERM, [](int) { g_interrupted.store(true); });
  DeliveryPrinter printer(common, options.figures_only);
  uint64_t delivered = 0;
  while (!g_interrupted.load() && (options.count == 0 || delivered < options.count)) {
    auto notice = (*subscriber)->Next(std::chrono::milliseconds(200));
    if (!notice) return Report(common, "tail", "", notice.error());
    if (!notice->has_value()) continue;
    if (auto* gap = std::get_if<subscriber::Gap>(&**notice)) printer.PrintGap(*gap);
    if (auto* change = std::get_if<subscriber::ConnectionChange>(&**notice)) {
      printer.PrintConnection(*change);
    }
    if (auto* denied = std::get_if<subscriber::AccessDenied>(&**notice)) {
      printer.PrintDenied(*denied);
    }
    auto* delivery = std::get_if<subscriber::Delivery>(&**notice);
    if (!delivery) continue;
    if (printer.Print(*delivery)) ++delivered;
    // After printing: a crash in between repeats one revision, never loses one.
    if (!cursor.empty() && !WriteCursor(cursor, (*subscriber)->last_delivered_wire_seq())) {
      std::cerr << "newswire tail: cannot write cursor " << cursor << "\n";
      return kUsage;
    }
  }
  return kOk;
}

int RunReplay(const CommonOptions& common, const ReplayCommandOptions& options) {
  subscriber::ReplayOptions replay;
  replay.hub = common.hub;
  replay.curve = common.curve;
  replay.channels = options.channels;
  replay.query_timeout = common.timeout;
  replay.with_snapshot = options.with_snapshot;
  auto from = core::ParseRfc3339(options.from);
  if (!from) {
    std::cerr << "newswire replay: --from wants an RFC 3339 time: " << from.error().message << "\n";
    return kUsage;
  }
  replay.from = *from;
  if (!options.to.empty()) {
    auto to = core::ParseRfc3339(options.to);
    if (!to) {
      std::cerr << "newswire replay: --to wants an RFC 3339 time: " << to.error().message << "\n";
      return kUsage;
    }
    replay.to = *to;
  }
  if (options.speed == "max") {
    replay.speed = 0;
  } else {
    std::string_view speed = options.speed;
    if (!speed.empty() && speed.back() == 'x') speed.remove_suffix(1);
    auto factor = core::ParseNumber<double>(speed);
    if (!factor || !std::isfinite(*factor) || !(*factor > 0)) {
      std::cerr << "newswire replay: --speed wants 1x, 10x, 0.5x ... or max\n";
      return kUsage;
    }
    replay.speed = *factor;
  }
  auto replayer = subscriber::Replayer::Open(replay);
  if (!replayer) return Report(common, "replay", "", replayer.error());
  if (options.with_snapshot) PrintSnapshot(common, (*replayer)->snapshot(), /*in_replay=*/true);
  std::signal(SIGINT, [](int) { g_interrupted.store(true); });
  DeliveryPrinter printer(common, options.figures_only);
  while (!g_interrupted.load()) {
    auto delivery = (*replayer)->Next();
    if (!delivery) return Report(common, "replay", "", delivery.error());
    if (!*delivery) break;
    printer.Print(**delivery);
  }
  return kOk;
}

int RunGet(const CommonOptions& common, const GetOptions& options) {
  const std::string& article_id = options.article_id;
  auto client = subscriber::QueryClient::Connect(common.hub, common.timeout, common.curve);
  if (!client) return Report(common, "get", article_id, client.error());
  Result<v1::ArticleReply> reply = Fail(v1::ERROR_CODE_INTERNAL, "");
  if (!options.as_of.empty()) {
    auto as_of = core::ParseRfc3339(options.as_of);
    if (!as_of) {
      std::cerr << "newswire get: --as-of wants an RFC 3339 time: " << as_of.error().message
                << "\n";
      return kUsage;
    }
    reply = (*client)->GetArticleAsOf(article_id, *as_of);
  } else {
    reply = (*client)->GetArticle(article_id, options.version);
  }
  if (!reply) return Report(common, "get", article_id, reply.error());
  if (common.json) {
    std::cout << api::ArticleReplyJson(*reply).dump() << std::endl;
  } else {
    Style style{common.color};
    std::cout << Header(reply->article(), reply->wire_time(), style) << "  wire #"
              << reply->wire_seq() << "\n";
    PrintArticleBody(reply->article());
  }
  return kOk;
}

int RunHistory(const CommonOptions& common, const std::string& article_id) {
  auto client = subscriber::QueryClient::Connect(common.hub, common.timeout, common.curve);
  if (!client) return Report(common, "history", article_id, client.error());
  auto reply = (*client)->GetHistory(article_id);
  if (!reply) return Report(common, "history", article_id, reply.error());
  for (const auto& e : reply->entries()) {
    if (common.json) {
      std::cout << api::HistoryEntryJson(reply->article_id(), e).dump() << std::endl;
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
  std::string where = options.to;
  if (via_hub) {
    auto client = subscriber::QueryClient::Connect(common.hub, common.timeout, common.curve);
    if (!client) return Report(common, "admin backup", common.hub, client.error());
    // The daemon takes it inside its own backup folder (--backup-dir).
    auto reply = (*client)->Backup(options.to);
    if (!reply) return Report(common, "admin backup", options.to, reply.error());
    wire_seq = reply->wire_seq();
    where = reply->path();
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
    std::cout << nlohmann::json{{"backup", where}, {"wire_seq", wire_seq}}.dump() << std::endl;
  } else {
    std::cout << "backup in " << where << " holds the wire up to at least #" << wire_seq
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
