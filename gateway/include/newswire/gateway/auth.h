// Who is asking, and which feeds they may read: the gateway's seam for
// authentication and per-feed grants. Every REST answer, replay line and
// stream event passes Identity::MayRead for the article's feed.
//
// HTTP clients authenticate with `Authorization: Bearer TOKEN` (RFC 6750).
// The gateway reads the daemon's own access file (security/access_policy.h):
// an identity with a token_sha256 is known to the gateway by that token, as
// it is known to the daemon by its CURVE key, with the same grants. The
// file keeps only each token's SHA-256, so it holds no usable secret:
//
//   [[identity]]
//   name = "desk-tokyo"
//   public_key = "..."                     # optional here: the daemon's
//   token_sha256 = "9f86d0..."             # printf %s TOKEN | sha256sum
//   roles = ["subscriber"]
//   read_feeds = ["equities-asia"]         # ["*"] for every feed
//
// A subscriber reads its read_feeds (a replica every feed); other roles
// read nothing through the gateway. TLS is left to a reverse proxy in front
// of the gateway (README "The HTTP gateway").
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

  // Bearer tokens from the daemon's access file (format above). Its errors
  // (security::AccessPolicy::Load): MALFORMED naming the file and entry.
  static Result<std::unique_ptr<Authenticator>> FromAccessFile(const std::string& path);
};

}  // namespace newswire::gateway
