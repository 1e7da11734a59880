// Who is primary, decided by etcd (README "Failover"), as Patroni does for
// PostgreSQL: no consensus of our own. Every node keeps a lease (TTL
// `lease_ttl`) alive and registers itself with its newest commit under
// /newswire/CLUSTER/members/NAME; the primary is the node whose lease holds
// /newswire/CLUSTER/leader (value: its hub). The key's create revision is
// the term's epoch: it grows with every new primary, and fences the older
// ones. When the key is gone (its holder's lease expired), a node campaigns
// only if no live member holds a longer log: the most complete follower
// wins.
//
// A primary whose lease cannot be renewed fences itself `fence_margin`
// before the lease could expire (and so before anyone else can be elected):
// Current().fenced turns true and stays so; the daemon then stops serving.
//
// Talks to etcd's v3 JSON gateway over plain HTTP (cpp-httplib) on a
// thread of its own, every `interval`. Current() is safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "newswire/core/error.h"

namespace newswire::replication {

struct CoordinatorOptions {
  std::string etcd;  // http://HOST:PORT of etcd members, comma-separated.
  std::string cluster = "newswire";
  std::string name;  // This node, unique in the cluster.
  std::string hub;   // Where this node takes publishes when it is primary.
  std::chrono::seconds lease_ttl{5};
  std::chrono::milliseconds fence_margin{2000};
  std::chrono::milliseconds interval{250};
};

struct Leadership {
  bool known = false;      // A primary is known (or this node is it).
  bool leader = false;     // This node holds the leader key.
  std::string leader_hub;  // The primary's hub.
  uint64_t epoch = 0;      // The term: the leader key's create revision.
  bool fenced = false;     // This node was primary and may no longer act as one.
  std::string why_fenced;
};

class Coordinator {
 public:
  // `applied_commit` tells the newest commit this node holds (any thread).
  static Result<std::unique_ptr<Coordinator>> Start(const CoordinatorOptions& options,
                                                    std::function<uint64_t()> applied_commit);
  virtual ~Coordinator() = default;  // Resigns: revokes the lease.

  virtual Leadership Current() const = 0;

 protected:
  Coordinator() = default;
};

}  // namespace newswire::replication
