#include "newswire/gateway/auth.h"

#include "newswire/security/access_policy.h"

namespace newswire::gateway {
namespace {

constexpr std::string_view kBearer = "Bearer ";

class OpenAccess : public Authenticator {
 public:
  Result<Identity> Authenticate(std::string_view) const override {
    return Identity{"anonymous", std::nullopt};
  }
};

// Tokens of the daemon's access file; the policy is immutable, so this is
// safe to share between threads.
class TokenAccess : public Authenticator {
 public:
  explicit TokenAccess(security::AccessPolicy policy) : policy_(std::move(policy)) {}

  Result<Identity> Authenticate(std::string_view authorization) const override {
    if (authorization.empty()) {
      return Fail(v1::ERROR_CODE_UNAUTHORIZED, "a bearer token is required");
    }
    if (authorization.substr(0, kBearer.size()) != kBearer) {
      return Fail(v1::ERROR_CODE_UNAUTHORIZED, "Authorization must be 'Bearer TOKEN'");
    }
    const security::Identity* found = policy_.FindByToken(authorization.substr(kBearer.size()));
    if (!found) return Fail(v1::ERROR_CODE_UNAUTHORIZED, "unknown token");
    Identity identity{found->name, std::set<std::string>{}};
    if (found->ReadsAll()) {
      identity.read_feeds.reset();
    } else if (found->Has(security::Role::kSubscriber)) {
      identity.read_feeds->insert(found->read.feeds.begin(), found->read.feeds.end());
    }
    return identity;
  }

 private:
  security::AccessPolicy policy_;
};

}  // namespace

bool Identity::MayRead(std::string_view feed) const {
  return !read_feeds || read_feeds->count(std::string(feed)) > 0;
}

std::unique_ptr<Authenticator> Authenticator::Open() { return std::make_unique<OpenAccess>(); }

Result<std::unique_ptr<Authenticator>> Authenticator::FromAccessFile(const std::string& path) {
  auto policy = security::AccessPolicy::Load(path);
  if (!policy) return Fail(policy.error());
  return std::unique_ptr<Authenticator>(std::make_unique<TokenAccess>(std::move(*policy)));
}

}  // namespace newswire::gateway
