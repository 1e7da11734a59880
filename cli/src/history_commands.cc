// newswire diff and newswire blame: what changed between any two stored
// versions, and when each paragraph's current text first appeared.
#include <iostream>

#include "commands.h"
#include "newswire/api/answers.h"
#include "newswire/core/unicode.h"
#include "newswire/subscriber/query_client.h"
#include "render.h"

namespace newswire::cli {
namespace {

int Fail(const std::string& command, const std::string& subject, const Error& error, bool json) {
  std::cerr << "newswire " << command << ": " << subject << ": " << error.ToString() << "\n";
  if (json) std::cout << nlohmann::json{{"error", ErrorJson(error)}}.dump() << std::endl;
  return error.code == v1::ERROR_CODE_UNAVAILABLE ? 3 : 1;
}

}  // namespace

int RunDiff(const CommonOptions& common, const std::string& article_id, uint32_t from,
            uint32_t to) {
  auto client = subscriber::QueryClient::Connect(common.hub, common.timeout, common.curve);
  if (!client) return Fail("diff", article_id, client.error(), common.json);
  auto fetched = api::FetchDiff(**client, article_id, from, to);
  if (!fetched) return Fail("diff", article_id, fetched.error(), common.json);
  const auto& [base, result, diff] = *fetched;
  if (common.json) {
    std::cout << api::DiffJson(article_id, *fetched).dump() << std::endl;
    return 0;
  }
  Style style{common.color};
  std::cout << style.Bold() << article_id << " v" << base.version() << " -> v" << result.version()
            << style.Reset() << "  (" << Thousands(diff.ByteSizeLong()) << " B diff vs "
            << Thousands(result.ByteSizeLong()) << " B article)\n"
            << RenderArticleDiff(base, diff, style);
  return 0;
}

int RunBlame(const CommonOptions& common, const std::string& article_id) {
  auto client = subscriber::QueryClient::Connect(common.hub, common.timeout, common.curve);
  if (!client) return Fail("blame", article_id, client.error(), common.json);
  auto blame = api::FetchBlame(**client, article_id);
  if (!blame) return Fail("blame", article_id, blame.error(), common.json);
  for (const auto& line : blame->lines) {
    if (common.json) {
      std::cout << api::BlameLineJson(article_id, line).dump() << std::endl;
    } else {
      std::string text = core::TruncateToWidth(line.text, 70);
      std::cout << "v" << line.since_version << "  "
                << FormatTime(line.since_wire_time, blame->latest.time_zone()) << "  " << line.kind
                << " " << line.index << ": " << text << "\n";
    }
  }
  return 0;
}

}  // namespace newswire::cli
