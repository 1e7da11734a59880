// newswire: the command-line client. See README.md "CLI reference".
#include <unistd.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  using namespace newswire::cli;
  CLI::App app{"newswire: publish to, follow and query a Newswire hub"};
  app.require_subcommand(1);
  CommonOptions common;
  bool no_color = false;
  int64_t timeout_ms = common.timeout.count();
  auto add_common = [&](CLI::App* command) {
    command
        ->add_option(
            "--hub", common.hub,
            "daemon address tcp://HOST:PORT; publish and tail take several, comma-separated")
        ->envname("NEWSWIRE_HUB")
        ->capture_default_str();
    command->add_flag("--json", common.json, "JSON lines instead of human text");
    command->add_flag("--no-color", no_color, "never colour the output");
    command->add_option("--timeout-ms", timeout_ms, "how long to wait for the daemon")
        ->capture_default_str();
    command
        ->add_option("--key", common.key_file,
                     "this client's CURVE secret key file (newswire keygen), for a secure daemon")
        ->envname("NEWSWIRE_KEY");
    command->add_option("--server-key", common.server_key_file, "the daemon's public key file")
        ->envname("NEWSWIRE_SERVER_KEY");
  };

  PublishOptions publish;
  auto* publish_cmd = app.add_subcommand("publish", "publish articles (protobuf JSON), in order");
  add_common(publish_cmd);
  publish_cmd->add_option("files", publish.files, "article JSON files; - reads stdin")->required();
  publish_cmd
      ->add_option("--publisher", publish.publisher_id, "publisher id recorded with each revision")
      ->envname("NEWSWIRE_PUBLISHER");
  publish_cmd->add_option("--base-version", publish.base_version,
                          "refuse unless the article is at this version (optimistic concurrency)");
  publish_cmd->add_option("--idempotency-key", publish.key,
                          "idempotency key: retries never make a 2nd revision");

  TailOptions tail;
  auto* tail_cmd = app.add_subcommand("tail", "follow the live wire, applying and verifying diffs");
  add_common(tail_cmd);
  tail_cmd->add_option("--feed", tail.channels.feeds, "follow a feed (repeatable)");
  tail_cmd->add_option("--instrument", tail.channels.instruments,
                       "follow an instrument, MIC:SYMBOL (repeatable)");
  tail_cmd->add_option("--topic", tail.channels.topics, "follow a topic (repeatable)");
  tail_cmd->add_option("--count", tail.count, "exit after this many revisions");
  tail_cmd->add_option("--since", tail.since,
                       "start in the past: an RFC 3339 time or seq:N (a wire sequence)");
  tail_cmd->add_option("--resume", tail.resume,
                       "keep a cursor under this name and continue from it next time");
  tail_cmd->add_flag("--figures-only", tail.figures_only,
                     "print only revisions that add, remove or change figures");

  ReplayCommandOptions replay;
  auto* replay_cmd = app.add_subcommand("replay", "the wire as it happened, from the store");
  add_common(replay_cmd);
  replay_cmd->add_option("--from", replay.from, "first wire time (RFC 3339)")->required();
  replay_cmd->add_option("--to", replay.to, "last wire time (RFC 3339; default: to the end)");
  replay_cmd->add_option("--speed", replay.speed, "1x, 10x, ... or max")->capture_default_str();
  replay_cmd->add_option("--feed", replay.channels.feeds, "replay a feed (repeatable)");
  replay_cmd->add_option("--instrument", replay.channels.instruments,
                         "replay an instrument, MIC:SYMBOL (repeatable)");
  replay_cmd->add_option("--topic", replay.channels.topics, "replay a topic (repeatable)");
  replay_cmd->add_flag("--with-snapshot", replay.with_snapshot,
                       "start from the wire's state just before --from (every story then live), "
                       "then deliver what came after");
  replay_cmd->add_flag("--figures-only", replay.figures_only,
                       "print only revisions that add, remove or change figures");

  SnapshotCommandOptions snapshot;
  auto* snapshot_cmd = app.add_subcommand(
      "snapshot", "the wire as of a moment: every story live then, at its version then");
  add_common(snapshot_cmd);
  snapshot_cmd->add_option("--as-of", snapshot.as_of, "the instant (RFC 3339; default: now)");
  snapshot_cmd->add_option("--feed", snapshot.channels.feeds, "stories of a feed (repeatable)");
  snapshot_cmd->add_option("--instrument", snapshot.channels.instruments,
                           "stories about an instrument, MIC:SYMBOL (repeatable)");
  snapshot_cmd->add_option("--topic", snapshot.channels.topics, "stories of a topic (repeatable)");
  snapshot_cmd->add_flag("--articles", snapshot.articles,
                         "with --json: include each story's article at its version");

  GetOptions get;
  auto* get_cmd = app.add_subcommand("get", "an article from the store, latest or at a version");
  add_common(get_cmd);
  get_cmd->add_option("id", get.article_id, "article id")->required();
  auto* version_opt = get_cmd->add_option("--version", get.version, "version (default: latest)");
  get_cmd->add_option("--as-of", get.as_of, "what was out at this RFC 3339 time")
      ->excludes(version_opt);
  std::string article_id;

  auto* history_cmd = app.add_subcommand("history", "every version of an article");
  add_common(history_cmd);
  history_cmd->add_option("id", article_id, "article id")->required();

  uint32_t diff_from = 0, diff_to = 0;
  auto* diff_cmd = app.add_subcommand("diff", "what changed between two stored versions");
  add_common(diff_cmd);
  diff_cmd->add_option("id", article_id, "article id")->required();
  diff_cmd->add_option("from", diff_from, "older version")->required();
  diff_cmd->add_option("to", diff_to, "newer version (default: latest)");

  auto* blame_cmd =
      app.add_subcommand("blame", "when each paragraph's current text first appeared");
  add_common(blame_cmd);
  blame_cmd->add_option("id", article_id, "article id")->required();

  auto* stats_cmd =
      app.add_subcommand("stats", "one stats event from the daemon (rates, lags, sizes)");
  add_common(stats_cmd);
  uint64_t top_iterations = 0;
  auto* top_cmd =
      app.add_subcommand("top", "live view of the wire: rates, subscribers, busiest feeds");
  add_common(top_cmd);
  top_cmd->add_option("--iterations", top_iterations, "stop after this many refreshes");

  std::string key_name = "newswire", key_dir = ".";
  auto* keygen_cmd =
      app.add_subcommand("keygen", "make a CURVE key pair: NAME.key (secret, 0600) and NAME.pub");
  keygen_cmd->add_option("--name", key_name, "file names and identity name")->capture_default_str();
  keygen_cmd->add_option("--dir", key_dir, "folder to write them in")->capture_default_str();
  keygen_cmd->add_flag("--json", common.json, "JSON instead of human text");

  auto* whoami_cmd =
      app.add_subcommand("whoami", "who the daemon takes this key for, and its grants");
  add_common(whoami_cmd);

  AdminOptions admin;
  auto* admin_cmd = app.add_subcommand(
      "admin", "operate the daemon or a store: verify, backup, restore, reload, compare");
  admin_cmd->require_subcommand(1);
  auto* verify_cmd =
      admin_cmd->add_subcommand("verify", "check every hash chain, diff and sequence");
  add_common(verify_cmd);
  verify_cmd->add_option("--data-dir", admin.data_dir, "store folder")->required();
  auto* backup_cmd = admin_cmd->add_subcommand(
      "backup", "consistent copy of a store: through the daemon (--hub) or offline (--data-dir)");
  add_common(backup_cmd);
  backup_cmd
      ->add_option("--to", admin.to,
                   "through the daemon: a new folder's name in its --backup-dir; "
                   "offline: a new folder")
      ->required();
  auto* backup_dir_opt =
      backup_cmd->add_option("--data-dir", admin.data_dir, "store folder (daemon stopped)");
  auto* restore_cmd =
      admin_cmd->add_subcommand("restore", "verify a backup, copy it into a store folder");
  add_common(restore_cmd);
  restore_cmd->add_option("--from", admin.from, "backup folder")->required();
  restore_cmd->add_option("--data-dir", admin.data_dir, "new store folder")->required();
  auto* reload_cmd = admin_cmd->add_subcommand(
      "reload", "have the daemon re-read its access file (operators; as SIGHUP does)");
  add_common(reload_cmd);

  std::vector<std::string> compare_hubs;
  auto* compare_cmd = admin_cmd->add_subcommand(
      "compare", "prove two nodes' logs identical up to the shorter (primary and follower)");
  compare_cmd->add_option("--hub", compare_hubs, "a node's hub; give two")->required();
  compare_cmd->add_flag("--json", common.json, "JSON lines instead of human text");
  compare_cmd->add_option("--timeout-ms", timeout_ms, "how long to wait for each node");
  compare_cmd
      ->add_option("--key", common.key_file,
                   "a CURVE secret key file with the replica role on both nodes, for a secure wire")
      ->envname("NEWSWIRE_KEY");
  compare_cmd->add_option("--server-key", common.server_key_file, "the nodes' public key file")
      ->envname("NEWSWIRE_SERVER_KEY");

  CLI11_PARSE(app, argc, argv);
  common.timeout = std::chrono::milliseconds(timeout_ms);
  common.color = !no_color && !common.json && isatty(STDOUT_FILENO);
  if (*keygen_cmd) return RunKeygen(common, key_name, key_dir);
  auto curve = newswire::security::LoadCurveClient(common.key_file, common.server_key_file);
  if (!curve) {
    std::cerr << "newswire: " << curve.error().message << "\n";
    return 2;
  }
  common.curve = std::move(*curve);

  if (*publish_cmd) return RunPublish(common, publish);
  if (*tail_cmd) return RunTail(common, tail);
  if (*replay_cmd) return RunReplay(common, replay);
  if (*snapshot_cmd) return RunSnapshot(common, snapshot);
  if (*stats_cmd) return RunStats(common);
  if (*diff_cmd) return RunDiff(common, article_id, diff_from, diff_to);
  if (*blame_cmd) return RunBlame(common, article_id);
  if (*top_cmd) return RunTop(common, top_iterations);
  if (*get_cmd) return RunGet(common, get);
  if (*verify_cmd) return RunAdminVerify(common, admin);
  if (*backup_cmd) return RunAdminBackup(common, admin, /*via_hub=*/!*backup_dir_opt);
  if (*restore_cmd) return RunAdminRestore(common, admin);
  if (*history_cmd) return RunHistory(common, article_id);
  if (*whoami_cmd) return RunWhoami(common);
  if (*reload_cmd) return RunAdminReload(common);
  if (*compare_cmd) return RunAdminCompare(common, compare_hubs);
  return 2;
}
