#include "not_primary.h"

#include "newswire/v1/views.pb.h"
#include "zmq_frames.h"

namespace newswire::daemon {

void RefusePublishes(zmq::socket_t& ingest, Metrics& metrics) {
  while (true) {
    auto parts = ReceiveMultipart(ingest);
    if (parts.empty()) return;
    Envelope envelope;
    auto payload = SplitRequest(parts, envelope);
    if (!payload) continue;
    // The request id is all this reads: the article stays encoded.
    v1::PublishRequestView request;
    const uint64_t request_id =
        request.ParseFromArray(payload->data(), static_cast<int>(payload->size()))
            ? request.request_id()
            : 0;
    const auto status = metrics.replication.Snapshot();
    Error error{v1::ERROR_CODE_NOT_PRIMARY,
                "this daemon is a follower of " + status.upstream + "; publish to " +
                    (status.primary_hub.empty() ? std::string("the primary (not known yet)")
                                                : status.primary_hub),
                0, status.primary_hub};
    SendReply(ingest, envelope, ErrorReply<v1::PublishReply>(request_id, error));
    metrics.rejected[v1::ERROR_CODE_NOT_PRIMARY].fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace newswire::daemon
