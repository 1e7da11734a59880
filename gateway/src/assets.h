// The page and the OpenAPI description, built into the binary from
// gateway/www and gateway/openapi.json (a generated assets.cc), so the
// gateway serves them with nothing else installed. Private to the gateway.
#pragma once

#include <string_view>

namespace newswire::gateway {

struct Asset {
  std::string_view path;  // "/index.html", "/app.js", "/v1/openapi.json", ...
  std::string_view content_type;
  std::string_view bytes;
};

// The built-in asset at `path`, or null.
const Asset* FindAsset(std::string_view path);

// Content type by file extension (.html, .js, .css, .json, .svg, ...).
std::string_view ContentTypeFor(std::string_view path);

}  // namespace newswire::gateway
