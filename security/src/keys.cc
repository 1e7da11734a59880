#include "newswire/security/keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include <toml++/toml.h>
#include <zmq.h>

#include "newswire/security/access_policy.h"

namespace newswire::security {
namespace {

constexpr std::string_view kZ85Alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

Result<toml::table> ParseKeyFile(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    if (!std::filesystem::exists(path))
      return Fail(v1::ERROR_CODE_NOT_FOUND, "cannot read " + path);
    std::ostringstream where;
    where << e.source().begin;
    return Fail(v1::ERROR_CODE_MALFORMED,
                path + ": not a key file: " + std::string(e.description()) + " at " + where.str());
  }
}

Result<std::string> KeyField(const toml::table& table, const std::string& path, const char* field) {
  auto value = table[field].value<std::string>();
  if (!value || !IsZ85Key(*value)) {
    return Fail(
        v1::ERROR_CODE_MALFORMED,
        path + ": " + field + " must be a 40-character Z85 key (newswire keygen makes one)");
  }
  return *value;
}

// Creates `path` with `mode` and writes `text`; fails if it exists.
Result<void> WriteNew(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Fail(v1::ERROR_CODE_MALFORMED, path + " exists: a key file is never overwritten");
    }
    return Fail(v1::ERROR_CODE_NOT_FOUND, "cannot create " + path + ": " + std::strerror(errno));
  }
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced) {
    ::unlink(path.c_str());
    return Fail(v1::ERROR_CODE_NOT_FOUND, "cannot write " + path);
  }
  return {};
}

}  // namespace

Result<KeyPair> GenerateKeyPair() {
  std::array<char, kZ85KeyChars + 1> public_key{}, secret_key{};
  if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0) {
    return Fail(v1::ERROR_CODE_INTERNAL, "this libzmq has no CURVE support");
  }
  return KeyPair{public_key.data(), secret_key.data()};
}

Result<std::string> PublicKeyOf(std::string_view secret_key) {
  if (!IsZ85Key(secret_key)) return Fail(v1::ERROR_CODE_MALFORMED, "not a Z85 secret key");
  const std::string secret(secret_key);
  std::array<char, kZ85KeyChars + 1> public_key{};
  if (zmq_curve_public(public_key.data(), secret.c_str()) != 0) {
    return Fail(v1::ERROR_CODE_MALFORMED, "not a CURVE secret key");
  }
  return std::string(public_key.data());
}

bool IsZ85Key(std::string_view text) {
  if (text.size() != kZ85KeyChars) return false;
  for (char c : text) {
    if (kZ85Alphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::optional<std::string> DecodeKey(std::string_view z85) {
  if (!IsZ85Key(z85)) return std::nullopt;
  const std::string text(z85);
  std::string raw(32, '\0');
  if (!zmq_z85_decode(reinterpret_cast<uint8_t*>(raw.data()), text.c_str())) return std::nullopt;
  return raw;
}

std::string EncodeKey(std::string_view raw) {
  if (raw.size() != 32) return {};
  std::array<char, kZ85KeyChars + 1> text{};
  zmq_z85_encode(text.data(), reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
  return text.data();
}

Result<KeyFiles> WriteKeyFiles(const KeyPair& keys, const std::string& dir,
                               const std::string& name) {
  if (!IsName(name)) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                "key name '" + name + "' must be 1-64 characters of A-Z a-z 0-9 . _ -");
  }
  const std::filesystem::path base = std::filesystem::path(dir.empty() ? "." : dir);
  KeyFiles files{(base / (name + ".key")).string(), (base / (name + ".pub")).string()};
  if (std::filesystem::exists(files.public_path)) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                files.public_path + " exists: a key file is never overwritten");
  }
  const std::string secret_text = "# Newswire CURVE secret key \"" + name +
                                  "\" (newswire keygen). Keep it private: whoever\n"
                                  "# holds it is \"" +
                                  name + "\" to the daemon. Its public half is in " + name +
                                  ".pub.\npublic_key = \"" + keys.public_key +
                                  "\"\nsecret_key = \"" + keys.secret_key + "\"\n";
  const std::string public_text =
      "# Newswire CURVE public key \"" + name +
      "\": for the daemon's access file, or, if it is\n"
      "# a daemon's key, for its clients (--server-key).\npublic_key = \"" +
      keys.public_key + "\"\n";
  if (auto ok = WriteNew(files.secret_path, secret_text, 0600); !ok) return Fail(ok.error());
  if (auto ok = WriteNew(files.public_path, public_text, 0644); !ok) {
    ::unlink(files.secret_path.c_str());
    return Fail(ok.error());
  }
  return files;
}

Result<KeyPair> ReadSecretKeyFile(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return Fail(v1::ERROR_CODE_NOT_FOUND, "cannot read " + path);
  if (info.st_mode & (S_IRWXG | S_IRWXO)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    return Fail(v1::ERROR_CODE_MALFORMED, path + " is a secret key that others may read (mode " +
                                              mode + "): chmod 600 " + path);
  }
  auto table = ParseKeyFile(path);
  if (!table) return Fail(table.error());
  auto secret = KeyField(*table, path, "secret_key");
  if (!secret) return Fail(secret.error());
  auto derived = PublicKeyOf(*secret);
  if (!derived) return Fail(v1::ERROR_CODE_MALFORMED, path + ": " + derived.error().message);
  if (auto stated = (*table)["public_key"].value<std::string>(); stated && *stated != *derived) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                path + ": public_key is not the public half of secret_key");
  }
  return KeyPair{*derived, *secret};
}

Result<std::string> ReadPublicKeyFile(const std::string& path) {
  auto table = ParseKeyFile(path);
  if (!table) return Fail(table.error());
  return KeyField(*table, path, "public_key");
}

}  // namespace newswire::security
