// The gateway's TOML config file: keys mirror the flags (hub, listen,
// access_file, key_file, server_key_file, www_dir, heartbeat_ms, ...); flags
// override the file.
#pragma once

#include <string>

#include "newswire/core/error.h"
#include "newswire/gateway/gateway.h"

namespace newswire::gateway {

// Reads `path` over `options`. MALFORMED, naming the file and key, for a
// syntax error, an unknown key or a value of the wrong type or range.
Result<void> LoadConfigFile(const std::string& path, GatewayOptions& options);

}  // namespace newswire::gateway
