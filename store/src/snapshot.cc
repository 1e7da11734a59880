// ReadSnapshot: the wire as it stood at a wire sequence, a page at a time.
//
// No index is kept for it. Wire sequences grow with versions, so a story's
// version at the instant is its head when the head is old enough, and
// otherwise a binary search over its versions; the stories come from the
// heads (the whole wire), a feed's heads (a feed never changes under a
// story) or the channel's own index (instruments and topics, mixed or
// scoped to a feed, which a story's versions may gain or drop). bench/README.md ("Snapshots") has
// the measurements behind this choice.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <charconv>

#include "keys.h"
#include "newswire/core/channel.h"
#include "newswire/core/time.h"
#include "rocks_store.h"

namespace newswire::store {
namespace {

using google::protobuf::internal::WireFormatLite;

// The facts a snapshot entry needs from a stored revision, read without
// parsing its article (whose feed, version and status are its first
// fields).
struct Facts {
  uint64_t wire_seq = 0;
  int64_t wire_time_ns = 0;
  std::string content_hash;
  std::string feed;
  uint32_t version = 0;
  v1::PubStatus pubstatus = v1::PUB_STATUS_USABLE;
  std::string_view article;  // Encoded Article, inside the record.
};

// Calls `field(number, wire type, in)` for each field of `bytes`; the
// callback reads or skips the value. False when the bytes do not parse.
template <typename Field>
bool ForEachField(std::string_view bytes, Field field) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  while (uint32_t tag = in.ReadTag()) {
    if (!field(WireFormatLite::GetTagFieldNumber(tag), WireFormatLite::GetTagWireType(tag), in,
               tag)) {
      return false;
    }
  }
  return in.ConsumedEntireMessage();
}

bool ReadBytes(google::protobuf::io::CodedInputStream& in, std::string_view whole,
               std::string_view* out) {
  uint32_t length = 0;
  if (!in.ReadVarint32(&length)) return false;
  const int at = in.CurrentPosition();
  if (static_cast<std::size_t>(at) + length > whole.size()) return false;
  *out = whole.substr(static_cast<std::size_t>(at), length);
  return in.Skip(static_cast<int>(length));
}

Result<Facts> ReadFacts(std::string_view record) {
  Facts f;
  constexpr auto kLen = WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
  constexpr auto kVarint = WireFormatLite::WIRETYPE_VARINT;
  const bool ok = ForEachField(record, [&](int number, int type, auto& in, uint32_t tag) {
    std::string_view bytes;
    switch (number) {
      case v1::StoredRevision::kArticleFieldNumber:
        return type == kLen && ReadBytes(in, record, &f.article);
      case v1::StoredRevision::kWireSeqFieldNumber:
        return type == kVarint && in.ReadVarint64(&f.wire_seq);
      case v1::StoredRevision::kWireTimeFieldNumber: {
        google::protobuf::Timestamp time;
        if (type != kLen || !ReadBytes(in, record, &bytes) ||
            !time.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
          return false;
        }
        f.wire_time_ns = core::ToClockNs(time);
        return true;
      }
      case v1::StoredRevision::kContentHashFieldNumber:
        if (type != kLen || !ReadBytes(in, record, &bytes)) return false;
        f.content_hash = std::string(bytes);
        return true;
      default: return WireFormatLite::SkipField(&in, tag);
    }
  });
  const bool article_ok =
      ok && ForEachField(f.article, [&](int number, int type, auto& in, uint32_t tag) {
        std::string_view bytes;
        uint32_t v = 0;
        switch (number) {
          case v1::Article::kFeedFieldNumber:
            if (type != kLen || !ReadBytes(in, f.article, &bytes)) return false;
            f.feed = std::string(bytes);
            return true;
          case v1::Article::kVersionFieldNumber:
            return type == kVarint && in.ReadVarint32(&f.version);
          case v1::Article::kPubstatusFieldNumber:
            if (type != kVarint || !in.ReadVarint32(&v)) return false;
            f.pubstatus = static_cast<v1::PubStatus>(v);
            return true;
          default: return WireFormatLite::SkipField(&in, tag);
        }
      });
  if (!article_ok) return Fail(v1::ERROR_CODE_STORE_FAILURE, "corrupt revision record");
  return f;
}

// The wire sequence of a stored revision, read without the rest.
Result<uint64_t> WireSeqOf(std::string_view record) {
  uint64_t seq = 0;
  const bool ok = ForEachField(record, [&](int number, int type, auto& in, uint32_t tag) {
    if (number == v1::StoredRevision::kWireSeqFieldNumber) {
      return type == WireFormatLite::WIRETYPE_VARINT && in.ReadVarint64(&seq);
    }
    return WireFormatLite::SkipField(&in, tag);
  });
  if (!ok) return Fail(v1::ERROR_CODE_STORE_FAILURE, "corrupt revision record");
  return seq;
}

enum class Source { kWire, kFeed, kChannel };

std::optional<Source> SourceOf(std::string_view channel) {
  if (channel.empty() || channel == core::WireChannel()) return Source::kWire;
  if (!core::IsChannelTopic(channel)) return std::nullopt;
  switch (core::KindOf(channel)) {
    case core::ChannelKind::kFeed: return Source::kFeed;
    case core::ChannelKind::kInstrument:
    case core::ChannelKind::kTopic:
    case core::ChannelKind::kScoped: return Source::kChannel;
    default: return std::nullopt;
  }
}

}  // namespace

