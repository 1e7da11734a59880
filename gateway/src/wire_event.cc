#include "wire_event.h"

#include <algorithm>

#include "newswire/api/answers.h"
#include "newswire/core/diff.h"

namespace newswire::gateway {
namespace {

bool AnyOf(const std::vector<std::string>& wanted, const std::vector<std::string>& have) {
  return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& w) {
    return std::find(have.begin(), have.end(), w) != have.end();
  });
}

}  // namespace

bool Selection::Matches(const WireEvent& e) const {
  if (feeds.empty() && instruments.empty() && topics.empty()) return true;
  return std::find(feeds.begin(), feeds.end(), e.feed) != feeds.end() ||
         AnyOf(instruments, e.instruments) || AnyOf(topics, e.topics);
}

std::string SseEvent(std::string_view name, uint64_t id, std::string_view data) {
  std::string out;
  out.reserve(data.size() + 48);
  if (id) out += "id: " + std::to_string(id) + "\n";
  out += "event: ";
  out += name;
  out += "\ndata: ";
  out += data;  // One line: JSON escapes every newline.
  out += "\n\n";
  return out;
}

EventBuilder::EventBuilder(subscriber::QueryClient* client, std::size_t max_held)
    : client_(client), max_held_(max_held) {}

std::shared_ptr<const subscriber::RebuiltArticle> EventBuilder::Previous(
    const v1::RevisionEvent& event) {
  auto it = held_.find(event.article_id());
  if (it != held_.end() && it->second->article().version() + 1 == event.version()) {
    return it->second;
  }
  if (!client_) return nullptr;
  auto reply = client_->GetArticle(event.article_id(), event.version() - 1);
  if (!reply) return nullptr;
  return std::make_shared<subscriber::RebuiltArticle>(std::move(*reply->mutable_article()),
                                                      std::string());
}

std::shared_ptr<const WireEvent> EventBuilder::Build(const subscriber::Delivery& d) {
  auto out = std::make_shared<WireEvent>();
  const auto& e = d.event;
  out->wire_seq = e.wire_seq();
  if (!d.verified) {
    // Never send text that did not check out; say so, with the same id.
    nlohmann::json data = {{"article_id", e.article_id()},
                           {"version", e.version()},
                           {"wire_seq", e.wire_seq()},
                           {"verified", false},
                           {"problem", d.problem}};
    out->text =
        std::make_shared<const std::string>(SseEvent("unverified", e.wire_seq(), data.dump()));
    return out;
  }
  const v1::Article& article = d.article();
  out->feed = article.feed();
  for (const auto& in : article.instruments()) {
    out->instruments.push_back(in.exchange() + ":" + in.symbol());
  }
  out->topics.assign(article.topics().begin(), article.topics().end());
  nlohmann::json data = api::DeliveryJson(d);
  // The version before, when the diff or the figure changes need it.
  std::shared_ptr<const subscriber::RebuiltArticle> previous;
  if (e.version() > 1 && (!e.has_diff() || !data.contains("figures"))) previous = Previous(e);
  if (e.has_diff()) {
    data["diff"] = api::ProtoJson(e.diff());
  } else if (previous) {
    data["diff"] = api::ProtoJson(core::DiffArticles(previous->article(), article));
  }
  if (!data.contains("figures") && previous) {
    data["figures"] = api::FiguresJson(core::FigureChanges(previous->article(), article));
  }
  out->text = std::make_shared<const std::string>(SseEvent("revision", e.wire_seq(), data.dump()));
  if (!held_.count(e.article_id())) {
    order_.push_back(e.article_id());
    if (order_.size() > max_held_) {
      held_.erase(order_.front());
      order_.pop_front();
    }
  }
  held_[e.article_id()] = d.rebuilt;
  return out;
}

std::shared_ptr<const WireEvent> EventBuilder::Gap(const subscriber::Gap& gap) {
  auto out = std::make_shared<WireEvent>();
  nlohmann::json data = {{"channel", gap.channel},
                         {"first_missing", gap.first_missing},
                         {"last_missing", gap.last_missing},
                         {"reason", gap.reason}};
  out->text = std::make_shared<const std::string>(SseEvent("gap", 0, data.dump()));
  return out;
}

}  // namespace newswire::gateway
