#include "daemon.h"

#include <signal.h>

#include <stdexcept>

namespace newswire::testing {

std::string NewswiredPath() { return NEWSWIRE_TEST_NEWSWIRED; }
std::string NewswirePath() { return NEWSWIRE_TEST_NEWSWIRE; }
std::string ExamplesDir() { return NEWSWIRE_TEST_EXAMPLES; }
std::string SourceDir() { return NEWSWIRE_TEST_SOURCE_DIR; }

Daemon::Daemon(std::string data_dir, std::vector<std::string> extra_args, std::string listen)
    : data_dir_(std::move(data_dir)) {
  std::vector<std::string> argv = {NewswiredPath(), "--listen",         listen,
                                   "--data-dir",    data_dir_,          "--heartbeat-ms",
                                   "100",           "--metrics-listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<Process>(argv);
  auto line = process_->ReadStdoutLine(std::chrono::seconds(15));
  if (!line || line->rfind("ready ", 0) != 0) {
    process_->Signal(SIGKILL);
    process_->Wait(std::chrono::seconds(5));
    throw std::runtime_error("newswired did not start: " + process_->AllStderr());
  }
  // "ready tcp://HOST:PORT http://HOST:PORT"
  auto fields = line->substr(6);
  auto space = fields.find(' ');
  hub_ = fields.substr(0, space);
  if (space != std::string::npos) metrics_ = fields.substr(space + 1);
}

Daemon::~Daemon() {
  process_->Signal(SIGKILL);
  process_->Wait(std::chrono::seconds(10));
}

void Daemon::Kill9() {
  process_->Signal(SIGKILL);
  process_->Wait(std::chrono::seconds(10));
}

int Daemon::Stop() {
  process_->Signal(SIGTERM);
  return process_->Wait(std::chrono::seconds(15)).value_or(-1);
}

}  // namespace newswire::testing
