// Arms a sync point (core/sync_point.h) for the life of a test scope.
#pragma once

#include <functional>
#include <string>

#include "newswire/core/sync_point.h"

namespace newswire::testing {

class ArmedSyncPoint {
 public:
  // Each pass through `name` calls `action`; the pass fails when it
  // returns true.
  ArmedSyncPoint(std::string name, std::function<bool()> action) : name_(std::move(name)) {
    core::SyncPoints::Instance().Arm(name_, std::move(action));
  }
  ~ArmedSyncPoint() { core::SyncPoints::Instance().Disarm(name_); }
  ArmedSyncPoint(const ArmedSyncPoint&) = delete;
  ArmedSyncPoint& operator=(const ArmedSyncPoint&) = delete;

 private:
  std::string name_;
};

}  // namespace newswire::testing
