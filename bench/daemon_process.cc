#include "daemon_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

extern char** environ;

namespace newswire::bench {
namespace {

using Clock = std::chrono::steady_clock;

void Note(const std::string& text) { std::fprintf(stderr, "# %s\n", text.c_str()); }

}  // namespace

std::unique_ptr<DaemonProcess> DaemonProcess::Start(const std::string& path,
                                                    const std::vector<std::string>& args,
                                                    const std::string& log_path,
                                                    std::chrono::seconds ready_timeout) {
  auto daemon = std::unique_ptr<DaemonProcess>(new DaemonProcess());
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return nullptr;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<std::string> all = {path};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : all) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int rc = posix_spawn(&daemon->pid_, path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  daemon->stdout_fd_ = fds[0];
  if (rc != 0) {
    Note("cannot start " + path + ": " + std::strerror(rc));
    daemon->pid_ = -1;
    return nullptr;
  }
  // The ready line comes once the store is open and every socket is bound.
  std::string out;
  const auto deadline = Clock::now() + ready_timeout;
  while (out.find('\n') == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd item{daemon->stdout_fd_, POLLIN, 0};
    if (left <= 0 || poll(&item, 1, static_cast<int>(left)) <= 0) break;
    char buffer[256];
    const ssize_t n = read(daemon->stdout_fd_, buffer, sizeof buffer);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  const auto newline = out.find('\n');
  if (out.rfind("ready ", 0) != 0 || newline == std::string::npos) {
    daemon->Stop(std::chrono::seconds(5));
    std::ifstream log(log_path);
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    Note("newswired did not get ready: " + text.substr(0, 2000));
    return nullptr;
  }
  std::istringstream fields(out.substr(6, newline - 6));
  fields >> daemon->hub_ >> daemon->metrics_;
  return daemon;
}

DaemonProcess::~DaemonProcess() { Stop(); }

double DaemonProcess::CpuSeconds() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f;
  for (std::string field; fields >> field;) f.push_back(field);
  if (f.size() < 13) return -1;  // f[0] is field 3 (state); utime is 14, stime 15.
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::stod(f[11]) + std::stod(f[12])) / ticks;
}

double DaemonProcess::StatusMiB(const std::string& key) const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  }
  return -1;
}

void DaemonProcess::Stop(std::chrono::seconds grace) {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd >= 0) {
      pollfd item{pidfd, POLLIN, 0};
      if (poll(&item, 1, static_cast<int>(grace.count() * 1000)) == 0) {
        Note("newswired did not stop within " + std::to_string(grace.count()) + " s; killing it");
        kill(pid_, SIGKILL);
      }
      close(pidfd);
    }
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
}

}  // namespace newswire::bench
