// newswire keygen, whoami and admin reload: keys, and what the daemon's
// access file makes of them (README "Security").
#include <iostream>

#include "commands.h"
#include "newswire/security/keys.h"
#include "newswire/subscriber/query_client.h"
#include "render.h"

namespace newswire::cli {
namespace {

int Failed(const CommonOptions& common, const std::string& command, const Error& error) {
  std::cerr << "newswire " << command << ": " << error.ToString() << "\n";
  if (common.json) std::cout << nlohmann::json{{"error", ErrorJson(error)}}.dump() << std::endl;
  return error.code == v1::ERROR_CODE_UNAVAILABLE ? 3 : 1;
}

nlohmann::json GrantJson(const v1::FeedGrant& grant) {
  if (grant.all()) return "*";
  return nlohmann::json(std::vector<std::string>(grant.feeds().begin(), grant.feeds().end()));
}

std::string GrantText(const v1::FeedGrant& grant) {
  if (grant.all()) return "every feed";
  std::string out;
  for (const auto& feed : grant.feeds()) out += (out.empty() ? "" : ", ") + feed;
  return out.empty() ? "none" : out;
}

}  // namespace

int RunKeygen(const CommonOptions& common, const std::string& name, const std::string& dir) {
  auto keys = security::GenerateKeyPair();
  if (!keys) return Failed(common, "keygen", keys.error());
  auto files = security::WriteKeyFiles(*keys, dir, name);
  if (!files) {
    std::cerr << "newswire keygen: " << files.error().message << "\n";
    return 2;
  }
  if (common.json) {
    std::cout << nlohmann::json{{"name", name},
                                {"public_key", keys->public_key},
                                {"secret_key_file", files->secret_path},
                                {"public_key_file", files->public_path}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "wrote " << files->secret_path << " (secret key, mode 0600: keep it private)\n"
              << "  and " << files->public_path << " (public key)\n"
              << "public key: " << keys->public_key << "\n";
  }
  return 0;
}

int RunWhoami(const CommonOptions& common) {
  auto client = subscriber::QueryClient::Connect(common.hub, common.timeout, common.curve);
  if (!client) return Failed(common, "whoami", client.error());
  auto access = (*client)->GetAccess();
  if (!access) return Failed(common, "whoami", access.error());
  std::vector<std::string> roles(access->roles().begin(), access->roles().end());
  if (common.json) {
    std::cout << nlohmann::json{{"identity", access->identity()},
                                {"secure", access->secure()},
                                {"roles", roles},
                                {"publish_feeds", GrantJson(access->publish())},
                                {"read_feeds", GrantJson(access->read())}}
                     .dump()
              << std::endl;
    return 0;
  }
  std::string role_text;
  for (const auto& role : roles) role_text += (role_text.empty() ? "" : ", ") + role;
  std::cout << access->identity() << (access->secure() ? "" : " (the daemon has no security)")
            << "\n  roles:      " << (role_text.empty() ? "none" : role_text)
            << "\n  publishes:  " << GrantText(access->publish())
            << "\n  reads:      " << GrantText(access->read()) << "\n";
  return 0;
}

int RunAdminReload(const CommonOptions& common) {
  auto client = subscriber::QueryClient::Connect(common.hub, common.timeout, common.curve);
  if (!client) return Failed(common, "admin reload", client.error());
  auto reloaded = (*client)->ReloadAccess();
  if (!reloaded) return Failed(common, "admin reload", reloaded.error());
  if (common.json) {
    std::cout << nlohmann::json{{"generation", reloaded->generation()},
                                {"identities", reloaded->identities()}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "the daemon re-read its access file: " << reloaded->identities()
              << " identities (generation " << reloaded->generation() << ")\n";
  }
  return 0;
}

}  // namespace newswire::cli
