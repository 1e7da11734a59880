// ICU break iterators over UTF-8 text, one set per thread (an iterator is
// not safe to share). Private to core.
#pragma once

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <memory>
#include <string_view>

namespace newswire::core::icu_break {

class Iterators {
 public:
  // This thread's iterators, created on first use (tens of microseconds:
  // ICU loads its rules and, on demand, its dictionaries).
  static Iterators& ForThisThread();

  // The word (UAX #29, with ICU's dictionaries for Thai, Lao, Khmer,
  // Myanmar, Chinese and Japanese) or character (extended grapheme
  // cluster) iterator set on `text`, whose boundaries are byte offsets into
  // it; nullptr if ICU failed (no data). `text` must outlive the iteration.
  icu::BreakIterator* Words(std::string_view text);
  icu::BreakIterator* Characters(std::string_view text);

  Iterators(const Iterators&) = delete;
  Iterators& operator=(const Iterators&) = delete;
  ~Iterators();

 private:
  Iterators();
  icu::BreakIterator* Set(icu::BreakIterator* iterator, UText* utext, std::string_view text);

  std::unique_ptr<icu::BreakIterator> words_, characters_;
  UText words_text_ = UTEXT_INITIALIZER;
  UText characters_text_ = UTEXT_INITIALIZER;
};

}  // namespace newswire::core::icu_break
