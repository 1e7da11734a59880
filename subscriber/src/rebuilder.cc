#include "rebuilder.h"

#include <memory>

#include "newswire/core/article.h"
#include "newswire/core/delta.h"
#include "newswire/core/diff.h"

namespace newswire::subscriber {

Rebuilder::Rebuilder(QueryClient* query, std::size_t max_held) : max_held_(max_held) {
  if (query) {
    fetch_ = [query](const std::string& article_id, uint32_t version) {
      return query->GetArticle(article_id, version);
    };
  }
}

Rebuilder::Held* Rebuilder::Find(const std::string& article_id) {
  auto it = index_.find(article_id);
  if (it == index_.end()) return nullptr;
  held_.splice(held_.end(), held_, it->second);  // Now the most recently used.
  return &*it->second;
}

void Rebuilder::Hold(std::string article_id, uint32_t version,
                     std::shared_ptr<const std::string> canonical) {
  if (auto it = index_.find(article_id); it != index_.end()) {
    it->second->version = version;
    it->second->canonical = std::move(canonical);
    held_.splice(held_.end(), held_, it->second);
    return;
  }
  held_.push_back({article_id, version, std::move(canonical)});
  index_.emplace(std::move(article_id), std::prev(held_.end()));
  if (held_.size() > max_held_) {
    index_.erase(held_.front().article_id);
    held_.pop_front();
  }
}

Delivery Rebuilder::Rebuild(v1::RevisionEvent event, const v1::Article* full) {
  Delivery d;
  std::shared_ptr<const RebuiltArticle> rebuilt;
  // Candidate canonical bytes (a decoded delta): hashed as they are, and
  // parsed only if the application asks for the article.
  auto take_bytes = [&](std::string bytes) {
    if (!core::Sha256Matches(bytes, event.content_hash())) {
      d.problem = "content hash mismatch";
    } else {
      rebuilt = std::make_shared<const RebuiltArticle>(std::move(bytes));
      d.verified = true;
    }
  };
  // A candidate article (full, rebuilt from a diff, or fetched).
  auto take_article = [&](v1::Article candidate) {
    std::string bytes = core::CanonicalBytes(candidate);
    d.verified =
        candidate.version() == event.version() && core::Sha256Matches(bytes, event.content_hash());
    rebuilt = std::make_shared<const RebuiltArticle>(std::move(candidate), std::move(bytes));
  };
  auto take_delta = [&](std::string_view base) {
    auto bytes = core::DecodeDelta(base, event.delta(), event.full_bytes());
    if (bytes) {
      take_bytes(std::move(*bytes));
    } else {
      d.problem = bytes.error().ToString();
    }
  };

  // The version before, when held: what the figure changes compare with.
  std::shared_ptr<const std::string> previous;
  if (const Held* held = event.version() > 1 ? Find(event.article_id()) : nullptr;
      held && held->version + 1 == event.version()) {
    previous = held->canonical;
  }
  Held* base = nullptr;  // Updated in place once the next version verifies.
  if (event.has_full()) {
    take_article(event.full());
  } else if (event.has_delta() && event.version() == 1) {
    take_delta("");  // Version 1 is compressed alone.
  } else if (base = Find(event.article_id()); !base) {
    d.problem = "base version not held";
  } else if (base->version + 1 != event.version()) {
    d.problem = "held version " + std::to_string(base->version) + " is not the base";
  } else if (event.has_delta()) {
    take_delta(*base->canonical);
  } else if (v1::Article parsed; !parsed.ParseFromString(*base->canonical)) {
    d.problem = "held version does not parse";
  } else if (auto applied = core::ApplyArticleDiff(parsed, event.diff()); applied) {
    take_article(std::move(*applied));
  } else {
    d.problem = applied.error().ToString();
  }

  if (!d.verified) {
    if (d.problem.empty()) d.problem = "content hash mismatch";
    d.repaired = true;
    rebuilt.reset();
    if (full) {
      take_article(*full);
    } else if (fetch_) {
      auto reply = fetch_(event.article_id(), event.version());
      if (reply) {
        take_article(std::move(*reply->mutable_article()));
      } else {
        d.problem += "; repair failed: " + reply.error().ToString();
      }
    }
    if (!d.verified) d.problem += "; the full version does not match the event hash either";
  }
  if (rebuilt) d.rebuilt = std::move(rebuilt);
  if (previous) d.previous = std::make_shared<const RebuiltArticle>(std::move(previous));
  if (d.verified && base) {
    base->version = event.version();
    base->canonical = d.rebuilt->shared_canonical();
  } else if (d.verified) {
    Hold(event.article_id(), event.version(), d.rebuilt->shared_canonical());
  }
  d.event = std::move(event);
  return d;
}

}  // namespace newswire::subscriber
