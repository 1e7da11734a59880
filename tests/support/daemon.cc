#include "daemon.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <stdexcept>
#include <thread>

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
  // A restart on the ports of a daemon this test killed can find them taken
  // by a daemon another test started meanwhile (the kernel hands freed ports
  // out again): that one goes away with its test, so try again for a while.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::optional<std::string> line;
  while (true) {
    process_ = std::make_unique<Process>(argv);
    line = process_->ReadStdoutLine(std::chrono::seconds(15));
    if (line && line->rfind("ready ", 0) == 0) break;
    process_->Signal(SIGKILL);
    process_->Wait(std::chrono::seconds(5));
    const std::string err = process_->AllStderr();
    const bool taken = err.find("is another newswired running?") != std::string::npos &&
                       err.find("cannot listen on") != std::string::npos;
    if (!taken || std::chrono::steady_clock::now() > give_up) {
      throw std::runtime_error("newswired did not start: " + err);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
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

SilentHub::SilentHub() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd_, 16) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error("cannot hold a loopback port");
  }
  hub_ = "tcp://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
}

SilentHub::~SilentHub() { ::close(fd_); }

}  // namespace newswire::testing
