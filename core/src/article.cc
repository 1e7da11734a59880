#include "newswire/core/article.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <tuple>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "newswire/core/channel.h"
#include "newswire/core/time.h"
#include "newswire/core/unicode.h"
#include "newswire/core/utf8.h"

namespace newswire::core {
namespace {

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxHeadlineBytes = 1024;

tl::unexpected<Error> Invalid(std::string message) {
  return Fail(v1::ERROR_CODE_INVALID_ARTICLE, std::move(message));
}

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Identifiers: ASCII letters, digits and a few separators.
bool IsIdentifier(std::string_view s, std::size_t max, std::string_view extra) {
  if (s.empty() || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return IsAsciiAlnum(c) || extra.find(c) != std::string_view::npos;
  });
}

std::string CodePoint(uint32_t c) {
  char name[16];
  std::snprintf(name, sizeof name, "U+%04X", static_cast<unsigned>(c));
  return name;
}

// Text fields: valid UTF-8, no control characters, no line breaks in
// one-line fields; then brought to NFC (W3C Character Model), so that
// canonically equivalent text is the same bytes and the same hash.
Result<void> CleanText(std::string_view field, std::string* text, bool allow_newlines) {
  TextFacts facts;
  switch (CheckTextBytes(*text, allow_newlines, &facts)) {
    case TextFault::kNone: break;
    case TextFault::kInvalidUtf8: return Invalid(std::string(field) + " is not valid UTF-8");
    case TextFault::kControlCharacter:
      return Invalid(std::string(field) + " contains a control character (" +
                     CodePoint(facts.culprit) + ")");
    case TextFault::kLineBreak:
      return Invalid(std::string(field) + " must be one line: it contains a line break (" +
                     CodePoint(facts.culprit) + ")");
  }
  if (facts.from_u0300) NormalizeToNfc(*text);  // Text below U+0300 is always NFC.
  return {};
}

Result<void> CleanTextList(std::string_view field,
                           google::protobuf::RepeatedPtrField<std::string>* items) {
  for (int i = 0; i < items->size(); ++i) {
    // The item's name only for the error: most articles are valid.
    auto name = [&] { return std::string(field) + "[" + std::to_string(i) + "]"; };
    if (items->Get(i).empty()) return Invalid(name() + " is empty");
    if (auto ok = CleanText(field, items->Mutable(i), true); !ok) {
      return CleanText(name(), items->Mutable(i), true);
    }
  }
  return {};
}

Result<void> CheckTime(std::string_view field, const google::protobuf::Timestamp& ts) {
  if (auto ok = CheckTimestamp(field, ts); !ok) return Invalid(ok.error().message);
  return {};
}

bool IsLanguageTag(std::string_view s) {
  // BCP 47, loosely: 2-3 letter primary tag, then -subtags of 1-8 alnums.
  std::size_t i = 0;
  while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
  if (i < 2 || i > 3) return false;
  while (i < s.size()) {
    if (s[i] != '-') return false;
    std::size_t start = ++i;
    while (i < s.size() && IsAsciiAlnum(s[i])) ++i;
    if (i == start || i - start > 8) return false;
  }
  return true;
}

template <typename T, typename Less, typename Equal>
void SortUnique(google::protobuf::RepeatedPtrField<T>* items, Less less, Equal equal) {
  std::sort(items->begin(), items->end(), less);
  auto last = std::unique(items->begin(), items->end(), equal);
  items->erase(last, items->end());
}

}  // namespace

