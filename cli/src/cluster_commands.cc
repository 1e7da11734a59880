// newswire admin compare: proves two nodes' logs identical, commit by
// commit, up to the shorter one (README "Followers"). On a secure wire it
// reads commits as a replica: --key needs that role on both nodes, and
// --server-key is both nodes' public key (a cluster shares its key pair).
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "newswire/subscriber/query_client.h"
#include "newswire/v1/store.pb.h"

namespace newswire::cli {
namespace {

constexpr uint32_t kPage = 256;

// Where two commit pages first differ, if they do.
std::optional<std::string> Difference(const v1::ReplicatedCommit& a,
                                      const v1::ReplicatedCommit& b) {
  if (a.record() != b.record()) return "commit records differ";
  if (a.revisions_size() != b.revisions_size()) return "different numbers of revisions";
  for (int i = 0; i < a.revisions_size(); ++i) {
    if (a.revisions(i) != b.revisions(i)) return "revision records differ";
    if (a.log_entries(i) != b.log_entries(i)) return "log entries (events) differ";
  }
  return std::nullopt;
}

}  // namespace

int RunAdminCompare(const CommonOptions& common, const std::vector<std::string>& hubs) {
  if (hubs.size() != 2) {
    std::cerr << "newswire admin compare: give two hubs (--hub A --hub B)\n";
    return 2;
  }
  std::unique_ptr<subscriber::QueryClient> clients[2];
  for (int i = 0; i < 2; ++i) {
    auto client = subscriber::QueryClient::Connect(hubs[i], common.timeout, common.curve);
    if (!client) return Report(common, "admin compare", hubs[i], client.error());
    clients[i] = std::move(*client);
  }
  // Both logs from the newest commit either still holds, in lockstep.
  uint64_t next = 1, compared = 0, wire_seq = 0, last[2] = {0, 0};
  std::string problem;
  for (bool started = false;;) {
    Result<v1::CommitsReply> pages[2];
    for (int i = 0; i < 2; ++i) {
      pages[i] = clients[i]->ReadCommits(next, kPage);
      if (!pages[i] && pages[i].error().code == v1::ERROR_CODE_NOT_FOUND && !started) {
        // Retention removed the start on one: begin where both hold commits.
        pages[i] = clients[i]->ReadCommits(UINT64_MAX, 1);
      }
      if (!pages[i]) return Report(common, "admin compare", hubs[i], pages[i].error());
      last[i] = pages[i]->last_commit();
    }
    if (!started) {
      started = true;
      const uint64_t first = std::max(pages[0]->first_commit(), pages[1]->first_commit());
      if (first != next) {
        next = first;
        continue;
      }
    }
    const int n = std::min(pages[0]->commits_size(), pages[1]->commits_size());
    for (int k = 0; k < n && problem.empty(); ++k) {
      if (auto difference = Difference(pages[0]->commits(k), pages[1]->commits(k))) {
        problem = "commit " + std::to_string(pages[0]->commits(k).commit()) + ": " + *difference;
        break;
      }
      ++compared;
      next = pages[0]->commits(k).commit() + 1;
      v1::CommitRecord record;
      if (record.ParseFromString(pages[0]->commits(k).record()) && record.last_wire_seq() != 0) {
        wire_seq = record.last_wire_seq();
      }
    }
    if (!problem.empty() || n == 0) break;
  }
  const bool same = problem.empty();
  if (common.json) {
    nlohmann::json line = {{"hubs", hubs},
                           {"identical", same},
                           {"commits", compared},
                           {"through_commit", next - 1},
                           {"through_wire_seq", wire_seq},
                           {"last_commits", {last[0], last[1]}}};
    if (!same) line["difference"] = problem;
    std::cout << line.dump() << std::endl;
  } else if (same) {
    std::cout << hubs[0] << " and " << hubs[1] << ": identical through commit " << next - 1
              << " (wire #" << wire_seq << "), " << compared << " commits compared; newest "
              << last[0] << " and " << last[1] << std::endl;
  } else {
    std::cout << hubs[0] << " and " << hubs[1] << " differ at " << problem << std::endl;
  }
  return same ? 0 : 1;
}

}  // namespace newswire::cli
