#include "newswire/security/access_policy.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "newswire/security/keys.h"

namespace newswire::security {
namespace {

constexpr std::string_view kWildcard = "*";

struct RoleEntry {
  std::string_view name;
  Role role;
};
constexpr RoleEntry kRoles[] = {{"publisher", Role::kPublisher},
                                {"subscriber", Role::kSubscriber},
                                {"operator", Role::kOperator},
                                {"replica", Role::kReplica}};

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    for (char c : hex.substr(i, 2)) {
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        value |= static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        value |= static_cast<unsigned>(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
    }
    out.push_back(static_cast<char>(value));
  }
  return out;
}

std::string Sha256(std::string_view text) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// Reads one [[identity]] entry; `where` names it in messages.
class EntryReader {
 public:
  EntryReader(const toml::table& entry, std::string where)
      : entry_(entry), where_(std::move(where)) {}

  Result<Identity> Read() {
    static const std::set<std::string, std::less<>> kKeys = {
        "name", "public_key", "token_sha256", "roles", "publish_feeds", "read_feeds"};
    Identity identity;
    auto name = entry_["name"].value<std::string>();
    if (!name || !IsName(*name)) return Bad("name must be 1-64 characters of A-Z a-z 0-9 . _ -");
    identity.name = *name;
    where_ += " (" + identity.name + ")";
    for (const auto& [key, value] : entry_) {
      if (!kKeys.count(key.str())) return Bad("unknown key '" + std::string(key.str()) + "'");
    }
    if (auto ok = ReadKey(identity); !ok) return Fail(ok.error());
    if (auto ok = ReadTokens(identity); !ok) return Fail(ok.error());
    if (identity.public_key.empty() && identity.token_hashes.empty()) {
      return Bad("needs a public_key (CURVE) or a token_sha256 (HTTP), or both");
    }
    if (auto ok = ReadRoles(identity); !ok) return Fail(ok.error());
    auto publish = ReadGrant("publish_feeds", Role::kPublisher, identity);
    if (!publish) return Fail(publish.error());
    identity.publish = std::move(*publish);
    auto read = ReadGrant("read_feeds", Role::kSubscriber, identity);
    if (!read) return Fail(read.error());
    identity.read = std::move(*read);
    if (identity.Has(Role::kReplica)) identity.read.all = true;
    return identity;
  }

 private:
  tl::unexpected<Error> Bad(const std::string& what) const {
    return Fail(v1::ERROR_CODE_MALFORMED, where_ + ": " + what);
  }

  Result<void> ReadKey(Identity& identity) {
    if (!entry_.contains("public_key")) return {};
    auto key = entry_["public_key"].value<std::string>();
    if (!key || !IsZ85Key(*key)) {
      return Bad("public_key must be a 40-character Z85 CURVE key (the public_key of a .pub file)");
    }
    identity.public_key = *key;
    return {};
  }

  // token_sha256 = "hex" or ["hex", ...] (several tokens, for rotation).
  Result<void> ReadTokens(Identity& identity) {
    auto node = entry_["token_sha256"];
    if (!node) return {};
    std::vector<std::string> hexes;
    if (auto one = node.value<std::string>()) {
      hexes.push_back(*one);
    } else if (const auto* list = node.as_array()) {
      for (const auto& item : *list) {
        auto text = item.value<std::string>();
        if (!text) return Bad("token_sha256 holds strings");
        hexes.push_back(*text);
      }
    } else {
      return Bad("token_sha256 must be a string or a list of strings");
    }
    for (const auto& hex : hexes) {
      auto hash = FromHex(hex);
      if (!hash || hash->size() != SHA256_DIGEST_LENGTH) {
        return Bad("token_sha256 must be 64 hex digits (printf %s TOKEN | sha256sum)");
      }
      identity.token_hashes.push_back(std::move(*hash));
    }
    return {};
  }

  Result<void> ReadRoles(Identity& identity) {
    const auto* roles = entry_["roles"].as_array();
    if (!roles || roles->empty()) {
      return Bad("roles must list one or more of publisher, subscriber, operator, replica");
    }
    for (const auto& item : *roles) {
      auto text = item.value<std::string>();
      const RoleEntry* found = nullptr;
      for (const auto& role : kRoles) {
        if (text && *text == role.name) found = &role;
      }
      if (!found) {
        return Bad("unknown role '" + text.value_or("?") +
                   "' (publisher, subscriber, operator, replica)");
      }
      identity.roles |= static_cast<uint8_t>(found->role);
    }
    return {};
  }

