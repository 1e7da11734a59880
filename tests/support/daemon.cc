#include "daemon.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace newswire::testing {

std::string NewswiredPath() { return NEWSWIRE_TEST_NEWSWIRED; }
std::string NewswirePath() { return NEWSWIRE_TEST_NEWSWIRE; }
std::string ExamplesDir() { return NEWSWIRE_TEST_EXAMPLES; }
std::string SourceDir() { return NEWSWIRE_TEST_SOURCE_DIR; }

Daemon::Daemon(std::string data_dir, std::vector<std::string> extra_args, std::string listen)
    : data_dir_(std::move(data_dir)) {
  std::vector<std::string> args = {"--listen",       listen, "--data-dir",       data_dir_,
                                   "--heartbeat-ms", "100",  "--metrics-listen", "127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto started = DaemonProcess::Start(NewswiredPath(), std::move(args), std::chrono::seconds(15));
  if (!started) throw std::runtime_error(started.error().message);
  process_ = std::move(*started);
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
