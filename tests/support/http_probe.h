// HTTP probes of a daemon's /metrics and /healthz, for tests.
#pragma once

#include <map>
#include <string>

namespace newswire::testing {

// GET base + path (e.g. "http://127.0.0.1:7780", "/metrics"); the body, or
// "" when nothing answered within 5 s; the HTTP status in `status`. With a
// `bearer` token, sent as "Authorization: Bearer TOKEN".
std::string Get(const std::string& base, const std::string& path, int* status = nullptr,
                const std::string& bearer = "");

// A strict reading of the Prometheus text format (0.0.4): every sample's
// metric family has # HELP and # TYPE before it, names and labels are well
// formed, values are numbers, and histograms end in +Inf, _sum and _count.
// Returns sample name{labels} -> value; fails the test on any bad line.
std::map<std::string, double> ParsePrometheus(const std::string& text);

}  // namespace newswire::testing
