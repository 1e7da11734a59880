#include "subscription_gate.h"

#include <spdlog/spdlog.h>

#include "../fanout.h"
#include "newswire/core/channel.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::daemon {
namespace {

constexpr std::string_view kAllFigures = "s|*|";

constexpr std::string_view kControlRequest = "c|";

std::string ControlChannel(const std::string& identity) { return "c|" + identity + "|"; }

// "s|feed-a,feed-b|": the stats of one set of feeds (names hold no ',' and
// no '*').
std::string GroupChannel(const security::FeedGrant& read) {
  std::string topic = "s|";
  for (const auto& feed : read.feeds) topic += (topic.size() > 2 ? "," : "") + feed;
  return topic + "|";
}

// Periodic heartbeats on the channels a subscriber sequences: revision
// channels and stats, never control channels nor topics that name none
// (those are not even counted: a client sending junk costs no memory).
bool Heartbeats(const std::string& topic) { return core::IsChannelTopic(topic); }

}  // namespace

SubscriptionGate::SubscriptionGate(AccessControl& access, Metrics& metrics)
    : access_(access),
      metrics_(metrics),
      policy_(access.policy()),
      generation_(access.generation()) {}

void SubscriptionGate::OnMessage(Fanout& fanout, const zmq::message_t& message) {
  const auto bytes = message.to_string_view();
  if (bytes.empty() || (bytes[0] != 0 && bytes[0] != 1)) return;  // Not a subscription.
  const std::string topic(bytes.substr(1));
  const char* user_id = zmq_msg_gets(message.handle(), "User-Id");
  if (bytes[0] == 1) {
    if (Heartbeats(topic) && ++requested_[topic] == 1) fanout.Follow(topic, true);
    Subscribe(fanout, access_.ViewerOfKey(user_id), topic);
    return;
  }
  if (auto it = requested_.find(topic); it != requested_.end() && --it->second == 0) {
    requested_.erase(it);
    fanout.Follow(topic, false);
  }
  // A live connection unsubscribing (a closed one has no User-Id, and
  // ZeroMQ has already removed everything it had).
  if (user_id) {
    if (auto applied = Applied(access_.ViewerOfKey(user_id), topic); !applied.empty()) {
      fanout.UnsubscribeLast(applied);
    }
  }
}

std::string SubscriptionGate::Applied(const Viewer& viewer, const std::string& topic) {
  const auto* identity = viewer.identity();
  if (topic == kControlRequest) return identity ? ControlChannel(identity->name) : std::string();
  if (!core::IsChannelTopic(topic)) return {};
  switch (core::KindOf(topic)) {
    case core::ChannelKind::kStats:
      if (topic != core::StatsChannel()) return {};
      if (viewer.SeesAllFigures()) return std::string(kAllFigures);
      if (!identity || !identity->Has(security::Role::kSubscriber)) return {};
      return GroupChannel(identity->read);
    case core::ChannelKind::kReplication: return viewer.MayReplicate() ? topic : std::string();
    default: return viewer.MayReadChannel(topic) ? topic : std::string();
  }
}

void SubscriptionGate::Subscribe(Fanout& fanout, const Viewer& viewer, const std::string& topic) {
  const std::string applied = Applied(viewer, topic);
  if (applied.empty()) {
    Refuse(fanout, viewer, topic);
    return;
  }
  fanout.SubscribeLast(applied);
  if (topic == kControlRequest) return;
  if (core::KindOf(topic) == core::ChannelKind::kStats) {
    auto feeds = applied == kAllFigures ? std::set<std::string, std::less<>>()
                                        : viewer.identity()->read.feeds;
    if (groups_.emplace(applied, std::move(feeds)).second) fanout.Follow(applied, true);
  }
  fanout.SendHeartbeat(applied);  // The welcome heartbeat.
}

