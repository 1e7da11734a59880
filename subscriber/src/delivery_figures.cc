// Figure changes of a delivery, from the version the library held before it.
#include "newswire/subscriber/subscriber.h"

namespace newswire::subscriber {

RebuiltArticle::RebuiltArticle(std::shared_ptr<const std::string> canonical)
    : canonical_(std::move(canonical)) {}

std::vector<core::FigureChange> Delivery::figure_changes() const {
  if (!verified || !previous || previous->canonical().empty()) return {};
  return core::FigureChanges(previous->article(), article());
}

}  // namespace newswire::subscriber
