// The newswire subcommands. Each returns the process exit code:
// 0 success, 1 a typed error from the wire, 2 bad usage or input file,
// 3 the daemon did not answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "newswire/security/curve.h"
#include "newswire/subscriber/snapshot.h"
#include "newswire/subscriber/subscriber.h"

namespace newswire::cli {

struct CommonOptions {
  std::string hub = "tcp://127.0.0.1:7700";
  bool json = false;
  bool color = false;
  std::chrono::milliseconds timeout{3000};
  std::string key_file, server_key_file;       // --key, --server-key.
  std::optional<security::CurveClient> curve;  // Loaded from them.
};

struct PublishOptions {
  std::vector<std::string> files;  // "-" reads stdin.
  std::string publisher_id;
  std::string key;
  uint32_t base_version = 0;
};

struct TailOptions {
  subscriber::ChannelSelection channels;
  uint64_t count = 0;         // Stop after this many revisions; 0: run until ^C.
  std::string since;          // RFC 3339 time or seq:N: start in the past.
  std::string resume;         // Cursor name: continue where the last run stopped.
  bool figures_only = false;  // Print only revisions that change figures.
};

struct ReplayCommandOptions {
  subscriber::ChannelSelection channels;
  std::string from, to;       // RFC 3339.
  std::string speed = "max";  // 1x, 10x, ... or max.
  bool figures_only = false;
  bool with_snapshot = false;  // Start from the wire's state at `from`.
};

struct SnapshotCommandOptions {
  subscriber::ChannelSelection channels;
  std::string as_of;      // RFC 3339; empty: now.
  bool articles = false;  // --json: include each story's article.
};

int RunPublish(const CommonOptions& common, const PublishOptions& options);
// The wire as of a moment: every story live then, at its version then.
int RunSnapshot(const CommonOptions& common, const SnapshotCommandOptions& options);
// Prints a snapshot (`snapshot`, or the start of `replay --with-snapshot`).
void PrintSnapshot(const CommonOptions& common, const subscriber::Snapshot& snapshot,
                   bool in_replay);
int RunTail(const CommonOptions& common, const TailOptions& options);
int RunReplay(const CommonOptions& common, const ReplayCommandOptions& options);
// The change between two stored versions (any two, not only adjacent).
int RunDiff(const CommonOptions& common, const std::string& article_id, uint32_t from, uint32_t to);
// For each key point and paragraph of the latest version: the version and
// time its current text appeared.
int RunBlame(const CommonOptions& common, const std::string& article_id);
// One stats event from the daemon's stats channel.
int RunStats(const CommonOptions& common);
// A live full-screen view of the stats channel; `iterations` 0: until ^C.
int RunTop(const CommonOptions& common, uint64_t iterations);
struct GetOptions {
  std::string article_id;
  uint32_t version = 0;
  std::string as_of;  // RFC 3339; what was out at that instant.
};

struct AdminOptions {
  std::string data_dir;  // A store folder, for offline work.
  std::string to;        // Backup destination (new folder).
  std::string from;      // Restore source (a backup folder).
};

int RunGet(const CommonOptions& common, const GetOptions& options);
// Checks every hash chain, diff and sequence of a store folder (read-only,
// so it can run beside the daemon).
int RunAdminVerify(const CommonOptions& common, const AdminOptions& options);
// A consistent copy: through the daemon when --hub is given, else offline.
int RunAdminBackup(const CommonOptions& common, const AdminOptions& options, bool via_hub);
// Verifies a backup, then copies it into a new store folder.
int RunAdminRestore(const CommonOptions& common, const AdminOptions& options);
int RunHistory(const CommonOptions& common, const std::string& article_id);
// Compares two nodes' logs commit by commit (records, revisions, events) up
// to the shorter: 0 when identical, 1 at the first difference.
int RunAdminCompare(const CommonOptions& common, const std::vector<std::string>& hubs);
// Prints a failure (stderr, and a JSON line with --json); the exit code.
int Report(const CommonOptions& common, const std::string& command, const std::string& subject,
           const Error& error);

// newswire keygen: a CURVE key pair in DIR/NAME.key (mode 0600) and
// DIR/NAME.pub.
int RunKeygen(const CommonOptions& common, const std::string& name, const std::string& dir);
// newswire whoami: who the daemon takes this client's key for.
int RunWhoami(const CommonOptions& common);
// newswire admin reload: the daemon re-reads its access file (operators).
int RunAdminReload(const CommonOptions& common);

}  // namespace newswire::cli