void SubscriptionGate::Refuse(Fanout& fanout, const Viewer& viewer, const std::string& topic) {
  std::string reason;
  if (topic != kControlRequest && !core::IsChannelTopic(topic)) {
    metrics_.refused_subscriptions.fetch_add(1, std::memory_order_relaxed);
    reason = "not a channel topic (w|, f/FEED|, i/MIC:SYMBOL|, t/TOPIC|, f/FEED/i/..|, s|, c|)";
  } else {
    metrics_.subscriptions_denied.fetch_add(1, std::memory_order_relaxed);
    reason = core::KindOf(topic) == core::ChannelKind::kStats
                 ? "the stats channel is for subscribers and operators"
                 : viewer.WhyNot(topic);
  }
  if (revoked_.count(viewer.name())) reason += "; access narrowed by a reload of the access file";
  spdlog::debug("refused {}'s subscription to {}: {}", viewer.name(), topic, reason);
  if (viewer.identity()) Notify(fanout, viewer.name(), topic, reason);
}

void SubscriptionGate::Notify(Fanout& fanout, const std::string& identity,
                              const std::string& channel, const std::string& reason) {
  v1::AccessNotice notice;
  notice.set_channel(channel);
  notice.set_code(v1::ERROR_CODE_UNAUTHORIZED);
  notice.set_reason(reason);
  fanout.SendOn(ControlChannel(identity), ++notices_[identity], notice.SerializeAsString());
}

void SubscriptionGate::SendGroupStats(Fanout& fanout, const StatsChannel& stats,
                                      const std::string& full) {
  for (const auto& [topic, feeds] : groups_) {
    fanout.SendOn(topic, fanout.stats_seq(), topic == kAllFigures ? full : stats.Filtered(feeds));
  }
}

// Whether `after` (nullptr: removed) may read or see less than `before` on
// the fan-out, or holds another key.
bool SubscriptionGate::Narrowed(const security::Identity& before,
                                const security::Identity* after) const {
  if (!after || after->public_key != before.public_key) return true;
  if (before.ReadsAll() && !after->ReadsAll()) return true;
  if (before.SeesAllFigures() && !after->SeesAllFigures()) return true;
  for (const auto& feed : before.read.feeds) {
    if (before.MayRead(feed) && !after->MayRead(feed)) return true;
  }
  return before.Has(security::Role::kSubscriber) && !after->Has(security::Role::kSubscriber) &&
         !after->ReadsAll();
}

void SubscriptionGate::CheckReload(Fanout& fanout, const std::function<void()>& await_closed) {
  const uint64_t generation = access_.generation();
  if (generation == generation_) return;
  auto before = std::move(policy_);
  policy_ = access_.policy();
  generation_ = generation;
  metrics_.access_reloads.fetch_add(1, std::memory_order_relaxed);
  revoked_.clear();
  for (const auto& identity : before->identities()) {
    if (Narrowed(identity, policy_->FindByName(identity.name))) revoked_.insert(identity.name);
  }
  spdlog::info("access file reloaded (generation {}): {} identities, {} narrowed", generation,
               policy_->identities().size(), revoked_.size());
  if (revoked_.empty()) return;
  // Said before the cut for each channel followed that it may no longer
  // read, and again when it subscribes anew (the cut may drop what was
  // queued for it).
  for (const auto& name : revoked_) {
    const Viewer was = AccessControl::ViewerFor(before, before->FindByName(name));
    const Viewer is = AccessControl::ViewerFor(policy_, policy_->FindByName(name));
    for (const auto& [topic, count] : requested_) {
      if (!Applied(was, topic).empty() && Applied(is, topic).empty()) {
        Notify(fanout, name, topic,
               "access revoked by a reload of the access file: " + is.WhyNot(topic));
      }
    }
  }
  if (auto cut = fanout.Cut(await_closed); !cut) {
    spdlog::critical("could not cut the fan-out after a reload: {}", cut.error().ToString());
    return;
  }
  spdlog::warn("closed every fan-out connection so that narrowed grants take effect at once");
}

}  // namespace newswire::daemon
