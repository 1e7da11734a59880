// newswire-figures-bench: should figure changes travel on the wire, or be
// computed by the subscriber library from the two versions it holds?
//
// Over the workload corpus's updates (every revision after version 1) it
// measures what each choice costs: the bytes a RevisionEvent would gain
// if it carried its figure changes (in full as FigureChange records, or at
// the least as offsets into the texts the subscriber rebuilds anyway)
// against the event as it goes out today (the zstd delta, as the daemon
// sends it), and the CPU the library spends computing them (this thread's
// CPU time, so other work on a shared machine does not count). Prints one
// figure a line, `newswire-figures workload metric value`.
#include <time.h>
#include <algorithm>

#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "corpus.h"
#include "newswire/core/article.h"
#include "newswire/core/delta.h"
#include "newswire/core/figures.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::bench {
namespace {

// This thread's CPU time in microseconds: the machine is shared, and wall
// time would count the time other processes had the core.
double CpuMicros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

void Print(const std::string& workload, const std::string& metric, double value) {
  std::printf("newswire-figures %s %s %.6g\n", workload.c_str(), metric.c_str(), value);
  std::fflush(stdout);
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1))];
}

double Mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return values.empty() ? 0 : sum / static_cast<double>(values.size());
}

std::size_t VarintSize(uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}
// Protobuf sizes: a varint field, a length-delimited one.
std::size_t Varint(uint64_t v) { return v == 0 ? 0 : 1 + VarintSize(v); }
std::size_t Bytes(std::size_t n) { return n == 0 ? 0 : 1 + VarintSize(n) + n; }

std::size_t FigureSize(const std::optional<core::Figure>& f) {
  if (!f) return 0;
  return Bytes(Bytes(f->text.size()) + Bytes(f->value.size()) + Bytes(f->unit.size()));
}

// A FigureChange record as a protobuf message would carry it: kind, field,
// index, before and after (text, value, unit), context.
std::size_t FullSize(const core::FigureChange& c) {
  return Bytes(Varint(static_cast<uint64_t>(c.kind) + 1) +
               Varint(static_cast<uint64_t>(c.field) + 1) + Varint(static_cast<uint64_t>(c.index)) +
               FigureSize(c.before) + FigureSize(c.after) + Bytes(c.context.size()));
}

// The least a record could be: where it is and the byte ranges of the
// figure in each version (the subscriber holds both texts).
std::size_t OffsetsSize(const core::FigureChange& c) {
  std::size_t size =
      Varint(static_cast<uint64_t>(c.field) + 1) + Varint(static_cast<uint64_t>(c.index));
  if (c.before) size += Varint(c.before->begin) + Varint(c.before->end - c.before->begin);
  if (c.after) size += Varint(c.after->begin) + Varint(c.after->end - c.after->begin);
  return Bytes(size);
}

// The event as the daemon sends an update today: ids, hashes, the delta.
std::size_t EventSize(const v1::Article& base, const v1::Article& result, uint32_t version) {
  v1::RevisionEvent event;
  event.set_article_id(result.id());
  event.set_version(version);
  event.set_wire_seq(1'000'000 + version);
  event.mutable_wire_time()->set_seconds(1'795'590'300);
  event.mutable_wire_time()->set_nanos(123'456'789);
  event.set_content_hash(std::string(32, 'h'));
  event.set_base_hash(std::string(32, 'b'));
  const std::string bytes = core::CanonicalBytes(result);
  event.set_full_bytes(static_cast<uint32_t>(bytes.size()));
  event.set_delta(core::EncodeDelta(core::CanonicalBytes(base), bytes));
  return event.ByteSizeLong();
}

void Run(std::size_t count) {
  std::unordered_map<std::string, v1::Article> held;
  std::vector<double> micros, full_bytes, offset_bytes, events, with_full, ratio, ratio_full,
      changes_per_update;
  std::size_t updates = 0, with_changes = 0;
  for (auto& revision : GenerateCorpus(CorpusOptions{}, count)) {
    v1::Article article = std::move(revision.article);
    article.set_version(revision.version);
    auto it = held.find(article.id());
    if (it != held.end()) {
      ++updates;
      const double t0 = CpuMicros();
      const auto changes = core::FigureChanges(it->second, article);
      micros.push_back(CpuMicros() - t0);
      std::size_t full = 0, offsets = 0;
      for (const auto& c : changes) {
        full += FullSize(c);
        offsets += OffsetsSize(c);
      }
      with_changes += !changes.empty();
      changes_per_update.push_back(static_cast<double>(changes.size()));
      // A repeated field of RevisionEvent: each record is already framed.
      full_bytes.push_back(static_cast<double>(full));
      offset_bytes.push_back(static_cast<double>(offsets));
      const auto event = static_cast<double>(EventSize(it->second, article, revision.version));
      const auto article_bytes = static_cast<double>(core::CanonicalBytes(article).size());
      events.push_back(event);
      with_full.push_back(event + static_cast<double>(full));
      ratio.push_back(event / article_bytes);
      ratio_full.push_back((event + static_cast<double>(full)) / article_bytes);
      it->second = std::move(article);
    } else {
      held.emplace(article.id(), std::move(article));
    }
  }
  Print("updates", "count", static_cast<double>(updates));
  Print("updates", "share_with_figure_changes",
        static_cast<double>(with_changes) / static_cast<double>(std::max<std::size_t>(updates, 1)));
  Print("updates", "figure_changes_mean", Mean(changes_per_update));
  Print("compute_in_library", "p50_us", Percentile(micros, 0.5));
  Print("compute_in_library", "p99_us", Percentile(micros, 0.99));
  Print("compute_in_library", "mean_us", Mean(micros));
  Print("event_today", "p50_bytes", Percentile(events, 0.5));
  Print("event_today", "mean_bytes", Mean(events));
  Print("carried_records", "mean_added_bytes", Mean(full_bytes));
  Print("carried_records", "p90_added_bytes", Percentile(full_bytes, 0.9));
  Print("carried_records", "event_p50_bytes", Percentile(with_full, 0.5));
  Print("carried_records", "event_mean_bytes", Mean(with_full));
  Print("carried_offsets", "mean_added_bytes", Mean(offset_bytes));
  Print("wire_over_full_p50", "today", Percentile(ratio, 0.5));
  Print("wire_over_full_p50", "carried_records", Percentile(ratio_full, 0.5));
}

}  // namespace
}  // namespace newswire::bench

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  if (argc > 1 && !quick) {
    std::fprintf(stderr, "usage: newswire-figures-bench [--quick]\n");
    return 2;
  }
  newswire::bench::Run(quick ? 2000 : 20000);
  return 0;
}
