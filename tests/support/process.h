// A child process with its stdout and stderr captured, for tests that drive
// the real newswired and newswire binaries. Every wait has a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace newswire::testing {

class Process {
 public:
  // Starts `argv[0]` with `argv`. stdin is /dev/null unless `stdin_text` is
  // given, which is written and closed. stderr is captured, or appended to
  // the file `stderr_path` when one is named (long runs that nobody reads).
  explicit Process(std::vector<std::string> argv,
                   std::optional<std::string> stdin_text = std::nullopt,
                   const std::string& stderr_path = "");
  ~Process();  // SIGKILLs the child if it is still running.
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Next line of stdout (without the newline); nullopt at EOF or deadline.
  std::optional<std::string> ReadStdoutLine(std::chrono::milliseconds timeout);
  // Waits until a stderr line contains `text`; false at EOF or deadline.
  bool WaitForStderr(const std::string& text, std::chrono::milliseconds timeout);

  // Waits for exit; returns the exit code (128+signal when killed), or
  // nullopt at the deadline.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  void Signal(int signal);

  // Everything read so far, and the rest of the stream after exit.
  std::string AllStdout();
  std::string AllStderr();

  pid_t pid() const { return pid_; }

 private:
  struct Stream {
    int fd = -1;
    std::string buffer;  // Read, not yet handed out as a line.
    std::string all;
  };
  bool Fill(Stream& stream, std::chrono::steady_clock::time_point deadline);
  std::optional<std::string> TakeLine(Stream& stream,
                                      std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  Stream out_, err_;
};

// Runs a command to completion (deadline 30 s); returns exit code, stdout, stderr.
struct Completed {
  int exit_code = -1;
  std::string out, err;
};
Completed Run(std::vector<std::string> argv, std::optional<std::string> stdin_text = std::nullopt);

// A fresh folder under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace newswire::testing
