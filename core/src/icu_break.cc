#include "icu_break.h"

#include <unicode/locid.h>

namespace newswire::core::icu_break {

Iterators& Iterators::ForThisThread() {
  thread_local Iterators iterators;
  return iterators;
}

Iterators::Iterators() {
  UErrorCode status = U_ZERO_ERROR;
  words_.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status)) words_.reset();
  status = U_ZERO_ERROR;
  characters_.reset(icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status)) characters_.reset();
}

Iterators::~Iterators() {
  utext_close(&words_text_);
  utext_close(&characters_text_);
}

icu::BreakIterator* Iterators::Set(icu::BreakIterator* iterator, UText* utext,
                                   std::string_view text) {
  if (iterator == nullptr) return nullptr;
  UErrorCode status = U_ZERO_ERROR;
  // Reuses the UText's storage: no allocation per text.
  utext_openUTF8(utext, text.data(), static_cast<int64_t>(text.size()), &status);
  iterator->setText(utext, status);
  return U_SUCCESS(status) ? iterator : nullptr;
}

icu::BreakIterator* Iterators::Words(std::string_view text) {
  return Set(words_.get(), &words_text_, text);
}

icu::BreakIterator* Iterators::Characters(std::string_view text) {
  return Set(characters_.get(), &characters_text_, text);
}

}  // namespace newswire::core::icu_break
