#include "newswire/core/error.h"

namespace newswire {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case v1::ERROR_CODE_MALFORMED: return "malformed";
    case v1::ERROR_CODE_INVALID_ARTICLE: return "invalid_article";
    case v1::ERROR_CODE_VERSION_CONFLICT: return "version_conflict";
    case v1::ERROR_CODE_TOO_LARGE: return "too_large";
    case v1::ERROR_CODE_STORE_FAILURE: return "store_failure";
    case v1::ERROR_CODE_NOT_FOUND: return "not_found";
    case v1::ERROR_CODE_UNAUTHORIZED: return "unauthorized";
    case v1::ERROR_CODE_UNAVAILABLE: return "unavailable";
    case v1::ERROR_CODE_DIFF_MISMATCH: return "diff_mismatch";
    case v1::ERROR_CODE_INTERNAL: return "internal";
    case v1::ERROR_CODE_IDEMPOTENCY_KEY_REUSED: return "idempotency_key_reused";
    case v1::ERROR_CODE_NOT_PRIMARY: return "not_primary";
    default: return "unspecified";
  }
}

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code));
  for (char& c : out) {
    if (c == '_') c = ' ';
  }
  if (!message.empty()) out += ": " + message;
  return out;
}

v1::Error Error::ToProto() const {
  v1::Error proto;
  proto.set_code(code);
  proto.set_message(message);
  proto.set_current_version(current_version);
  proto.set_primary_hub(primary_hub);
  return proto;
}

Error Error::FromProto(const v1::Error& proto) {
  return Error{proto.code(), proto.message(), proto.current_version(), proto.primary_hub()};
}

Error NoArticle(std::string_view article_id) {
  return {v1::ERROR_CODE_NOT_FOUND, "no article " + std::string(article_id), 0};
}

Error NoVersion(std::string_view article_id, uint32_t version) {
  return {v1::ERROR_CODE_NOT_FOUND,
          "no version " + std::to_string(version) + " of article " + std::string(article_id), 0};
}

Error NothingOutAt(std::string_view article_id) {
  return {v1::ERROR_CODE_NOT_FOUND,
          "no version of " + std::string(article_id) + " was out at that time", 0};
}

}  // namespace newswire
