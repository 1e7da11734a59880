#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace newswire::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

int MillisLeft(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

}  // namespace

Process::Process(std::vector<std::string> argv, std::optional<std::string> stdin_text,
                 const std::string& stderr_path) {
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
      pipe2(in_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    const int log = stderr_path.empty() ? -1
                                        : open(stderr_path.c_str(),
                                               O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    dup2(log >= 0 ? log : err_pipe[1], STDERR_FILENO);
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(in_pipe[0]);
  if (stdin_text) {
    // Small inputs only: the pipe buffer (64 KiB) takes it without blocking.
    ssize_t written = write(in_pipe[1], stdin_text->data(), stdin_text->size());
    (void)written;
  }
  close(in_pipe[1]);
  out_.fd = out_pipe[0];
  err_.fd = err_pipe[0];
}

Process::~Process() {
  if (!exit_code_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_.fd >= 0) close(out_.fd);
  if (err_.fd >= 0) close(err_.fd);
}

bool Process::Fill(Stream& stream, SteadyClock::time_point deadline) {
  if (stream.fd < 0) return false;
  pollfd item{stream.fd, POLLIN, 0};
  if (poll(&item, 1, MillisLeft(deadline)) <= 0) return false;
  char buffer[4096];
  ssize_t n = read(stream.fd, buffer, sizeof buffer);
  if (n <= 0) {
    close(stream.fd);
    stream.fd = -1;
    return false;
  }
  stream.buffer.append(buffer, static_cast<std::size_t>(n));
  stream.all.append(buffer, static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> Process::TakeLine(Stream& stream, SteadyClock::time_point deadline) {
  while (true) {
    auto newline = stream.buffer.find('\n');
    if (newline != std::string::npos) {
      std::string line = stream.buffer.substr(0, newline);
      stream.buffer.erase(0, newline + 1);
      return line;
    }
    if (!Fill(stream, deadline)) return std::nullopt;
  }
}

std::optional<std::string> Process::ReadStdoutLine(std::chrono::milliseconds timeout) {
  return TakeLine(out_, SteadyClock::now() + timeout);
}

bool Process::WaitForStderr(const std::string& text, std::chrono::milliseconds timeout) {
  auto deadline = SteadyClock::now() + timeout;
  while (auto line = TakeLine(err_, deadline)) {
    if (line->find(text) != std::string::npos) return true;
  }
  return false;
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  auto deadline = SteadyClock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (SteadyClock::now() >= deadline) return std::nullopt;
    // Drain output meanwhile so a chatty child never blocks on a full pipe;
    // the poll inside also paces this loop.
    auto slice = std::min(deadline, SteadyClock::now() + std::chrono::milliseconds(5));
    if (!Fill(out_, slice) && !Fill(err_, slice)) {
      pollfd none{-1, 0, 0};
      poll(&none, 0, std::min(5, MillisLeft(deadline)));
    }
  }
}

void Process::Signal(int signal) {
  if (!exit_code_) kill(pid_, signal);
}

std::string Process::AllStdout() {
  if (exit_code_) {
    while (Fill(out_, SteadyClock::now() + std::chrono::seconds(5))) {
    }
  }
  return out_.all;
}

std::string Process::AllStderr() {
  if (exit_code_) {
    while (Fill(err_, SteadyClock::now() + std::chrono::seconds(5))) {
    }
  }
  return err_.all;
}

Completed Run(std::vector<std::string> argv, std::optional<std::string> stdin_text) {
  Process process(std::move(argv), std::move(stdin_text));
  Completed done;
  auto code = process.Wait(std::chrono::seconds(30));
  done.exit_code = code.value_or(-1);
  done.out = process.AllStdout();
  done.err = process.AllStderr();
  return done;
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/newswire-test-XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace newswire::testing
