// Subscribing through several hubs: SubscriberOptions::hub = "a,b,c".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "newswire/subscriber/subscriber.h"

namespace newswire::subscriber {

// "a,b,c" -> {"a", "b", "c"}; one hub -> itself.
std::vector<std::string> SplitHubs(const std::string& hubs);

// Connects to the first hub that answers (in the order given) and returns a
// subscriber that moves to the next when that one's live connection stays
// down past options.failover_after. Errors as Subscriber::Connect: the last
// hub's UNAVAILABLE when none answers, or the first other error at once.
Result<std::unique_ptr<Subscriber>> ConnectToAnyHub(const SubscriberOptions& options);

}  // namespace newswire::subscriber
