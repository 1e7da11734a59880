#include "http_probe.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <regex>
#include <sstream>

namespace newswire::testing {

std::string Get(const std::string& base, const std::string& path, int* status,
                const std::string& bearer) {
  httplib::Client client(base);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  if (!bearer.empty()) client.set_bearer_token_auth(bearer);
  auto response = client.Get(path);
  if (!response) return "";
  if (status) *status = response->status;
  return response->body;
}

std::map<std::string, double> ParsePrometheus(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  static const std::regex kType(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*\})? ([-+]?([0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|Inf|NaN)))");
  std::map<std::string, std::string> types;
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  std::string line;
  std::smatch m;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, m, kHelp)) continue;
    if (std::regex_match(line, m, kType)) {
      EXPECT_FALSE(types.count(m[1])) << "TYPE twice for " << m[1];
      types[m[1]] = m[2];
      continue;
    }
    EXPECT_TRUE(std::regex_match(line, m, kSample)) << "not a Prometheus sample: " << line;
    std::string name = m[1];
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      auto n = std::string(suffix).size();
      if (!types.count(family) && name.size() > n && name.ends_with(suffix)) {
        family = name.substr(0, name.size() - n);
      }
    }
    EXPECT_TRUE(types.count(family)) << "sample before its # TYPE: " << line;
    samples[name + m[2].str()] = std::stod(m[4].str() == "Inf" ? "inf" : m[4].str());
  }
  for (const auto& [family, type] : types) {
    if (type != "histogram") continue;
    EXPECT_TRUE(samples.count(family + "_bucket{le=\"+Inf\"}")) << family;
    EXPECT_EQ(samples[family + "_bucket{le=\"+Inf\"}"], samples[family + "_count"]) << family;
  }
  return samples;
}

}  // namespace newswire::testing