Result<void> NormalizeAndValidate(v1::Article& a) {
  if (!IsIdentifier(a.id(), kMaxIdBytes, "._:-/")) {
    return Invalid("id must be 1-128 characters of A-Z a-z 0-9 . _ : - /");
  }
  if (!IsIdentifier(a.feed(), kMaxNameBytes, "._-")) {
    return Invalid("feed must be 1-64 characters of A-Z a-z 0-9 . _ -");
  }
  a.set_version(0);

  if (a.pubstatus() == v1::PUB_STATUS_UNSPECIFIED) a.set_pubstatus(v1::PUB_STATUS_USABLE);
  if (!v1::PubStatus_IsValid(a.pubstatus())) return Invalid("pubstatus is unknown");

  for (int s : a.signals()) {
    if (s == v1::SIGNAL_UNSPECIFIED || !v1::Signal_IsValid(s)) {
      return Invalid("signals holds an unknown signal");
    }
  }
  std::sort(a.mutable_signals()->begin(), a.mutable_signals()->end());
  a.mutable_signals()->erase(std::unique(a.mutable_signals()->begin(), a.mutable_signals()->end()),
                             a.mutable_signals()->end());

  if (a.urgency() == 0) a.set_urgency(5);
  if (a.urgency() > 9) return Invalid("urgency must be 1 (flash) to 9");

  if (a.headline().empty()) return Invalid("headline is empty");
  if (auto ok = CleanText("headline", a.mutable_headline(), false); !ok) return ok;
  if (a.headline().size() > kMaxHeadlineBytes) return Invalid("headline is over 1024 bytes");
  if (auto ok = CleanTextList("key_points", a.mutable_key_points()); !ok) return ok;
  if (auto ok = CleanTextList("body", a.mutable_body()); !ok) return ok;
  if (auto ok = CleanText("ednote", a.mutable_ednote(), false); !ok) return ok;
  if (auto ok = CleanText("byline", a.mutable_byline(), false); !ok) return ok;
  if (auto ok = CleanText("source", a.mutable_source(), false); !ok) return ok;

  if (!a.language().empty() && !IsLanguageTag(a.language())) {
    return Invalid("language must be a BCP 47 tag such as en or ja");
  }

  for (int i = 0; i < a.instruments_size(); ++i) {
    const auto& in = a.instruments(i);
    std::string name = "instruments[" + std::to_string(i) + "]";
    if (!IsIdentifier(in.symbol(), 32, "._-/")) {
      return Invalid(name + ".symbol must be 1-32 characters of A-Z a-z 0-9 . _ - /");
    }
    if (in.exchange().size() != 4 || !IsIdentifier(in.exchange(), 4, "")) {
      return Invalid(name + ".exchange must be a 4-character MIC such as XTKS");
    }
  }
  SortUnique(
      a.mutable_instruments(),
      [](const v1::Instrument& x, const v1::Instrument& y) {
        return std::tie(x.exchange(), x.symbol()) < std::tie(y.exchange(), y.symbol());
      },
      [](const v1::Instrument& x, const v1::Instrument& y) {
        return x.exchange() == y.exchange() && x.symbol() == y.symbol();
      });

  for (int i = 0; i < a.topics_size(); ++i) {
    std::string name = "topics[" + std::to_string(i) + "]";
    if (auto ok = CleanText(name, a.mutable_topics(i), false); !ok) return ok;
    const std::string& t = a.topics(i);
    if (t.empty() || t.size() > kMaxNameBytes) return Invalid(name + " must be 1-64 bytes");
    if (t.find(kChannelTerminator) != std::string::npos) {
      return Invalid(name + " must not contain '|'");
    }
  }
  SortUnique(a.mutable_topics(), std::less<>(), std::equal_to<>());

  if (auto ok = CheckTime("firstcreated", a.firstcreated()); !ok) return ok;
  if (auto ok = CheckTime("versioncreated", a.versioncreated()); !ok) return ok;
  if (auto ok = CheckTime("embargoed", a.embargoed()); !ok) return ok;

  if (!a.time_zone().empty() &&
      (!IsIdentifier(a.time_zone(), kMaxNameBytes, "/_+-") || !IsKnownTimeZone(a.time_zone()))) {
    // The message is in the wire protocol's test vectors (proto/testdata/errors.json).
    return Invalid("time_zone must be an IANA zone such as Asia/Tokyo");
  }
  return {};
}

namespace {

// Serialises into `out` (resized to fit) in one pass over a flat buffer: a
// growing string stream zero-fills and copies as it goes, which made the
// encoding cost more than the SHA-256 of it.
void SerializeCanonical(const v1::Article& article, std::string& out) {
  const std::size_t size = article.ByteSizeLong();
  out.resize(size);
  google::protobuf::io::ArrayOutputStream array(out.data(), static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&array);
  coded.SetSerializationDeterministic(true);
  article.SerializeWithCachedSizes(&coded);
}

}  // namespace

std::string CanonicalBytes(const v1::Article& article) {
  std::string out;
  SerializeCanonical(article, out);
  return out;
}

namespace {

constexpr std::size_t kSha256Bytes = 32;

// One digest context per thread, reused: EVP_Digest allocates, sets up and
// frees one per call, a quarter of the time of hashing a ~100-byte chain
// input. The algorithm is fetched once (EVP_sha256() looks it up per call).
void Sha256Into(std::string_view bytes, unsigned char* digest) {
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct Context {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(md); }
  };
  thread_local Context context;
  unsigned int size = 0;
  EVP_DigestInit_ex2(context.md, kSha256, nullptr);
  EVP_DigestUpdate(context.md, bytes.data(), bytes.size());
  EVP_DigestFinal_ex(context.md, digest, &size);
}

}  // namespace

std::string Sha256(std::string_view bytes) {
  std::string digest(kSha256Bytes, '\0');
  Sha256Into(bytes, reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

bool Sha256Matches(std::string_view bytes, std::string_view digest) {
  if (digest.size() != kSha256Bytes) return false;
  std::array<unsigned char, kSha256Bytes> actual{};
  Sha256Into(bytes, actual.data());
  return std::equal(actual.begin(), actual.end(),
                    reinterpret_cast<const unsigned char*>(digest.data()));
}

std::string ContentHash(const v1::Article& article) {
  // Every subscriber hashes every revision: reuse one buffer per thread.
  thread_local std::string buffer;
  SerializeCanonical(article, buffer);
  return Sha256(buffer);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

}  // namespace newswire::core
