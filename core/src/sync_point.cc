#include "newswire/core/sync_point.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

namespace newswire::core {
namespace {

struct Armed {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<std::function<bool()>>, std::less<>> actions;
  std::atomic<bool> any{false};
};

Armed& State() {
  static Armed* const armed = new Armed;  // Never destroyed: points may pass at exit.
  return *armed;
}

}  // namespace

SyncPoints& SyncPoints::Instance() {
  static SyncPoints points;
  return points;
}

void SyncPoints::Arm(std::string name, std::function<bool()> action) {
  Armed& armed = State();
  std::lock_guard lock(armed.mutex);
  armed.actions[std::move(name)] = std::make_shared<std::function<bool()>>(std::move(action));
  armed.any.store(true, std::memory_order_relaxed);
}

void SyncPoints::Disarm(const std::string& name) {
  Armed& armed = State();
  std::lock_guard lock(armed.mutex);
  armed.actions.erase(name);
  armed.any.store(!armed.actions.empty(), std::memory_order_relaxed);
}

void SyncPoints::DisarmAll() {
  Armed& armed = State();
  std::lock_guard lock(armed.mutex);
  armed.actions.clear();
  armed.any.store(false, std::memory_order_relaxed);
}

bool SyncPoints::Pass(std::string_view name) {
  Armed& armed = State();
  if (!armed.any.load(std::memory_order_relaxed)) return false;
  std::shared_ptr<std::function<bool()>> action;
  {
    std::lock_guard lock(armed.mutex);
    auto it = armed.actions.find(name);
    if (it == armed.actions.end()) return false;
    action = it->second;
  }
  return (*action)();  // Outside the lock: an action may block until the test lets it go.
}

}  // namespace newswire::core
