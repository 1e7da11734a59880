#include "secure_keys.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "newswire/core/article.h"
#include "newswire/security/keys.h"

namespace newswire::testing {
namespace {

std::string TomlList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? ", \"" : "\"") + item + "\"";
  return out + "]";
}

}  // namespace

SecureKeys::SecureKeys(std::string dir, const std::vector<Grant>& grants) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  KeyFor("daemon");
  Rewrite(grants);
}

void SecureKeys::KeyFor(const std::string& name) {
  if (std::filesystem::exists(KeyFile(name))) return;
  auto keys = security::GenerateKeyPair();
  if (!keys) throw std::runtime_error(keys.error().ToString());
  if (auto files = security::WriteKeyFiles(*keys, dir_, name); !files) {
    throw std::runtime_error(files.error().ToString());
  }
}

void SecureKeys::Rewrite(const std::vector<Grant>& grants) {
  std::string text = "# Written by the test.\n";
  for (const auto& grant : grants) {
    KeyFor(grant.name);
    auto key = security::ReadPublicKeyFile(dir_ + "/" + grant.name + ".pub");
    if (!key) throw std::runtime_error(key.error().ToString());
    text += "\n[[identity]]\nname = \"" + grant.name + "\"\npublic_key = \"" + *key +
            "\"\nroles = " + TomlList(grant.roles) + "\n";
    if (!grant.publish_feeds.empty())
      text += "publish_feeds = " + TomlList(grant.publish_feeds) + "\n";
    if (!grant.read_feeds.empty()) text += "read_feeds = " + TomlList(grant.read_feeds) + "\n";
    if (!grant.token.empty()) {
      text += "token_sha256 = \"" + core::Hex(core::Sha256(grant.token)) + "\"\n";
    }
  }
  // Written aside and renamed: a reload never reads half a file.
  const std::string temp = AccessFile() + ".new";
  std::ofstream(temp, std::ios::trunc) << text;
  std::filesystem::rename(temp, AccessFile());
}

std::vector<std::string> SecureKeys::DaemonFlags() const {
  return {"--curve-secret-key", KeyFile("daemon"), "--access", AccessFile()};
}

security::CurveClient SecureKeys::Client(const std::string& name) const {
  auto curve = security::LoadCurveClient(KeyFile(name), ServerKeyFile());
  if (!curve || !*curve) {
    throw std::runtime_error(curve ? "no keys for " + name : curve.error().ToString());
  }
  return **curve;
}

std::vector<std::string> SecureKeys::ClientFlags(const std::string& name) const {
  return {"--key", KeyFile(name), "--server-key", ServerKeyFile()};
}

}  // namespace newswire::testing
