#include "newswire/core/hub.h"

#include <charconv>

namespace newswire::core {

HubEndpoints MakeHub(std::string_view host, uint16_t port) {
  HubEndpoints hub;
  hub.host = std::string(host);
  hub.port = port;
  auto endpoint = [&](int offset) {
    return "tcp://" + hub.host + ":" + std::to_string(port + offset);
  };
  hub.address = endpoint(0);
  hub.ingest = endpoint(0);
  hub.fanout = endpoint(1);
  hub.query = endpoint(2);
  return hub;
}

Result<HubEndpoints> ParseHub(std::string_view address) {
  auto malformed = [&](const char* why) {
    return Fail(v1::ERROR_CODE_MALFORMED, "hub address '" + std::string(address) + "' " + why +
                                              " (expected tcp://HOST:PORT or ipc://PATH)");
  };
  constexpr std::string_view kIpc = "ipc://";
  if (address.starts_with(kIpc)) {
    if (address.size() == kIpc.size()) return malformed("has no path");
    HubEndpoints hub;
    hub.address = std::string(address);
    hub.ingest = hub.address + ".ingest";
    hub.fanout = hub.address + ".fanout";
    hub.query = hub.address + ".query";
    return hub;
  }
  constexpr std::string_view kScheme = "tcp://";
  if (!address.starts_with(kScheme)) return malformed("does not start with tcp:// or ipc://");
  std::string_view rest = address.substr(kScheme.size());
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return malformed("has no host and port");
  std::string_view host = rest.substr(0, colon);
  std::string_view port_text = rest.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65533) {
    return malformed("has a bad port (0-65533, three consecutive ports are used)");
  }
  return MakeHub(host, static_cast<uint16_t>(port));
}

}  // namespace newswire::core
