// Errors are values at every component boundary.
//
// `Result<T>` is a tl::expected that must be looked at: it carries either the
// value or an `Error` whose code is the same `newswire.v1.ErrorCode` the wire
// protocol sends, so a typed error travels unchanged from the store through
// the daemon to a client.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

#include "newswire/v1/wire.pb.h"

namespace newswire {

using ErrorCode = v1::ErrorCode;

struct Error {
  ErrorCode code = v1::ERROR_CODE_INTERNAL;
  std::string message;
  uint32_t current_version = 0;  // Head version, with VERSION_CONFLICT.
  std::string primary_hub;       // Where to publish instead, with NOT_PRIMARY.

  // "invalid article: headline is empty".
  std::string ToString() const;
  v1::Error ToProto() const;
  static Error FromProto(const v1::Error& proto);
};

// Short stable name of a code, e.g. "version_conflict", used in CLI output
// and metrics labels.
std::string_view ErrorCodeName(ErrorCode code);

// The NOT_FOUND errors of an article as the store words them: no such
// article, no such version of it, no version of it out at a time. A reader
// asking for an article of a feed it may not read gets the same words, so
// it cannot tell such an article from one that does not exist.
Error NoArticle(std::string_view article_id);
Error NoVersion(std::string_view article_id, uint32_t version);
Error NothingOutAt(std::string_view article_id);

template <typename T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using tl::expected<T, Error>::expected;
  Result(tl::expected<T, Error> other)  // NOLINT: implicit by design
      : tl::expected<T, Error>(std::move(other)) {}
};

inline tl::unexpected<Error> Fail(ErrorCode code, std::string message,
                                  uint32_t current_version = 0) {
  return tl::unexpected<Error>(Error{code, std::move(message), current_version});
}

inline tl::unexpected<Error> Fail(Error error) { return tl::unexpected<Error>(std::move(error)); }

}  // namespace newswire
