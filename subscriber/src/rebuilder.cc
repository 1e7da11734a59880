#include "rebuilder.h"

#include "newswire/core/article.h"
#include "newswire/core/delta.h"
#include "newswire/core/diff.h"

namespace newswire::subscriber {

const v1::Article* Rebuilder::Find(const std::string& article_id) {
  auto it = index_.find(article_id);
  if (it == index_.end()) return nullptr;
  held_.splice(held_.end(), held_, it->second);  // Now the most recently used.
  return it->second->get();
}

void Rebuilder::Hold(Held article) {
  if (auto it = index_.find(article->id()); it != index_.end()) {
    *it->second = std::move(article);
    held_.splice(held_.end(), held_, it->second);
    return;
  }
  const std::string& id = article->id();
  held_.push_back(std::move(article));
  index_.emplace(id, std::prev(held_.end()));
  if (held_.size() > max_held_) {
    index_.erase(held_.front()->id());
    held_.pop_front();
  }
}

Delivery Rebuilder::Rebuild(v1::RevisionEvent event, const v1::Article* full) {
  Delivery d;
  std::shared_ptr<v1::Article> article;
  bool hashed = false;  // The content hash was already checked on the bytes.
  // A zstd delta: the version's canonical bytes, hashed as they come.
  auto from_delta = [&](std::string_view base_bytes) {
    auto bytes = core::DecodeDelta(base_bytes, event.delta(), event.full_bytes());
    if (!bytes) {
      d.problem = bytes.error().ToString();
    } else if (core::Sha256(*bytes) != event.content_hash()) {
      d.problem = "content hash mismatch";
    } else if (article = std::make_shared<v1::Article>(); article->ParseFromString(*bytes)) {
      hashed = true;
    } else {
      d.problem = "delta does not decode to an article";
      article.reset();
    }
  };
  if (event.has_full()) {
    article = std::make_shared<v1::Article>(event.full());
  } else if (event.has_delta() && event.version() == 1) {
    from_delta("");  // Version 1 is compressed alone.
  } else {
    const v1::Article* base = Find(event.article_id());
    if (!base) {
      d.problem = "base version not held";
    } else if (base->version() + 1 != event.version()) {
      d.problem = "held version " + std::to_string(base->version()) + " is not the base";
    } else if (event.has_delta()) {
      from_delta(core::CanonicalBytes(*base));
    } else if (auto rebuilt = core::ApplyArticleDiff(*base, event.diff()); rebuilt) {
      article = std::make_shared<v1::Article>(std::move(*rebuilt));
    } else {
      d.problem = rebuilt.error().ToString();
    }
  }
  d.verified = article && (hashed || core::ContentHash(*article) == event.content_hash());
  if (!d.verified) {
    if (d.problem.empty()) d.problem = "content hash mismatch";
    d.repaired = true;
    article.reset();
    if (full) {
      article = std::make_shared<v1::Article>(*full);
    } else if (query_) {
      auto reply = query_->GetArticle(event.article_id(), event.version());
      if (reply) {
        article = std::make_shared<v1::Article>(std::move(*reply->mutable_article()));
      } else {
        d.problem += "; repair failed: " + reply.error().ToString();
      }
    }
    d.verified = article && article->version() == event.version() &&
                 core::ContentHash(*article) == event.content_hash();
    if (!d.verified) d.problem += "; the full version does not match the event hash either";
  }
  if (article) d.article = std::move(article);
  if (d.verified) Hold(d.article);
  d.event = std::move(event);
  return d;
}

}  // namespace newswire::subscriber
