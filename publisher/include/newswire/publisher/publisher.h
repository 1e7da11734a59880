// The publisher library: sends articles to the wire daemon and waits for
// the ack that says the revision is durable.
//
// Every publish carries an idempotency key (generated when the caller gives
// none), so the library may resend after a timeout without ever creating a
// second revision. A Publisher owns its ZeroMQ context and socket and must be
// used from one thread at a time; use one Publisher per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "newswire/core/error.h"
#include "newswire/security/curve.h"
#include "newswire/v1/article.pb.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::publisher {

struct PublisherOptions {
  // One hub, or several separated by commas (the nodes of a cluster): an
  // attempt that gets no answer is sent again to the next one, and a
  // follower's not_primary names the primary.
  std::string hub = "tcp://127.0.0.1:7700";
  // Recorded with every revision by a daemon without security; a secure
  // daemon records the identity of the key instead.
  std::string publisher_id = "anonymous";
  // CURVE for a secure daemon (security::LoadCurveClient); unset: none.
  std::optional<security::CurveClient> curve;
  // How long to wait for an ack before resending, and how many sends in all.
  std::chrono::milliseconds attempt_timeout{2000};
  int attempts = 3;
};

struct PublishParams {
  uint32_t base_version = 0;  // Version edited from; 0 appends after the head.
  std::string publisher_key;  // Idempotency key; empty: a fresh random one.
};

class Publisher {
 public:
  // MALFORMED if the hub address is not tcp://HOST:PORT. Connecting is
  // lazy: an unreachable daemon shows up as UNAVAILABLE from Publish.
  static Result<std::unique_ptr<Publisher>> Connect(const PublisherOptions& options);

  virtual ~Publisher() = default;

  // Publishes the full new content of an article and blocks until the
  // daemon acks it (the revision is durable) or answers with a typed error
  // (INVALID_ARTICLE, VERSION_CONFLICT, TOO_LARGE, MALFORMED, STORE_FAILURE,
  // UNAUTHORIZED for a feed the key may not publish to, ...); every refusal
  // names its request, so it is returned at once, never resent. TOO_LARGE
  // without sending when the request would not fit in one frame
  // (core::kMaxFrameBytes). UNAVAILABLE when no answer came after every
  // attempt; UNAUTHORIZED, saying why, when the CURVE handshake fails
  // (security::HandshakeFailure); MALFORMED when what answered sent neither
  // an error nor an ack. An error with request id 0 (from a daemon that
  // could not read the id) is taken as this call's answer.
  // A follower answers NOT_PRIMARY naming the primary: the request is sent
  // there (same idempotency key, same key) and so are the publishes after
  // it; NOT_PRIMARY is returned only when no primary is named. Send/Receive
  // do not follow.
  virtual Result<v1::PublishAck> Publish(const v1::Article& article,
                                         const PublishParams& params = {}) = 0;

  // Pipelined publishing for high rates: Send queues a request and returns
  // its request id at once (or TOO_LARGE, unsent, as Publish); Receive waits
  // up to `timeout` for the next reply (in any order; match by request id).
  // No resends on this path.
  virtual Result<uint64_t> Send(const v1::Article& article, const PublishParams& params = {}) = 0;
  virtual Result<v1::PublishReply> Receive(std::chrono::milliseconds timeout) = 0;

 protected:
  Publisher() = default;
};

}  // namespace newswire::publisher