  // A grant is given exactly when its role is: a publisher without
  // publish_feeds could publish nothing, and publish_feeds without the
  // role would grant nothing, so both are mistakes worth naming.
  Result<FeedGrant> ReadGrant(const char* key, Role role, const Identity& identity) {
    FeedGrant grant;
    const auto* list = entry_[key].as_array();
    const std::string role_name(RoleName(role));
    if (!identity.Has(role)) {
      if (entry_.contains(key)) return Bad(std::string(key) + " needs the " + role_name + " role");
      return grant;
    }
    if (!list || list->empty()) {
      return Bad("the " + role_name + " role needs " + key +
                 " (feed names, or [\"*\"] for every feed)");
    }
    for (const auto& item : *list) {
      auto feed = item.value<std::string>();
      if (feed && *feed == kWildcard) {
        grant.all = true;
      } else if (!feed || !IsName(*feed)) {
        return Bad(std::string(key) + ": '" + feed.value_or("?") +
                   "' is not a feed name; the only wildcard is \"*\" alone (every feed)");
      } else {
        grant.feeds.insert(*feed);
      }
    }
    if (grant.all && list->size() > 1) {
      return Bad(std::string(key) + ": \"*\" (every feed) stands alone");
    }
    return grant;
  }

  const toml::table& entry_;
  std::string where_;
};

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& entry : kRoles) {
    if (entry.role == role) return entry.name;
  }
  return "?";
}

bool IsName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string FeedGrant::Describe() const {
  if (all) return "*";
  std::string out;
  for (const auto& feed : feeds) out += (out.empty() ? "" : ", ") + feed;
  return out.empty() ? "no feed" : out;
}

Result<AccessPolicy> AccessPolicy::Load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Fail(v1::ERROR_CODE_NOT_FOUND, "cannot read access file " + path);
  std::ostringstream text;
  text << file.rdbuf();
  return Parse(text.str(), path);
}

Result<AccessPolicy> AccessPolicy::Parse(std::string_view text, std::string_view source) {
  const std::string file(source);
  toml::table table;
  try {
    table = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    return Fail(v1::ERROR_CODE_MALFORMED,
                file + ": " + std::string(e.description()) + " at " + where.str());
  }
  for (const auto& [key, value] : table) {
    if (key.str() != "identity") {
      return Fail(v1::ERROR_CODE_MALFORMED,
                  file + ": unknown key '" + std::string(key.str()) + "' (expected [[identity]])");
    }
  }
  AccessPolicy policy;
  const auto* entries = table["identity"].as_array();
  if (!entries) return policy;  // Nobody: every key is refused.
  for (std::size_t i = 0; i < entries->size(); ++i) {
    std::string where = file + ": identity " + std::to_string(i + 1);
    const auto* entry = entries->get(i)->as_table();
    if (!entry) return Fail(v1::ERROR_CODE_MALFORMED, where + ": not a table ([[identity]])");
    auto identity = EntryReader(*entry, where).Read();
    if (!identity) return Fail(identity.error());
    where += " (" + identity->name + ")";
    if (policy.FindByName(identity->name)) {
      return Fail(v1::ERROR_CODE_MALFORMED,
                  where + ": the name '" + identity->name + "' is used twice");
    }
    if (const auto* other = policy.FindByPublicKey(identity->public_key);
        other && !identity->public_key.empty()) {
      return Fail(v1::ERROR_CODE_MALFORMED,
                  where + ": its public_key is also " + other->name + "'s");
    }
    for (const auto& hash : identity->token_hashes) {
      for (const auto& other : policy.identities_) {
        for (const auto& known : other.token_hashes) {
          if (known == hash) {
            return Fail(v1::ERROR_CODE_MALFORMED,
                        where + ": its token_sha256 is also " + other.name + "'s");
          }
        }
      }
    }
    const std::size_t index = policy.identities_.size();
    policy.by_name_.emplace(identity->name, index);
    if (!identity->public_key.empty()) policy.by_key_.emplace(identity->public_key, index);
    policy.identities_.push_back(std::move(*identity));
  }
  return policy;
}

const Identity* AccessPolicy::FindByName(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &identities_[it->second];
}

const Identity* AccessPolicy::FindByPublicKey(std::string_view z85) const {
  auto it = by_key_.find(std::string(z85));
  return it == by_key_.end() ? nullptr : &identities_[it->second];
}

const Identity* AccessPolicy::FindByToken(std::string_view token) const {
  const std::string hash = Sha256(token);
  const Identity* found = nullptr;
  for (const auto& identity : identities_) {
    for (const auto& known : identity.token_hashes) {
      // Constant time: how much of a guess's hash matched leaks nothing.
      if (CRYPTO_memcmp(hash.data(), known.data(), hash.size()) == 0) found = &identity;
    }
  }
  return found;
}

}  // namespace newswire::security
