// Terms only grow along the wire: each revision event carries the epoch of
// the primary that committed it (README "Failover"), and a term begins
// after the previous one's last revision, as Kafka's leader epochs do. An
// event of an older term at or past the first wire sequence seen in a newer
// one can only come from a fenced primary that went on writing: it is
// refused. Without a cluster every epoch is 0 and nothing is refused.
// Private to subscriber/; not thread-safe (one subscriber's thread).
#pragma once

#include <cstdint>

namespace newswire::subscriber {

class TermFence {
 public:
  // True when an event of `epoch` at `wire_seq` may be delivered; learns
  // a newer term from it.
  bool Admit(uint64_t epoch, uint64_t wire_seq) {
    if (epoch > epoch_) {
      epoch_ = epoch;
      from_ = wire_seq;
      return true;
    }
    return epoch == epoch_ || wire_seq < from_;
  }
  uint64_t epoch() const { return epoch_; }  // The newest term seen.

 private:
  uint64_t epoch_ = 0;
  uint64_t from_ = 0;  // The first wire sequence seen in epoch_.
};

}  // namespace newswire::subscriber
