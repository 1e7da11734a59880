#include "newswire/replication/coordinator.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace newswire::replication {
namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// etcd's JSON gateway carries keys and values in base64 (RFC 4648).
std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kAlphabet[n & 63] : '=');
  }
  return out;
}

std::string Unbase64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) continue;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if ((count += 6) >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return out;
}

uint64_t Number(const Json& json, const char* key) {
  if (!json.contains(key)) return 0;
  const auto& v = json.at(key);
  return v.is_string() ? std::stoull(v.get<std::string>()) : v.get<uint64_t>();
}

// One etcd member after another until one answers.
class Etcd {
 public:
  explicit Etcd(const std::string& endpoints) {
    std::size_t start = 0;
    while (start <= endpoints.size()) {
      const auto comma = endpoints.find(',', start);
      std::string endpoint = endpoints.substr(start, comma - start);
      if (!endpoint.empty()) endpoints_.push_back(std::move(endpoint));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }

  std::optional<Json> Call(const std::string& path, const Json& body) {
    for (std::size_t tried = 0; tried < endpoints_.size(); ++tried) {
      httplib::Client client(endpoints_[current_]);
      client.set_connection_timeout(std::chrono::milliseconds(300));
      client.set_read_timeout(std::chrono::milliseconds(1000));
      auto response = client.Post(path, body.dump(), "application/json");
      if (response && response->status == 200) {
        try {
          return Json::parse(response->body);
        } catch (const Json::exception&) {
        }
      }
      current_ = (current_ + 1) % endpoints_.size();
    }
    return std::nullopt;
  }

  bool empty() const { return endpoints_.empty(); }

 private:
  std::vector<std::string> endpoints_;
  std::size_t current_ = 0;
};

class EtcdCoordinator final : public Coordinator {
 public:
  EtcdCoordinator(const CoordinatorOptions& options, std::function<uint64_t()> applied_commit)
      : options_(options),
        applied_commit_(std::move(applied_commit)),
        etcd_(options.etcd),
        prefix_("/newswire/" + options.cluster + "/"),
        leader_key_(prefix_ + "leader"),
        member_key_(prefix_ + "members/" + options.name) {
    thread_ = std::thread([this] { Loop(); });
  }

  ~EtcdCoordinator() override {
    stop_ = true;
    thread_.join();
    // Resign: the lease goes, with the leader key if it held it, so the
    // next primary need not wait for it to expire.
    if (lease_ != 0) etcd_.Call("/v3/lease/revoke", {{"ID", std::to_string(lease_)}});
  }

  Leadership Current() const override {
    std::lock_guard lock(mutex_);
    return current_;
  }

 private:
  void Loop() {
    while (!stop_.load()) {
      Round();
      std::this_thread::sleep_for(options_.interval);
    }
  }

  void Round() {
    const auto now = SteadyClock::now();
    if (!KeepLease(now)) return;
    auto leader = etcd_.Call("/v3/kv/range", {{"key", Base64(leader_key_)}});
    if (!leader) return;
    const auto kvs = leader->value("kvs", Json::array());
    if (kvs.empty()) {
      Update([&](Leadership& l) {
        if (l.leader) Fence(l, "the leader key is gone");
        l.known = false;
      });
      if (MayCampaign()) Campaign();
    } else {
      const auto& kv = kvs.front();
      const bool mine = Number(kv, "lease") == lease_;
      Update([&](Leadership& l) {
        if (l.leader && !mine) Fence(l, "another node holds the leader key");
        l.known = true;
        l.leader = mine && !l.fenced;
        l.leader_hub = Unbase64(kv.value("value", ""));
        l.epoch = Number(kv, "create_revision");
      });
    }
    Register();
  }

  // Renews the lease (granting one first); false while there is none.
  bool KeepLease(SteadyClock::time_point now) {
    if (lease_ == 0) {
      auto granted = etcd_.Call("/v3/lease/grant", {{"TTL", options_.lease_ttl.count()}});
      if (!granted || Number(*granted, "ID") == 0) return LeaseLost(now);
      lease_ = Number(*granted, "ID");
      renewed_ = now;
      return true;
    }
    auto kept = etcd_.Call("/v3/lease/keepalive", {{"ID", std::to_string(lease_)}});
    if (kept && Number(kept->value("result", Json::object()), "TTL") > 0) {
      renewed_ = now;
      return true;
    }
    if (kept) lease_ = 0;  // Expired: etcd answered, the lease is gone.
    return LeaseLost(now);
  }

