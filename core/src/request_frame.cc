#include "newswire/core/request_frame.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

namespace newswire::core {

uint64_t RequestIdOf(std::string_view frame) {
  using google::protobuf::internal::WireFormatLite;
  constexpr int kRequestIdField = 1;  // PublishRequest and QueryRequest alike.
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(frame.data()),
                                            static_cast<int>(frame.size()));
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == kRequestIdField) {
      uint64_t id = 0;
      if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_VARINT ||
          !in.ReadVarint64(&id)) {
        return 0;
      }
      return id;
    }
    // Skipping a length-delimited field (the article) moves past it unread.
    if (!WireFormatLite::SkipField(&in, tag)) return 0;
  }
  return 0;
}

}  // namespace newswire::core
