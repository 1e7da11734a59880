// CURVE key pairs (CurveZMQ, ZeroMQ RFC 26) and the files that hold them.
//
// A key is 32 bytes, written as Z85 text (ZeroMQ RFC 32): 40 characters, as
// libzmq's zmq_curve_keypair gives them and its socket options take them.
// Key files are small TOML files, readable from any language:
//
//   NAME.key (mode 0600)          NAME.pub
//     public_key = "Z85..."         public_key = "Z85..."
//     secret_key = "Z85..."
//
// `newswire keygen --name NAME` writes both. Whoever holds a secret key is
// that identity to the daemon, so a secret key file that other users may
// read is refused (as ssh refuses such a private key). Stateless functions,
// safe on any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "newswire/core/error.h"

namespace newswire::security {

inline constexpr std::size_t kZ85KeyChars = 40;

struct KeyPair {
  std::string public_key;  // Z85, 40 characters.
  std::string secret_key;  // Z85, 40 characters.
};

// A fresh key pair. INTERNAL when libzmq was built without CURVE.
Result<KeyPair> GenerateKeyPair();

// The public key of a secret key (both Z85). MALFORMED when it is not one.
Result<std::string> PublicKeyOf(std::string_view secret_key);

// True for 40 characters of the Z85 alphabet.
bool IsZ85Key(std::string_view text);
// Z85 -> the 32 raw bytes (as ZAP requests carry keys); nullopt when not a key.
std::optional<std::string> DecodeKey(std::string_view z85);
// 32 raw bytes -> Z85.
std::string EncodeKey(std::string_view raw);

struct KeyFiles {
  std::string secret_path;  // DIR/NAME.key
  std::string public_path;  // DIR/NAME.pub
};

// Writes DIR/NAME.key (mode 0600, created so: never readable by others,
// not even for a moment) and DIR/NAME.pub. MALFORMED for a name that is not
// 1-64 characters of A-Z a-z 0-9 . _ -, or when either file exists (a key
// is never overwritten); NOT_FOUND when DIR cannot be written.
Result<KeyFiles> WriteKeyFiles(const KeyPair& keys, const std::string& dir,
                               const std::string& name);

// A secret key file: the pair, its public key checked against the secret.
// NOT_FOUND when unreadable; MALFORMED when it holds no valid secret key,
// or when group or others may read it.
Result<KeyPair> ReadSecretKeyFile(const std::string& path);

// A public key file (or a secret key file's public half): the Z85 key.
// NOT_FOUND when unreadable; MALFORMED when it holds no valid public key.
Result<std::string> ReadPublicKeyFile(const std::string& path);

}  // namespace newswire::security