// The newest version of `article_id` out at wire sequence `at` (0: none),
// given its head; `it` is an iterator over the revisions, reused.
Result<uint32_t> RocksRevisionStore::VersionAt(rocksdb::Iterator& it, std::string_view article_id,
                                               const v1::Head& head, uint64_t at) const {
  if (head.wire_seq() <= at) return head.version();
  if (head.first_wire_seq() > at) return 0u;  // Came later: nothing to read.
  const std::string prefix = keys::ArticlePrefix(article_id);
  auto seq_of = [&](uint32_t version) -> Result<uint64_t> {
    it.Seek(keys::Revision(article_id, version));
    if (!it.Valid() || !it.key().starts_with(prefix)) {
      if (!it.status().ok()) return StoreFailure("reading revisions", it.status());
      return Fail(v1::ERROR_CODE_STORE_FAILURE,
                  "versions of " + std::string(article_id) + " end before its head");
    }
    return WireSeqOf(it.value().ToStringView());
  };
  auto first_seq = seq_of(0);  // The first kept version.
  if (!first_seq) return Fail(first_seq.error());
  const auto first =
      static_cast<uint32_t>(keys::GetBigEndian(it.key().ToStringView().substr(prefix.size())));
  if (*first_seq > at) return 0u;
  // The answer is in [low, high): low is out by then, high is not.
  uint32_t low = first, high = head.version();
  while (high - low > 1) {
    const uint32_t mid = low + (high - low) / 2;
    auto seq = seq_of(mid);
    if (!seq) return Fail(seq.error());
    (*seq <= at ? low : high) = mid;
  }
  return low;
}

Result<SnapshotPage> RocksRevisionStore::ReadSnapshot(std::string_view channel,
                                                      uint64_t at_wire_seq,
                                                      std::string_view page_token,
                                                      std::size_t limit, bool with_full) const {
  const auto source = SourceOf(channel);
  if (!source) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                "a snapshot is of the wire, a feed, an instrument or a topic, not '" +
                    std::string(channel) + "'");
  }
  if (auto cut = RetainedFrom(); !cut) {
    return Fail(cut.error());
  } else if (*cut > at_wire_seq + 1) {
    return Fail(v1::ERROR_CODE_NOT_FOUND,
                "the wire before #" + std::to_string(*cut) + " was removed by retention");
  }
  limit = std::max<std::size_t>(limit, 1);
  // The stories and their versions at the instant; the revision records
  // are read (at once) only for what the heads do not say.
  std::vector<Pick> picked;
  auto token =
      *source == Source::kChannel
          ? PickFromChannel(channel, at_wire_seq, page_token, limit, &picked)
          : PickFromHeads(*source == Source::kFeed ? core::ChannelName(channel) : "",
                          *source == Source::kFeed, at_wire_seq, page_token, limit, &picked);
  if (!token) return Fail(token.error());
  std::vector<std::string> keys;
  std::vector<std::size_t> reads;
  for (std::size_t i = 0; i < picked.size(); ++i) {
    if (!with_full && picked[i].complete) continue;
    reads.push_back(i);
    keys.push_back(keys::Revision(picked[i].item.article_id, picked[i].item.version));
  }
  std::vector<rocksdb::Status> statuses;
  auto values = MultiGet(kRevisions, keys, statuses);
  for (std::size_t k = 0; k < keys.size(); ++k) {
    if (!statuses[k].ok()) return StoreFailure("reading revision", statuses[k]);
    auto facts = ReadFacts(values[k].ToStringView());
    if (!facts) return Fail(facts.error());
    SnapshotItem& item = picked[reads[k]].item;
    item.feed = std::move(facts->feed);
    item.wire_seq = facts->wire_seq;
    item.wire_time_ns = facts->wire_time_ns;
    item.content_hash = std::move(facts->content_hash);
    item.pubstatus = facts->pubstatus;
    if (with_full) item.article = std::string(facts->article);
  }
  SnapshotPage page;
  page.next_page_token = std::move(*token);
  page.items.reserve(picked.size());
  for (auto& p : picked) {
    if (p.item.pubstatus == v1::PUB_STATUS_UNSPECIFIED) p.item.pubstatus = v1::PUB_STATUS_USABLE;
    page.items.push_back(std::move(p.item));
  }
  return page;
}

