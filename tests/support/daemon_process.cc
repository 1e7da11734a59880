#include "daemon_process.h"

#include <signal.h>

#include <fstream>
#include <iterator>

namespace newswire::testing {

Result<std::unique_ptr<DaemonProcess>> DaemonProcess::Start(const std::string& path,
                                                            std::vector<std::string> args,
                                                            std::chrono::milliseconds ready_timeout,
                                                            const std::string& stderr_path) {
  args.insert(args.begin(), path);
  std::unique_ptr<DaemonProcess> daemon(
      new DaemonProcess(std::make_unique<Process>(std::move(args), std::nullopt, stderr_path)));
  auto line = daemon->process_->ReadStdoutLine(ready_timeout);
  if (!line || line->rfind("ready ", 0) != 0) {
    daemon->Kill9();
    std::string said = daemon->Stderr();
    if (!stderr_path.empty()) {
      std::ifstream log(stderr_path);
      said.assign(std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>());
    }
    return Fail(v1::ERROR_CODE_UNAVAILABLE, "newswired did not get ready: " + said.substr(0, 4000));
  }
  // "ready HUB METRICS"
  const std::string fields = line->substr(6);
  const auto space = fields.find(' ');
  daemon->hub_ = fields.substr(0, space);
  if (space != std::string::npos) daemon->metrics_ = fields.substr(space + 1);
  return daemon;
}

DaemonProcess::~DaemonProcess() { Kill9(); }

core::ProcessStats DaemonProcess::Usage() const {
  return core::ReadProcessStats(pid()).value_or(core::ProcessStats{});
}

int DaemonProcess::Stop(std::chrono::milliseconds grace) {
  process_->Signal(SIGTERM);
  if (auto code = process_->Wait(grace)) return *code;
  process_->Signal(SIGKILL);
  return process_->Wait(std::chrono::seconds(10)).value_or(-1);
}

void DaemonProcess::Kill9() {
  process_->Signal(SIGKILL);
  process_->Wait(std::chrono::seconds(10));
}

}  // namespace newswire::testing
