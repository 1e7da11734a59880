// Keys and an access file for a secure daemon in a test: a CURVE key pair
// for the daemon and for each identity, written in a folder the test owns
// as `newswire keygen` writes them, and the access file naming them.
#pragma once

#include <string>
#include <vector>

#include "newswire/security/curve.h"

namespace newswire::testing {

// One [[identity]] of the access file.
struct Grant {
  std::string name;
  std::vector<std::string> roles;
  std::vector<std::string> publish_feeds;
  std::vector<std::string> read_feeds;
  std::string token;  // An HTTP bearer token (its SHA-256 is written); empty: none.
};

class SecureKeys {
 public:
  // Writes DIR/daemon.key, a key pair per grant and DIR/access.toml.
  SecureKeys(std::string dir, const std::vector<Grant>& grants);

  // Writes the access file again with `grants`; names already known keep
  // their keys, new names get new ones.
  void Rewrite(const std::vector<Grant>& grants);

  // --curve-secret-key and --access, for newswired.
  std::vector<std::string> DaemonFlags() const;
  const std::string& dir() const { return dir_; }
  std::string AccessFile() const { return dir_ + "/access.toml"; }
  std::string ServerKeyFile() const { return dir_ + "/daemon.pub"; }
  std::string KeyFile(const std::string& name) const { return dir_ + "/" + name + ".key"; }
  // The identity's CURVE settings, read back from its files (throws when
  // they do not read).
  security::CurveClient Client(const std::string& name) const;
  // --key and --server-key, for the CLI.
  std::vector<std::string> ClientFlags(const std::string& name) const;

 private:
  void KeyFor(const std::string& name);

  std::string dir_;
};

}  // namespace newswire::testing
