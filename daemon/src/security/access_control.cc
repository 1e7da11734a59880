#include "access_control.h"

#include "newswire/core/channel.h"

namespace newswire::daemon {
namespace {

constexpr std::string_view kBearer = "Bearer ";

}  // namespace

Viewer Viewer::Open() {
  Viewer viewer;
  viewer.open_ = true;
  viewer.name_ = "anonymous";
  return viewer;
}

bool Viewer::MayReadChannel(std::string_view channel) const {
  switch (core::KindOf(channel)) {
    case core::ChannelKind::kFeed:
    case core::ChannelKind::kScoped: return MayRead(core::FeedOf(channel));
    case core::ChannelKind::kWire:
    case core::ChannelKind::kInstrument:
    case core::ChannelKind::kTopic: return ReadsAll();
    default: return false;
  }
}

std::string Viewer::WhyNot(std::string_view channel) const {
  if (!identity_) return "this key is no longer in the daemon's access file";
  std::string reads = "no feed (not a subscriber)";
  if (identity_->ReadsAll()) {
    reads = "every feed";
  } else if (identity_->Has(security::Role::kSubscriber)) {
    reads = identity_->read.Describe();
  }
  const auto feed = core::FeedOf(channel);
  if (!feed.empty()) return "not granted feed " + std::string(feed) + " (reads " + reads + ")";
  switch (core::KindOf(channel)) {
    case core::ChannelKind::kWire:
      return std::string(channel) + " mixes feeds and this key reads " + reads +
             ": follow f/FEED| for each feed granted";
    case core::ChannelKind::kInstrument:
    case core::ChannelKind::kTopic:
      return std::string(channel) + " mixes feeds and this key reads " + reads +
             ": follow f/FEED/" + std::string(channel) + " for each feed granted";
    case core::ChannelKind::kReplication:
      return std::string(channel) + " carries the store's commits, held embargoes included: " +
             "for keys with the replica role (" + name_ + " has " + Roles() + ")";
    default: return std::string(channel) + " is not a channel this key may follow";
  }
}

std::string Viewer::Roles() const {
  std::string roles;
  for (auto role : {security::Role::kPublisher, security::Role::kSubscriber,
                    security::Role::kOperator, security::Role::kReplica}) {
    if (identity_ && identity_->Has(role)) {
      roles += (roles.empty() ? "" : ", ") + std::string(security::RoleName(role));
    }
  }
  return roles.empty() ? "no role" : "roles " + roles;
}

std::unique_ptr<AccessControl> AccessControl::Open() {
  return std::unique_ptr<AccessControl>(new AccessControl());
}

Result<std::unique_ptr<AccessControl>> AccessControl::Load(const std::string& path) {
  auto policy = security::AccessPolicy::Load(path);
  if (!policy) return Fail(policy.error());
  std::unique_ptr<AccessControl> control(new AccessControl());
  control->path_ = path;
  control->policy_ = std::make_shared<const security::AccessPolicy>(std::move(*policy));
  control->generation_.store(1);
  return control;
}

std::shared_ptr<const security::AccessPolicy> AccessControl::policy() const {
  std::lock_guard lock(mutex_);
  return policy_;
}

Viewer AccessControl::ViewerOf(const zmq::message_t& message) const {
  if (!secure()) return Viewer::Open();
  // libzmq's zmq_msg_gets: the metadata the ZAP handler gave the connection.
  return ViewerOfKey(zmq_msg_gets(message.handle(), "User-Id"));
}

Viewer AccessControl::ViewerOfKey(const char* user_id) const {
  if (!secure()) return Viewer::Open();
  auto current = policy();
  const auto* identity = user_id ? current->FindByPublicKey(user_id) : nullptr;
  return ViewerFor(std::move(current), identity);
}

Viewer AccessControl::ViewerFor(std::shared_ptr<const security::AccessPolicy> policy,
                                const security::Identity* identity) {
  Viewer viewer;
  viewer.policy_ = std::move(policy);
  viewer.identity_ = identity;
  viewer.name_ = identity ? identity->name : "(a key not in the access file)";
  return viewer;
}

Viewer AccessControl::ViewerOfBearer(std::string_view authorization) const {
  if (!secure()) return Viewer::Open();
  Viewer viewer;
  viewer.policy_ = policy();
  if (authorization.starts_with(kBearer)) {
    viewer.identity_ = viewer.policy_->FindByToken(authorization.substr(kBearer.size()));
  }
  viewer.name_ = viewer.identity_ ? viewer.identity_->name : "(no valid bearer token)";
  return viewer;
}

Result<uint64_t> AccessControl::Reload() {
  if (!secure()) {
    return Fail(v1::ERROR_CODE_MALFORMED,
                "this daemon has no access file to reload (started without --access)");
  }
  auto policy = security::AccessPolicy::Load(path_);
  if (!policy) return Fail(policy.error());
  std::lock_guard lock(mutex_);
  policy_ = std::make_shared<const security::AccessPolicy>(std::move(*policy));
  return generation_.fetch_add(1, std::memory_order_acq_rel) + 1;
}

}  // namespace newswire::daemon
