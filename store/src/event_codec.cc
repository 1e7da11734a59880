#include "event_codec.h"

#include "newswire/core/embedded.h"
#include "newswire/store/revision_store.h"
#include "newswire/v1/views.pb.h"

namespace newswire::store {

std::string EncodeEvent(const EventHeader& header, int payload_field, std::string_view payload) {
  v1::RevisionEventView event;
  event.set_article_id(std::string(header.article_id));
  event.set_version(header.version);
  event.set_wire_seq(header.wire_seq);
  event.set_wire_time(std::string(header.wire_time));
  event.set_content_hash(std::string(header.content_hash));
  event.set_base_hash(std::string(header.base_hash));
  event.set_full_bytes(header.full_bytes);
  std::string out;
  out.reserve(event.ByteSizeLong() + 8 + payload.size());
  event.AppendToString(&out);
  // Spliced on rather than copied into the message first: the payload is
  // the largest part (the whole article for version 1).
  core::AppendEmbedded(out, payload_field, payload);
  core::AppendVarintField(out, v1::RevisionEvent::kEpochFieldNumber, header.epoch);
  return out;
}

v1::RevisionEvent EventOf(v1::StoredRevision revision) {
  const v1::Article& article = revision.article();
  int field = v1::RevisionEvent::kDiffFieldNumber;
  std::string payload;
  if (revision.diff_is_full()) {
    field = v1::RevisionEvent::kFullFieldNumber;
    payload = article.SerializeAsString();
  } else if (!revision.delta().empty()) {
    field = v1::RevisionEvent::kDeltaFieldNumber;
    payload = revision.delta();
  } else {
    payload = revision.diff().SerializeAsString();
  }
  const std::string wire_time = revision.wire_time().SerializeAsString();
  v1::RevisionEvent event;
  event.ParseFromString(EncodeEvent({.article_id = article.id(),
                                     .version = article.version(),
                                     .wire_seq = revision.wire_seq(),
                                     .wire_time = wire_time,
                                     .content_hash = revision.content_hash(),
                                     .base_hash = revision.base_hash(),
                                     .full_bytes = revision.full_bytes(),
                                     .epoch = revision.epoch()},
                                    field, payload));
  return event;
}

}  // namespace newswire::store
