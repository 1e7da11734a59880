// Routes what the protobuf library logs (it complains on stderr about every
// frame holding invalid UTF-8, whatever the daemon's log settings) into the
// daemon's own log, at most one line a second, and counts every line.
// Private.
#pragma once

#include <cstdint>

namespace newswire::daemon {

// Installs the route; idempotent. Process-wide (protobuf has one handler).
void RouteLibraryLogs();

// Lines the library has logged since the route was installed.
uint64_t LibraryLogLines();

}  // namespace newswire::daemon
