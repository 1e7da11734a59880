#include "query_broker.h"

#include <deque>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "newswire/core/request_frame.h"
#include "newswire/core/sync_point.h"
#include "query_service.h"
#include "zmq_frames.h"

namespace newswire::daemon {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kStopCheck{100};

// A request waiting for a worker: where the answer goes, who asks (the
// User-Id of its connection: metadata does not travel to the worker), and
// the request.
struct Job {
  Envelope envelope;
  std::string user_id;
  zmq::message_t request;
};

// Long requests: log pages, snapshot pages and commit pages (a follower's
// catch-up) read up to a page of records.
bool IsLogPage(const v1::QueryRequest& request) {
  return request.has_read_log() || request.has_snapshot() || request.has_read_commits();
}

// A worker: takes [envelope id][delimiter flag][user id][request] from the
// broker, answers it from the store within the user's grants and sends
// [envelope id][delimiter flag][reply] back; an empty message says it is
// ready for the first job.
void Work(zmq::context_t& context, const std::string& backend, const QueryContext& query,
          Metrics& metrics, DaemonSecurity& security) {
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  socket.connect(backend);
  socket.send(zmq::message_t(), zmq::send_flags::none);
  while (true) {
    std::vector<zmq::message_t> parts;
    try {
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(-1));
      parts = ReceiveMultipart(socket);
    } catch (const zmq::error_t&) {
      return;  // The context is shutting down.
    }
    if (parts.empty()) continue;
    if (parts.size() != 4) return;  // The broker's way of saying stop.
    v1::QueryRequest request;
    request.ParseFromArray(parts[3].data(), static_cast<int>(parts[3].size()));
    const std::string user_id = parts[2].to_string();
    if (auto answer = security.GuardQuery(user_id, request, query.store)) {
      socket.send(parts[0], zmq::send_flags::sndmore);
      socket.send(parts[1], zmq::send_flags::sndmore);
      socket.send(zmq::buffer(*answer), zmq::send_flags::none);
      continue;
    }
    if (IsLogPage(request)) (void)NEWSWIRE_SYNC_POINT("query.read_log");
    const auto started = SteadyClock::now();
    std::string reply = AnswerQuery(query, request);
    metrics.query_seconds.Observe(
        std::chrono::duration<double>(SteadyClock::now() - started).count());
    metrics.queries[static_cast<std::size_t>(request.query_case()) % metrics.queries.size()]
        .fetch_add(1, std::memory_order_relaxed);
    if (request.has_read_log() && !request.read_log().channel().empty()) {
      metrics.channel_reads.fetch_add(1, std::memory_order_relaxed);
    }
    socket.send(parts[0], zmq::send_flags::sndmore);
    socket.send(parts[1], zmq::send_flags::sndmore);
    socket.send(zmq::buffer(reply), zmq::send_flags::none);
  }
}

class Broker {
 public:
  Broker(zmq::socket_t& frontend, zmq::socket_t& backend, std::size_t workers, Metrics& metrics)
      : frontend_(frontend), backend_(backend), workers_(workers), metrics_(metrics) {}

  // A request from a client: refused at once if malformed, else queued.
  void OnRequest() {
    auto parts = ReceiveMultipart(frontend_);
    if (parts.empty()) return;
    Job job;
    auto payload = SplitRequest(parts, job.envelope);
    v1::QueryRequest request;
    if (!payload || !request.ParseFromArray(payload->data(), static_cast<int>(payload->size()))) {
      metrics_.Refused(Service::kQuery,
                       payload ? RefusedFrame::kNotARequest : RefusedFrame::kEnvelope);
      SendReply(frontend_, job.envelope,
                ErrorReply<v1::QueryReply>(
                    payload ? core::RequestIdOf(payload->to_string_view()) : 0,
                    {v1::ERROR_CODE_MALFORMED, "frame is not a valid QueryRequest"}));
      return;
    }
    if (const char* user_id = zmq_msg_gets(payload->handle(), "User-Id")) job.user_id = user_id;
    job.request = std::move(*payload);
    if (IsLogPage(request)) {
      const std::string client = job.envelope.identity.to_string();
      auto& queue = pages_[client];
      if (queue.empty()) turns_.push_back(client);
      queue.push_back(std::move(job));
    } else {
      short_.push_back(std::move(job));
    }
  }