// Stories from the feed heads (a feed's, or every feed's) after the token,
// in key order (feed, then article id): each head is the story's version
// at the instant when it is old enough, and says all the snapshot needs
// about it. Looks at no more than a few pages' worth of heads, so a page
// of stories that mostly came later still ends in time. Returns the next
// page token (the last key looked at, after the feed's prefix).
Result<std::string> RocksRevisionStore::PickFromHeads(std::string_view feed, bool by_feed,
                                                      uint64_t at, std::string_view token,
                                                      std::size_t limit,
                                                      std::vector<Pick>* picked) const {
  const std::string prefix = by_feed ? keys::FeedHead(feed, "") : std::string();
  const std::string start = prefix + std::string(token);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(kFeedHeads)));
  std::unique_ptr<rocksdb::Iterator> versions(db_->NewIterator({}, cf(kRevisions)));
  it->Seek(start);
  if (it->Valid() && !token.empty() && it->key().ToStringView() == start) it->Next();
  const std::size_t budget = limit * 4 + 16;
  std::string last;
  for (std::size_t seen = 0; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (picked->size() == limit || seen++ == budget) return last;
    auto head = ParseRecord<v1::Head>(it->value().ToStringView(), "head");
    if (!head) return Fail(head.error());
    const std::string_view key = it->key().ToStringView();
    last = std::string(key.substr(prefix.size()));
    const std::size_t split = key.find('\0');
    if (split == std::string_view::npos) {
      return Fail(v1::ERROR_CODE_STORE_FAILURE, "corrupt feed head key");
    }
    const std::string_view article_id = key.substr(split + 1);
    auto version = VersionAt(*versions, article_id, *head, at);
    if (!version) return Fail(version.error());
    if (*version == 0) continue;
    Pick pick;
    pick.item.article_id = std::string(article_id);
    pick.item.feed = std::string(key.substr(0, split));
    pick.item.version = *version;
    if (*version == head->version() && head->wire_time_ns() != 0) {
      pick.item.wire_seq = head->wire_seq();
      pick.item.wire_time_ns = head->wire_time_ns();
      pick.item.content_hash = std::move(*head->mutable_content_hash());
      pick.item.pubstatus = head->pubstatus();
      pick.complete = true;
    }
    picked->push_back(std::move(pick));
  }
  if (!it->status().ok()) return StoreFailure("reading heads", it->status());
  return std::string();
}

// Stories from an instrument or topic channel's index: an entry is in the
// snapshot when its version is the story's version at the instant (a later
// version that dropped the instrument or topic leaves the story out).
Result<std::string> RocksRevisionStore::PickFromChannel(std::string_view channel, uint64_t at,
                                                        std::string_view token, std::size_t limit,
                                                        std::vector<Pick>* picked) const {
  uint64_t from = 1;
  if (!token.empty()) {
    auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), from);
    if (error != std::errc() || end != token.data() + token.size() || from == 0) {
      return Fail(v1::ERROR_CODE_MALFORMED, "not a page token of this snapshot");
    }
  }
  auto past = ChannelSeqAtOrAfter(channel, at + 1);
  if (!past) return Fail(past.error());
  if (from >= *past) return std::string();
  auto positions = ChannelPositions(channel, from, std::min<uint64_t>(limit, *past - from));
  if (!positions) return Fail(positions.error());
  std::vector<std::string> keys;
  for (const auto& p : *positions) keys.push_back(std::string(p.article_id));
  std::vector<rocksdb::Status> statuses;
  auto heads = MultiGet(kHeads, keys, statuses);
  std::unique_ptr<rocksdb::Iterator> versions(db_->NewIterator({}, cf(kRevisions)));
  for (std::size_t i = 0; i < positions->size(); ++i) {
    if (!statuses[i].ok()) return StoreFailure("reading head", statuses[i]);
    auto head = ParseRecord<v1::Head>(heads[i].ToStringView(), "head");
    if (!head) return Fail(head.error());
    const auto& p = (*positions)[i];
    auto version = VersionAt(*versions, p.article_id, *head, at);
    if (!version) return Fail(version.error());
    if (*version != p.version) continue;
    Pick pick;
    pick.item.article_id = p.article_id;
    pick.item.version = p.version;
    picked->push_back(std::move(pick));  // The feed comes from the record.
  }
  const uint64_t next = positions->empty() ? *past : positions->back().seq + 1;
  return next >= *past ? std::string() : std::to_string(next);
}

// The first wire sequence retention kept (1 when it removed nothing).
Result<uint64_t> RocksRevisionStore::RetainedFrom() const {
  std::string value;
  auto status = db_->Get({}, cf(kMeta), keys::kWireCut, &value);
  if (status.IsNotFound()) return uint64_t{1};
  if (!status.ok()) return StoreFailure("reading the wire cut", status);
  auto cut = ParseRecord<v1::WireCut>(value, "wire cut");
  if (!cut) return Fail(cut.error());
  return std::max<uint64_t>(1, cut->first_seq());
}

}  // namespace newswire::store
