// Who is asking, and which feeds they may read: the gateway's seam for
// authentication and per-feed grants. Every REST answer, replay line and
// stream event passes Identity::MayRead for the article's feed.
//
// HTTP clients authenticate with `Authorization: Bearer TOKEN` (RFC 6750).
// The access file maps tokens to identities and their read grants; it keeps
// only each token's SHA-256, so the file does not hold usable secrets:
//
//   [[client]]
//   name = "desk-tokyo"
//   token_sha256 = "9f86d0...";            # sha256sum of the token, hex
//   read_feeds = ["equities-asia"]         # "*" for every feed
//
// The names and grants mirror the daemon's per-key grants (CURVE + ZAP):
// once the daemon's access file carries bearer tokens, FromAccessFile reads
// that file, so the wire and the gateway grant from one place. TLS is left
// to a reverse proxy in front of the gateway (README "The HTTP gateway").
//
// Authenticators are immutable after creation and safe to share between
// threads.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "newswire/core/error.h"

namespace newswire::gateway {

struct Identity {
  std::string name;                                 // "anonymous" on an open gateway.
  std::optional<std::set<std::string>> read_feeds;  // nullopt: every feed.

  bool MayRead(std::string_view feed) const;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;

  // `authorization` is the Authorization header's value, empty when the
  // request had none. UNAUTHORIZED when a token is required and missing,
  // malformed or unknown.
  virtual Result<Identity> Authenticate(std::string_view authorization) const = 0;

  // No authentication: everyone is "anonymous" and reads every feed. For a
  // gateway on loopback or behind a proxy that authenticates.
  static std::unique_ptr<Authenticator> Open();

  // Bearer tokens from an access file (format above). MALFORMED, naming the
  // file and entry, for a syntax error, a missing key or a bad hash.
  static Result<std::unique_ptr<Authenticator>> FromAccessFile(const std::string& path);
};

}  // namespace newswire::gateway
