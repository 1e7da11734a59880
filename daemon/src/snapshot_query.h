// The query service's snapshot pages (v1::GetSnapshot). Private to the daemon.
#pragma once

#include "newswire/store/revision_store.h"
#include "newswire/v1/wire.pb.h"

namespace newswire::daemon {

// One page of the wire as of an instant: the first page fixes the instant
// as the last wire sequence at or before `as_of` (or the latest, when
// neither `as_of` nor `at_wire_seq` is given); later pages name it with
// `at_wire_seq`. MALFORMED for a page token without `at_wire_seq`.
Result<v1::SnapshotReply> AnswerSnapshot(const store::RevisionStore& store,
                                         const v1::GetSnapshot& query, uint32_t limit);

}  // namespace newswire::daemon