  // A worker's answer (or its first hello): pass it on; the worker is idle.
  void OnWorker() {
    auto parts = ReceiveMultipart(backend_);  // [worker id][...]
    if (parts.empty()) return;
    if (parts.size() == 4) {  // [worker][envelope id][delimiter flag][reply]
      Envelope envelope;
      envelope.identity = std::move(parts[1]);
      envelope.delimiter = parts[2].size() == 1;
      SendReply(frontend_, envelope, parts[3].to_string());
      if (auto it = busy_on_page_.find(parts[0].to_string()); it != busy_on_page_.end()) {
        busy_on_page_.erase(it);
      }
    }
    idle_.push_back(std::move(parts[0]));
  }

  // Hands waiting requests to idle workers: short ones first; a log page
  // only while another worker stays free for short ones.
  void Dispatch() {
    while (!idle_.empty()) {
      if (!short_.empty()) {
        Send(std::move(short_.front()), false);
        short_.pop_front();
      } else if (!turns_.empty() && busy_on_page_.size() + 1 < workers_) {
        const std::string client = std::move(turns_.front());
        turns_.pop_front();
        auto& queue = pages_[client];
        Send(std::move(queue.front()), true);
        queue.pop_front();
        if (queue.empty()) {
          pages_.erase(client);
        } else {
          turns_.push_back(client);  // Its next page waits for the others' turn.
        }
      } else {
        return;
      }
    }
  }

  // Tells every idle worker to stop; how many were told.
  std::size_t StopIdle() {
    const std::size_t count = idle_.size();
    for (auto& worker : idle_) {
      backend_.send(worker, zmq::send_flags::sndmore);
      backend_.send(zmq::message_t(), zmq::send_flags::none);  // One frame: stop.
    }
    idle_.clear();
    return count;
  }

 private:
  void Send(Job job, bool page) {
    zmq::message_t worker = std::move(idle_.front());
    idle_.pop_front();
    if (page) busy_on_page_.insert(worker.to_string());
    backend_.send(worker, zmq::send_flags::sndmore);
    backend_.send(job.envelope.identity, zmq::send_flags::sndmore);
    backend_.send(zmq::message_t(job.envelope.delimiter ? 1 : 0), zmq::send_flags::sndmore);
    backend_.send(zmq::buffer(job.user_id), zmq::send_flags::sndmore);
    backend_.send(job.request, zmq::send_flags::none);
  }

  zmq::socket_t& frontend_;
  zmq::socket_t& backend_;
  const std::size_t workers_;
  Metrics& metrics_;
  std::deque<zmq::message_t> idle_;     // Worker ids.
  std::set<std::string> busy_on_page_;  // Workers paging the log.
  std::deque<Job> short_;
  std::map<std::string, std::deque<Job>> pages_;  // Client id -> its log pages.
  std::deque<std::string> turns_;                 // Clients with pages waiting, in turn.
};

}  // namespace

void ServeQueries(zmq::context_t& context, zmq::socket_t& frontend, const QueryContext& query,
                  Metrics& metrics, DaemonSecurity& security, std::size_t workers,
                  const std::atomic<bool>& stop) {
  static std::atomic<int> counter{0};
  const std::string address = "inproc://newswired-query-workers-" + std::to_string(++counter);
  workers = std::max<std::size_t>(workers, 2);
  zmq::socket_t backend(context, zmq::socket_type::router);
  backend.set(zmq::sockopt::linger, 0);
  backend.bind(address);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < workers; ++i) {
    threads.emplace_back([&] { Work(context, address, query, metrics, security); });
  }
  Broker broker(frontend, backend, workers, metrics);
  while (!stop.load()) {
    zmq::pollitem_t items[] = {{backend.handle(), 0, ZMQ_POLLIN, 0},
                               {frontend.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, kStopCheck);
      if (items[0].revents & ZMQ_POLLIN) broker.OnWorker();
      if (items[1].revents & ZMQ_POLLIN) broker.OnRequest();
      broker.Dispatch();
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) spdlog::error("query service: {}", e.what());
    }
  }
  // Idle workers stop now; busy ones finish the request in hand (its answer
  // still goes out), then stop.
  std::size_t stopped = broker.StopIdle();
  while (stopped < threads.size()) {
    zmq::pollitem_t item{backend.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, kStopCheck);
    if (item.revents & ZMQ_POLLIN) broker.OnWorker();
    stopped += broker.StopIdle();
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace newswire::daemon
