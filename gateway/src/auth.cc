#include "newswire/gateway/auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <vector>

#include <toml++/toml.h>

namespace newswire::gateway {
namespace {

constexpr std::string_view kBearer = "Bearer ";

std::string Sha256(std::string_view text) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    for (char c : hex.substr(i, 2)) {
      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        value |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        value |= static_cast<unsigned>(c - 'A' + 10);
      else
        return std::nullopt;
    }
    out.push_back(static_cast<char>(value));
  }
  return out;
}

class OpenAccess : public Authenticator {
 public:
  Result<Identity> Authenticate(std::string_view) const override {
    return Identity{"anonymous", std::nullopt};
  }
};

class TokenAccess : public Authenticator {
 public:
  struct Client {
    std::string token_hash;  // SHA-256, raw bytes.
    Identity identity;
  };
  explicit TokenAccess(std::vector<Client> clients) : clients_(std::move(clients)) {}

  Result<Identity> Authenticate(std::string_view authorization) const override {
    if (authorization.empty()) {
      return Fail(v1::ERROR_CODE_UNAUTHORIZED, "a bearer token is required");
    }
    if (authorization.substr(0, kBearer.size()) != kBearer) {
      return Fail(v1::ERROR_CODE_UNAUTHORIZED, "Authorization must be 'Bearer TOKEN'");
    }
    const std::string hash = Sha256(authorization.substr(kBearer.size()));
    for (const auto& client : clients_) {
      // Compared in constant time: the hash of a guess leaks nothing by timing.
      if (CRYPTO_memcmp(hash.data(), client.token_hash.data(), hash.size()) == 0) {
        return client.identity;
      }
    }
    return Fail(v1::ERROR_CODE_UNAUTHORIZED, "unknown token");
  }

 private:
  std::vector<Client> clients_;
};

}  // namespace

bool Identity::MayRead(std::string_view feed) const {
  return !read_feeds || read_feeds->count(std::string(feed)) > 0;
}

std::unique_ptr<Authenticator> Authenticator::Open() { return std::make_unique<OpenAccess>(); }

Result<std::unique_ptr<Authenticator>> Authenticator::FromAccessFile(const std::string& path) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    return Fail(v1::ERROR_CODE_MALFORMED, path + ": " + std::string(error.description()));
  }
  const auto* entries = table["client"].as_array();
  if (!entries) return Fail(v1::ERROR_CODE_MALFORMED, path + ": no [[client]] entries");
  std::vector<TokenAccess::Client> clients;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const std::string where = path + ": client " + std::to_string(i + 1);
    const auto* entry = entries->get(i)->as_table();
    auto name = entry ? (*entry)["name"].value<std::string>() : std::nullopt;
    auto hash_hex = entry ? (*entry)["token_sha256"].value<std::string>() : std::nullopt;
    const auto* feeds = entry ? (*entry)["read_feeds"].as_array() : nullptr;
    if (!name || !hash_hex || !feeds) {
      return Fail(v1::ERROR_CODE_MALFORMED, where + ": needs name, token_sha256 and read_feeds");
    }
    auto hash = FromHex(*hash_hex);
    if (!hash || hash->size() != SHA256_DIGEST_LENGTH) {
      return Fail(v1::ERROR_CODE_MALFORMED, where + ": token_sha256 is not 64 hex digits");
    }
    TokenAccess::Client client{*hash, {*name, std::set<std::string>{}}};
    for (const auto& feed : *feeds) {
      auto value = feed.value<std::string>();
      if (!value) return Fail(v1::ERROR_CODE_MALFORMED, where + ": read_feeds holds strings");
      if (*value == "*") {
        client.identity.read_feeds.reset();
        break;
      }
      client.identity.read_feeds->insert(*value);
    }
    clients.push_back(std::move(client));
  }
  return std::unique_ptr<Authenticator>(std::make_unique<TokenAccess>(std::move(clients)));
}

}  // namespace newswire::gateway