  // A primary that could not renew its lease stops before it could expire.
  bool LeaseLost(SteadyClock::time_point now) {
    const auto deadline = renewed_ + options_.lease_ttl - options_.fence_margin;
    if (now >= deadline) {
      Update([&](Leadership& l) {
        if (l.leader) Fence(l, "could not renew the leader lease in time");
      });
    }
    return false;
  }

  // The most complete follower wins: campaign only if no live member holds
  // a longer log (ties go to the lower name).
  bool MayCampaign() {
    const uint64_t mine = applied_commit_();
    auto members = etcd_.Call("/v3/kv/range", {{"key", Base64(prefix_ + "members/")},
                                               {"range_end", Base64(prefix_ + "members0")}});
    if (!members) return false;
    for (const auto& kv : members->value("kvs", Json::array())) {
      const std::string key = Unbase64(kv.value("key", ""));
      if (key == member_key_) continue;
      Json member = Json::parse(Unbase64(kv.value("value", "")), nullptr, false);
      if (member.is_discarded()) continue;
      const uint64_t theirs = member.value("commit", uint64_t{0});
      if (theirs > mine || (theirs == mine && key < member_key_)) return false;
    }
    return !Current().fenced;
  }

  void Campaign() {
    const Json txn = {{"compare",
                       {{{"key", Base64(leader_key_)},
                         {"result", "EQUAL"},
                         {"target", "CREATE"},
                         {"create_revision", "0"}}}},
                      {"success",
                       {{{"request_put",
                          {{"key", Base64(leader_key_)},
                           {"value", Base64(options_.hub)},
                           {"lease", std::to_string(lease_)}}}}}}};
    auto result = etcd_.Call("/v3/kv/txn", txn);
    if (!result || !result->value("succeeded", false)) return;
    const uint64_t epoch = Number(result->value("header", Json::object()), "revision");
    spdlog::info("elected primary of cluster {} with epoch {} (commit {})", options_.cluster, epoch,
                 applied_commit_());
    Update([&](Leadership& l) {
      l.known = true;
      l.leader = true;
      l.leader_hub = options_.hub;
      l.epoch = epoch;
    });
  }

  void Register() {
    const Json member = {{"hub", options_.hub}, {"commit", applied_commit_()}};
    etcd_.Call("/v3/kv/put", {{"key", Base64(member_key_)},
                              {"value", Base64(member.dump())},
                              {"lease", std::to_string(lease_)}});
  }

  static void Fence(Leadership& l, const std::string& why) {
    if (l.fenced) return;
    spdlog::critical("no longer primary (epoch {}): {}", l.epoch, why);
    l.fenced = true;
    l.leader = false;
    l.why_fenced = why;
  }

  template <typename Change>
  void Update(Change change) {
    std::lock_guard lock(mutex_);
    change(current_);
  }

  CoordinatorOptions options_;
  std::function<uint64_t()> applied_commit_;
  Etcd etcd_;
  const std::string prefix_, leader_key_, member_key_;
  uint64_t lease_ = 0;  // Coordinator thread only (and the destructor).
  SteadyClock::time_point renewed_ = SteadyClock::now();
  mutable std::mutex mutex_;
  Leadership current_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<Coordinator>> Coordinator::Start(const CoordinatorOptions& options,
                                                        std::function<uint64_t()> applied_commit) {
  if (options.etcd.empty() || options.name.empty() || options.hub.empty()) {
    return Fail(v1::ERROR_CODE_MALFORMED, "a cluster node needs etcd endpoints, a name and a hub");
  }
  if (options.fence_margin >= options.lease_ttl) {
    return Fail(v1::ERROR_CODE_MALFORMED, "the fencing margin must be shorter than the lease");
  }
  return std::unique_ptr<Coordinator>(
      std::make_unique<EtcdCoordinator>(options, std::move(applied_commit)));
}

}  // namespace newswire::replication
