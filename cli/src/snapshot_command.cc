// newswire snapshot: the wire as of a moment.
#include <iostream>

#include "commands.h"
#include "newswire/api/answers.h"
#include "newswire/core/article.h"
#include "newswire/core/time.h"
#include "render.h"

namespace newswire::cli {
namespace {

constexpr int kOk = 0;
constexpr int kUsage = 2;

int Fail(const CommonOptions& common, const Error& error) {
  std::cerr << "newswire snapshot: " << error.ToString() << "\n";
  if (common.json)
    std::cout << nlohmann::json{{"error", api::ErrorJson(error)}}.dump() << std::endl;
  return error.code == v1::ERROR_CODE_UNAVAILABLE ? 3 : 1;
}

}  // namespace

void PrintSnapshot(const CommonOptions& common, const subscriber::Snapshot& snapshot,
                   bool in_replay) {
  if (common.json) {
    std::cout << nlohmann::json{{"snapshot",
                                 {{"wire_seq", snapshot.wire_seq},
                                  {"wire_time", api::FormatUtc(snapshot.wire_time)},
                                  {"stories", snapshot.stories.size()}}}}
                     .dump()
              << std::endl;
    for (const auto& story : snapshot.stories) {
      auto line = api::SnapshotEntryJson(story);
      if (in_replay) line["snapshot"] = true;
      std::cout << line.dump() << std::endl;
    }
    return;
  }
  const Style style{common.color};
  std::cout << style.Bold() << (in_replay ? "starting from the wire up to #" : "the wire up to #")
            << snapshot.wire_seq << style.Reset();
  if (snapshot.wire_seq != 0) std::cout << " (" << FormatUtc(snapshot.wire_time) << ")";
  std::cout << ": " << snapshot.stories.size()
            << (snapshot.stories.size() == 1 ? " story" : " stories") << "\n";
  for (const auto& story : snapshot.stories) {
    const auto& a = story.article();
    std::cout << "  " << story.article_id() << " v" << story.version() << "  " << story.feed()
              << "  " << FormatTime(story.wire_time(), a.time_zone()) << "  wire #"
              << story.wire_seq();
    if (story.pubstatus() == v1::PUB_STATUS_CANCELED) {
      std::cout << "  " << style.Red() << "KILLED" << style.Reset();
    } else if (story.pubstatus() == v1::PUB_STATUS_WITHHELD) {
      std::cout << "  " << style.Red() << "WITHHELD" << style.Reset();
    }
    std::cout << "\n    " << a.headline() << "\n";
  }
  std::cout << std::flush;
}

int RunSnapshot(const CommonOptions& common, const SnapshotCommandOptions& options) {
  subscriber::SnapshotRequest request;
  request.channels = options.channels;
  request.with_articles = options.articles || !common.json;  // Headlines for people.
  if (!options.as_of.empty()) {
    auto as_of = core::ParseRfc3339(options.as_of);
    if (!as_of) {
      std::cerr << "newswire snapshot: --as-of wants an RFC 3339 time such as "
                   "2026-11-25T16:19:59+09:00: "
                << as_of.error().message << "\n";
      return kUsage;
    }
    request.as_of = *as_of;
  }
  auto client = subscriber::QueryClient::Connect(common.hub, common.timeout, common.curve);
  if (!client) return Fail(common, client.error());
  if (common.curve) {
    auto access = (*client)->GetAccess();
    if (!access) return Fail(common, access.error());
    request.access = std::move(*access);
  }
  auto snapshot = subscriber::ReadSnapshot(**client, request);
  if (!snapshot) return Fail(common, snapshot.error());
  PrintSnapshot(common, *snapshot, /*in_replay=*/false);
  return kOk;
}

}  // namespace newswire::cli
