// newswire-diff-bench: the diff engine on a corpus shaped by
// ../shared/WORKLOAD.md (appended paragraph, corrected number, headline
// rewrite, instrument added, paragraph moved, near-total rewrite, Japanese,
// emoji and Thai stories, grapheme clusters swapped, a seeded workload mix)
// and on adversarial inputs; then ingest's NormalizeAndValidate (validation
// and NFC) per story.
//
// Per case it reports the diff's size against the full canonical article and
// against the zstd-compressed article (what a wire without diffs would send),
// DiffArticles time (the daemon's cost per revision) and ApplyArticleDiff +
// ContentHash check time (each subscriber's cost), p50/p99. Prints a Markdown
// table and the target verdicts on stdout and one `newswire-diff case metric
// value` line per figure on stderr (on stdout with --lines).
//
// A plain driver rather than Google Benchmark: each case needs percentiles
// and byte figures side by side, from the same inputs.

#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/text_format.h>

#include "newswire/core/article.h"
#include "newswire/core/delta.h"
#include "newswire/core/diff.h"
#include "newswire/core/numbers.h"
#include "newswire/v1/article.pb.h"
#include "newswire/v1/diff.pb.h"

namespace newswire::bench {
namespace {

using Clock = std::chrono::steady_clock;

// ---- randomness ---------------------------------------------------------------

// mt19937_64's output is fixed by the standard; the helpers avoid the
// standard distributions, whose output is not, so a seed gives one corpus.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  std::size_t Below(std::size_t n) { return static_cast<std::size_t>(gen_() % n); }
  int Between(int lo, int hi) { return lo + static_cast<int>(Below(hi - lo + 1)); }
  bool Chance(double p) { return static_cast<double>(gen_() >> 11) * 0x1.0p-53 < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }

 private:
  std::mt19937_64 gen_;
};

// ---- story text ---------------------------------------------------------------

// The names one story talks about; templates fill their slots from it.
struct Cast {
  std::string company, target, other, analyst, firm, ceo;
  std::vector<std::size_t> deck;  // Template indexes not yet used in this story.
};

const std::vector<std::string> kCompanies = {
    "Harbor Dynamics",   "Lumen Semiconductor", "Castellan Foods",   "Northwind Systems",
    "Meridian Health",   "Pinecrest Energy",    "Orion Logistics",   "Aldridge Industrial",
    "Kestrel Aerospace", "Bluefin Networks",    "Granite Peak Bank", "Solace Pharmaceuticals",
    "Redwood Data",      "Tidewater Shipping",  "Vantage Robotics",  "Copperline Mining"};
const std::vector<std::string> kPeople = {
    "Dana Whitfield",  "Marcus Okafor", "Priya Raman", "Elena Kowalski", "Tom Brandt",
    "Sofia Marchetti", "Kenji Mori",    "Laura Chen",  "Rafael Ortiz",   "Hannah Lindqvist"};
const std::vector<std::string> kFirms = {"Bernstein",    "Jefferies",     "Morningstar",  "Wedbush",
                                         "Evercore ISI", "Raymond James", "D.A. Davidson"};
const std::vector<std::string> kQuotes = {
    "We think the market is underestimating how much of the margin pressure is temporary",
    "This is a clean beat, and the guidance raise is more than we expected",
    "The valuation looks full, but the strategic logic is hard to argue with",
    "Investors have been waiting for exactly this kind of visibility on orders",
    "It fills the one gap in their product line that customers kept complaining about",
    "The risk is that integration drags on and distracts management for two years"};
const std::vector<std::string> kEnglishTemplates = {
    "{co} shares rose {pct}% to ${price} in {session} trading on {day}, their biggest one-day "
    "gain since {month}.",
    "The company said revenue for the {quarter} quarter climbed {pct}% from a year earlier to "
    "${bn} billion, ahead of the ${bn} billion analysts had expected, according to LSEG data.",
    "\"{quote},\" said {analyst}, an analyst at {firm}.",
    "{co} raised its full-year forecast and now expects adjusted earnings of ${eps} to ${eps} a "
    "share.",
    "Gross margin narrowed to {pct2}% from {pct2}% as component costs rose and the company spent "
    "more on data-centre capacity.",
    "The stock has gained {pct2}% so far this year, compared with a {pct}% rise in the S&P 500 "
    "index.",
    "{co} is in talks to buy {target} in a deal that could value the target at about ${bn} "
    "billion, two people familiar with the matter said.",
    "Representatives for {co} and {target} declined to comment.",
    "The talks are at an advanced stage and an announcement could come as early as {month}, the "
    "people said, asking not to be named because the discussions are private.",
    "Regulators in {region} have stepped up scrutiny of deals in the sector, and any agreement "
    "would likely face a lengthy antitrust review.",
    "Chief Executive {ceo} told analysts on a conference call that demand from {customer} "
    "customers remained strong heading into 2027.",
    "Options traders bought calls betting on further gains, with volume running at {mult} times "
    "the 30-day average, according to {firm} data.",
    "The company also announced a ${bn} billion share buyback and raised its quarterly dividend "
    "to {cents} cents a share.",
    "{target} shares jumped {pct}% in after-hours trading after the report.",
    "Bond markets were little moved, with the 10-year Treasury yield steady at {yield}%.",
    "{co} employs about {emp} people and has manufacturing sites in {country} and {country}.",
    "Analysts at {firm} raised their price target on the stock to ${price} from ${price}.",
    "The deal would be the largest in the sector since {year}, when {other} bought a rival for "
    "${bn} billion.",
    "{target}, founded in {year}, makes {product} used by hospitals, carmakers and chip plants.",
    "Its sales have grown by about {pct2}% a year since it went public, while losses have "
    "narrowed every quarter.",
    "{co} has struck {mult} acquisitions in the past three years as it tries to reduce its "
    "reliance on a handful of large customers.",
    "Any deal would need approval from {target}'s shareholders, who include founder {ceo}, "
    "according to a regulatory filing.",
    "{other} is also weighing a bid, one of the people said, though it has not made a formal "
    "approach.",
    "Shares of rivals rose in sympathy, with {other} up {pct}% in the afternoon.",
    "{co} ended the quarter with ${bn} billion in cash and short-term investments and about "
    "${bn} billion of debt.",
    "The company cut about {emp} jobs last year after orders from {customer} customers slowed.",
    "{analyst} of {firm}, who rates the stock a buy, said the price would be about {mult} times "
    "next year's expected earnings.",
    "Earlier on {day}, {co} said its chief financial officer would step down at the end of the "
    "year.",
    "The broader market was mixed, with the Nasdaq Composite down {pct}% by late afternoon.",
    "Both companies are due to report quarterly results in {month}."};

const std::vector<std::string> kJapaneseCompanies = {
    "海斗ロボティクス", "湊センサー工業", "東都銀行", "北辰製薬", "青葉エネルギー", "光洋電機"};
const std::vector<std::string> kJapanesePeople = {"田中愛子", "佐藤健", "鈴木美咲", "高橋大輔"};
const std::vector<std::string> kJapaneseFirms = {"みずほ証券", "SMBC日興証券", "野村証券",
                                                 "大和証券"};
const std::vector<std::string> kJapaneseQuotes = {
    "統合効果は大きく、市場は好意的に受け止めている", "価格はやや割高だが、戦略的な意味は大きい",
    "規制当局の審査が最大の焦点になる", "受注の見通しが明確になったことを投資家は評価している"};
const std::vector<std::string> kJapaneseTemplates = {
    "{co}の株価は{day}の東京株式市場で一時{pct}%上昇し、{price}円を付けた。",
    "関係者によると、{co}は{target}の買収に向けて最終調整に入っている。",
    "買収額は約{oku}億円になる見通しで、今月中にも発表される可能性がある。",
    "「{quote}」と{firm}の{analyst}アナリストは話した。",
    "{co}は電気自動車向けの部品需要の拡大を背景に、センサー事業の内製化を進めてきた。",
    "同社の{quarter}の営業利益は前年同期比{pct}%増の{oku}億円だった。",
    "日経平均株価は前日比{pct}%高の{index}円で取引を終えた。",
    "外国為替市場では円相場が1ドル={fx}円台で推移した。",
    "{co}と{target}の広報担当者はコメントを控えた。",
    "{target}の時価総額は約{oku}億円で、年初から株価は{pct2}%上昇している。",
    "{ceo}社長は決算説明会で、来期も設備投資を前年並みの水準に維持する考えを示した。",
    "公正取引委員会による審査には半年程度かかるとの見方が多い。",
    "{target}は{year}年の創業で、工場向けの画像センサーを主力としている。",
    "{co}は過去3年間に{mult}件の買収を手掛けており、今回の案件はその中で最大となる。",
    "{target}の筆頭株主である創業家の意向が焦点となりそうだ。",
    "市場では、買収価格が直近の株価に対して{pct2}%程度のプレミアムになるとの観測が出ている。",
    "同業の{other}の株価も連れ高となり、前日比{pct}%高で引けた。",
    "{co}の手元資金は約{oku}億円で、買収資金は借り入れも含めて賄う方針だ。",
    "アナリストの間では、来期の増益率が{pct2}%に達するとの予想もある。",
    "両社は来月にも決算発表を予定している。"};

// Posts quoted in the emoji story: flags, skin tones and ZWJ sequences
// included, all 4-byte UTF-8.
const std::vector<std::string> kEmojiPosts = {
    "to the moon 🚀🚀🚀 holding till 100 💎🙌",
    "this dip is a gift 🎁📉➡️📈",
    "my whole portfolio is 🔥🔥 today 👨‍💻",
    "see you in Tokyo 🇯🇵🍣 after earnings",
    "👍🏽 bought more at the open",
    "👀 volume is insane right now 📊",
    "🐻 bears getting wrecked again 😂😂",
    "🧵 thread on why the guidance is conservative 👇"};
const std::vector<std::string> kEmojiTemplates = {
    "\"{post},\" read one of the most shared posts on the forum, which has {emp} members.",
    "{co} shares rose {pct}% to ${price} by midday, with retail brokerages reporting {mult} times "
    "their usual order flow.",
    "Another user wrote \"{post}\" above a screenshot of a ${price} call option.",
    "Short interest stood at {pct2}% of the float at the end of last week, according to {firm} "
    "data.",
    "\"{quote},\" said {analyst}, an analyst at {firm}.",
    "The company did not respond to a request for comment about the trading."};

// Thai is written without spaces between words (a space ends a sentence
// or clause) and figures are written against the words around them.
const std::vector<std::string> kThaiCompanies = {
    "สยามโรโบติกส์", "กรุงเทพเซนเซอร์", "ไทยพลังงานสะอาด", "เจ้าพระยาโลจิสติกส์", "ล้านนาฟาร์มา", "อันดามันเทค"};
const std::vector<std::string> kThaiPeople = {"สมชายใจดี", "วรรณาศรีสุข", "ประเสริฐวงศ์ไทย", "อรุณีแก้วมณี"};
const std::vector<std::string> kThaiFirms = {"บล.กรุงไทย", "บล.ภัทร", "บล.เอเซียพลัส", "บล.บัวหลวง"};
const std::vector<std::string> kThaiTemplates = {
    "หุ้น{co}ปรับตัวขึ้น{pct}%มาอยู่ที่{price}บาทในการซื้อขายวันนี้",
    "แหล่งข่าวระบุว่า{co}อยู่ระหว่างเจรจาซื้อกิจการ{target}มูลค่าประมาณ{oku}ล้านบาท",
    "\"ตลาดตอบรับข่าวนี้ในเชิงบวก\"{analyst}นักวิเคราะห์จาก{firm}กล่าว",
    "\"ราคาค่อนข้างสูงแต่มีเหตุผลเชิงกลยุทธ์\"{analyst}จาก{firm}ระบุ",
    "{co}รายงานกำไรสุทธิไตรมาสที่สามเพิ่มขึ้น{pct}%เป็น{oku}ล้านบาท",
    "ดัชนีตลาดหลักทรัพย์แห่งประเทศไทยปิดที่{index}จุดเพิ่มขึ้น{pct}%",
    "ราคาหุ้น{target}เพิ่มขึ้น{pct2}%นับตั้งแต่ต้นปี",
    "{ceo}ประธานเจ้าหน้าที่บริหารกล่าวว่าบริษัทจะลงทุนเพิ่มอีก{bn}พันล้านบาทในปีหน้า",
    "ตัวแทนของ{co}และ{target}ปฏิเสธที่จะให้ความเห็น",
    "{target}ก่อตั้งเมื่อปี{year}และผลิตเซนเซอร์สำหรับโรงงานอุตสาหกรรม",
    "นักลงทุนต่างชาติซื้อสุทธิ{oku}ล้านบาทขณะที่นักลงทุนสถาบันขายสุทธิ{oku}ล้านบาท",
    "หุ้นของ{other}ปรับตัวขึ้นตาม{pct}%ในช่วงบ่าย",
    "การเจรจาอาจได้ข้อสรุปภายใน{mult}สัปดาห์ตามที่แหล่งข่าวระบุ",
    "คณะกรรมการนโยบายการเงินคงอัตราดอกเบี้ยไว้ที่{pct}%ตามที่ตลาดคาด"};

const std::vector<std::string> kMonths = {"March", "June", "September", "December", "January"};
const std::vector<std::string> kDays = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"};
const std::vector<std::string> kRegions = {"Europe", "the United States", "China", "Britain"};
const std::vector<std::string> kCountries = {"Mexico", "Germany", "Vietnam", "Ohio", "Malaysia"};

std::string Decimal(Rng& rng, int lo, int hi) {
  return std::to_string(rng.Between(lo, hi)) + "." + std::to_string(rng.Between(0, 9));
}

std::string Thousands(int n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    // Built forwards: GCC 12 reports a false -Wrestrict for string::insert here.
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Replaces every {slot} of `tmpl`; each slot draws afresh, so two {pct} differ.
std::string Fill(std::string_view tmpl, Rng& rng, const Cast& cast, bool japanese) {
  std::string out;
  std::size_t pos = 0;
  while (pos < tmpl.size()) {
    std::size_t open = tmpl.find('{', pos);
    if (open == std::string_view::npos) break;
    std::size_t close = tmpl.find('}', open);
    out.append(tmpl.substr(pos, open - pos));
    std::string_view slot = tmpl.substr(open + 1, close - open - 1);
    pos = close + 1;
    if (slot == "co")
      out += cast.company;
    else if (slot == "target")
      out += cast.target;
    else if (slot == "other")
      out += cast.other;
    else if (slot == "analyst")
      out += cast.analyst;
    else if (slot == "firm")
      out += cast.firm;
    else if (slot == "ceo")
      out += cast.ceo;
    else if (slot == "pct")
      out += Decimal(rng, 1, 9);
    else if (slot == "pct2")
      out += Decimal(rng, 10, 60);
    else if (slot == "price")
      out += japanese ? Thousands(rng.Between(800, 9000)) : Decimal(rng, 20, 400) + "0";
    else if (slot == "bn")
      out += Decimal(rng, 1, 30);
    else if (slot == "eps")
      out += "$" + Decimal(rng, 1, 9) + "0";
    else if (slot == "oku")
      out += Thousands(rng.Between(50, 4000));
    else if (slot == "index")
      out += Thousands(rng.Between(38000, 42000)) + "." + std::to_string(rng.Between(10, 99));
    else if (slot == "fx")
      out += std::to_string(rng.Between(140, 158));
    else if (slot == "cents")
      out += std::to_string(rng.Between(12, 95));
    else if (slot == "mult")
      out += std::to_string(rng.Between(2, 9));
    else if (slot == "yield")
      out += "4." + std::to_string(rng.Between(10, 60));
    else if (slot == "emp")
      out += Thousands(rng.Between(2, 90) * 1000);
    else if (slot == "year")
      out += std::to_string(rng.Between(2015, 2023));
    else if (slot == "quote")
      out += japanese ? rng.Pick(kJapaneseQuotes) : rng.Pick(kQuotes);
    else if (slot == "post")
      out += rng.Pick(kEmojiPosts);
    else if (slot == "day")
      out += japanese ? "25日" : rng.Pick(kDays);
    else if (slot == "month")
      out += rng.Pick(kMonths);
    else if (slot == "session")
      out += rng.Chance(0.5) ? "early" : "late";
    else if (slot == "quarter")
      out += japanese ? "7〜9月期" : "third";
    else if (slot == "region")
      out += rng.Pick(kRegions);
    else if (slot == "country")
      out += rng.Pick(kCountries);
    else if (slot == "product")
      out += rng.Chance(0.5) ? "industrial vision sensors" : "precision motion controllers";
    else if (slot == "customer")
      out += rng.Chance(0.5) ? "cloud" : "automotive";
  }
  out.append(tmpl.substr(pos));
  return out;
}

enum class Language { kEnglish, kJapanese, kEmoji, kThai };

const std::vector<std::string>& Templates(Language language) {
  switch (language) {
    case Language::kJapanese: return kJapaneseTemplates;
    case Language::kEmoji: return kEmojiTemplates;
    case Language::kThai: return kThaiTemplates;
    default: return kEnglishTemplates;
  }
}

Cast MakeCastOnce(Rng& rng, Language language) {
  if (language == Language::kThai) {
    return {rng.Pick(kThaiCompanies),
            rng.Pick(kThaiCompanies),
            rng.Pick(kThaiCompanies),
            rng.Pick(kThaiPeople),
            rng.Pick(kThaiFirms),
            rng.Pick(kThaiPeople),
            {}};
  }
  if (language == Language::kJapanese) {
    return {rng.Pick(kJapaneseCompanies),
            rng.Pick(kJapaneseCompanies),
            rng.Pick(kJapaneseCompanies),
            rng.Pick(kJapanesePeople),
            rng.Pick(kJapaneseFirms),
            rng.Pick(kJapanesePeople),
            {}};
  }
  return {rng.Pick(kCompanies),
          rng.Pick(kCompanies),
          rng.Pick(kCompanies),
          rng.Pick(kPeople),
          rng.Pick(kFirms),
          rng.Pick(kPeople),
          {}};
}

Cast MakeCast(Rng& rng, Language language) {
  Cast c = MakeCastOnce(rng, language);
  // Three different companies: nobody buys itself.
  while (c.target == c.company) c.target = MakeCastOnce(rng, language).target;
  while (c.other == c.company || c.other == c.target) c.other = MakeCastOnce(rng, language).other;
  return c;
}

// Templates drawn without replacement, so a story repeats itself only after
// using them all (repeats would flatter zstd).
const std::string& NextTemplate(Rng& rng, Cast& cast, Language language) {
  const auto& templates = Templates(language);
  if (cast.deck.empty()) {
    for (std::size_t i = 0; i < templates.size(); ++i) cast.deck.push_back(i);
  }
  std::size_t k = rng.Below(cast.deck.size());
  std::size_t pick = cast.deck[k];
  cast.deck.erase(cast.deck.begin() + static_cast<std::ptrdiff_t>(k));
  return templates[pick];
}

// A paragraph of 1-3 sentences (Japanese: 2-4, they are shorter in bytes).
std::string Paragraph(Rng& rng, Cast& cast, Language language) {
  const bool japanese = language == Language::kJapanese;
  int sentences = japanese ? rng.Between(2, 4) : rng.Between(1, 3);
  std::string p;
  for (int i = 0; i < sentences; ++i) {
    if (i > 0 && !japanese) p += ' ';
    p += Fill(NextTemplate(rng, cast, language), rng, cast, japanese);
  }
  return p;
}

google::protobuf::Timestamp At(int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

constexpr int64_t kFirstCreated = 1795500300;  // 2026-11-25 (editorial time).

// A story's first version: paragraphs are added until the body reaches
// `body_bytes`, within [min_paragraphs, max_paragraphs].
v1::Article MakeStory(Rng& rng, Language language, std::size_t body_bytes, int min_paragraphs,
                      int max_paragraphs, const std::string& id) {
  const bool japanese = language == Language::kJapanese;
  Cast cast = MakeCast(rng, language);
  v1::Article a;
  a.set_id(id);
  a.set_feed(japanese ? "equities-asia" : "equities-us");
  a.set_urgency(3);
  if (japanese) {
    a.set_headline(cast.company + "、" + cast.target + "買収へ最終調整　関係者");
    a.add_key_points(cast.company + "が" + cast.target + "の買収に向け最終調整");
    a.add_key_points("買収額は約" + Thousands(rng.Between(500, 3000)) + "億円の見通し");
    a.add_key_points(cast.target + "株は一時" + Decimal(rng, 1, 9) + "%上昇");
  } else {
    a.set_headline(cast.company + " in talks to buy " + cast.target + ", sources say");
    a.add_key_points(cast.company + " is in advanced talks to acquire " + cast.target);
    a.add_key_points("A deal could value " + cast.target + " at about $" + Decimal(rng, 1, 30) +
                     " billion, people familiar said");
    a.add_key_points(cast.target + " shares rose " + Decimal(rng, 1, 9) + "% after hours");
    a.add_key_points("Neither company has commented; talks may still fall apart");
  }
  std::size_t bytes = 0;
  std::string lede = japanese ? "【東京】" : "NEW YORK, Nov 25 (Newswire) - ";
  a.add_body(lede + Paragraph(rng, cast, language));
  bytes += a.body(0).size();
  while (a.body_size() < max_paragraphs && (bytes < body_bytes || a.body_size() < min_paragraphs)) {
    a.add_body(Paragraph(rng, cast, language));
    bytes += a.body(a.body_size() - 1).size();
  }
  a.set_byline(japanese                           ? "田中愛子"
               : cast.analyst == "Dana Whitfield" ? "Tom Brandt"
                                                  : "Dana Whitfield");
  a.set_source(japanese ? "Newswire Tokyo bureau" : "Newswire New York bureau");
  a.set_language(japanese ? "ja" : "en");
  const std::vector<std::pair<std::string, std::string>> symbols =
      japanese
          ? std::vector<std::pair<std::string, std::string>>{{"6723", "XTKS"}, {"7781", "XTKS"}}
          : std::vector<std::pair<std::string, std::string>>{
                {"HRBD", "XNAS"}, {"LUMN", "XNYS"}, {"NWSY", "XNAS"}};
  for (const auto& [symbol, mic] : symbols) {
    v1::Instrument* in = a.add_instruments();
    in->set_symbol(symbol);
    in->set_exchange(mic);
  }
  for (const char* topic : {"M&A", "earnings", "technology", "US"}) a.add_topics(topic);
  if (japanese) a.set_topics(3, "japan");
  *a.mutable_firstcreated() = At(kFirstCreated);
  *a.mutable_versioncreated() = At(kFirstCreated);
  a.set_time_zone(japanese ? "Asia/Tokyo" : "America/New_York");
  return a;
}

// A Thai story of about `body_bytes` (the language MakeStory leaves out).
v1::Article MakeThaiStory(Rng& rng, std::size_t body_bytes, const std::string& id) {
  Cast cast = MakeCast(rng, Language::kThai);
  v1::Article a;
  a.set_id(id);
  a.set_feed("equities-asia");
  a.set_urgency(3);
  a.set_headline(cast.company + "เจรจาซื้อกิจการ" + cast.target + "แหล่งข่าวเผย");
  a.add_key_points(cast.company + "อยู่ระหว่างเจรจาซื้อ" + cast.target);
  a.add_key_points("มูลค่าดีลประมาณ" + Thousands(rng.Between(500, 9000)) + "ล้านบาท");
  a.add_key_points("หุ้น" + cast.target + "เพิ่มขึ้น" + Decimal(rng, 1, 9) + "%");
  std::size_t bytes = 0;
  while (a.body_size() < 20 && (bytes < body_bytes || a.body_size() < 8)) {
    a.add_body((a.body_size() == 0 ? "กรุงเทพฯ " : "") + Paragraph(rng, cast, Language::kThai));
    bytes += a.body(a.body_size() - 1).size();
  }
  a.set_byline("วรรณาศรีสุข");
  a.set_source("Newswire Bangkok bureau");
  a.set_language("th");
  v1::Instrument* in = a.add_instruments();
  in->set_symbol("SRBT");
  in->set_exchange("XBKK");
  for (const char* topic : {"M&A", "thailand"}) a.add_topics(topic);
  *a.mutable_firstcreated() = At(kFirstCreated);
  *a.mutable_versioncreated() = At(kFirstCreated);
  a.set_time_zone("Asia/Bangkok");
  return a;
}

// What every revision carries: a later editorial time, an update note and
// the update signal (a correction says so instead).
void MarkRevision(v1::Article& a, std::string_view ednote, bool correction = false) {
  a.mutable_versioncreated()->set_seconds(a.versioncreated().seconds() + 75 * 60);
  a.set_ednote(std::string(ednote));
  a.clear_signals();
  a.add_signals(correction ? v1::SIGNAL_CORRECTION : v1::SIGNAL_UPDATE);
}

// Finds the first "<digits>.<digit>%" in `text`; returns its position.
std::size_t FindPercent(std::string_view text) {
  for (std::size_t p = text.find('%'); p != std::string_view::npos; p = text.find('%', p + 1)) {
    if (p >= 3 && std::isdigit(static_cast<unsigned char>(text[p - 1])) && text[p - 2] == '.') {
      std::size_t start = p - 2;
      while (start > 0 && std::isdigit(static_cast<unsigned char>(text[start - 1]))) --start;
      if (start < p - 2) return start;
    }
  }
  return std::string_view::npos;
}

// Corrects the first percentage found from paragraph `from` on, everywhere the
// same figure appears (a desk fixes a number in the key points too).
void CorrectNumber(v1::Article& a, int from) {
  for (int i = from; i < a.body_size(); ++i) {
    std::size_t at = FindPercent(a.body(i));
    if (at == std::string::npos) continue;
    std::size_t end = a.body(i).find('%', at);
    std::string wrong = a.body(i).substr(at, end - at + 1);
    std::string right = wrong;
    char& digit = right[right.size() - 2];
    digit = static_cast<char>('0' + (digit - '0' + 2) % 10);
    auto fix = [&](std::string* text) {
      for (std::size_t p = text->find(wrong); p != std::string::npos;
           p = text->find(wrong, p + right.size())) {
        text->replace(p, wrong.size(), right);
      }
    };
    fix(a.mutable_body(i));
    for (auto& kp : *a.mutable_key_points()) fix(&kp);
    return;
  }
}

// One revision drawn with the WORKLOAD.md per-revision mix: of the previous
// paragraphs 75% kept, 17% edited, 7% deleted (from the tail), 1% moved; 6-10%
// new paragraphs near the top; the headline changes with p = 0.19; 10% of
// revisions are near-total rewrites.
v1::Article WorkloadRevision(Rng& rng, const v1::Article& base, Language language) {
  v1::Article next = base;
  const bool japanese = language == Language::kJapanese;
  Cast cast = MakeCast(rng, language);
  MarkRevision(next, japanese ? "市場の反応を追加" : "Adds details");
  if (rng.Chance(0.1)) {
    int keep = std::min(2, next.body_size());
    next.mutable_body()->DeleteSubrange(keep, next.body_size() - keep);
    while (next.body_size() < base.body_size()) next.add_body(Paragraph(rng, cast, language));
    next.set_headline(japanese ? cast.company + "、" + cast.target + "と経営統合で合意"
                               : cast.company + " agrees to merge with " + cast.target);
    next.set_ednote(japanese ? "全面的に書き換え" : "Rewrites throughout");
    return next;
  }
  std::vector<std::string> body;
  std::vector<std::string> moved;
  const int n = base.body_size();
  for (int i = 0; i < n; ++i) {
    double u = static_cast<double>(rng.Below(1000)) / 1000.0;
    // Deletions come from the tail: only the last third may go.
    if (u < 0.07 && i > 0 && i >= 2 * n / 3) continue;
    std::string p = base.body(i);
    if (u >= 0.07 && u < 0.24) {
      // Mostly word-level: a figure changed or an attribution added; a
      // quarter of edits add a whole sentence.
      std::size_t at = FindPercent(p);
      std::size_t kind = rng.Below(4);
      if (kind < 2 && at != std::string::npos) {
        p[p.find('%', at) - 1] = static_cast<char>('0' + rng.Below(10));
      } else if (kind < 3 && p.size() > 1) {
        std::size_t end = p.size() - (japanese ? std::string_view("。").size() : 1);
        p.insert(end,
                 japanese ? "と関係者が明らかにした" : ", a person familiar with the matter said");
      } else {
        p += japanese ? Fill(rng.Pick(kJapaneseTemplates), rng, cast, true)
                      : " " + Fill(rng.Pick(kEnglishTemplates), rng, cast, false);
      }
    } else if (u >= 0.24 && u < 0.25 && i > 0) {
      moved.push_back(std::move(p));
      continue;
    }
    body.push_back(std::move(p));
  }
  for (auto& p : moved) body.insert(body.begin() + 1, std::move(p));
  int added = std::max(1, static_cast<int>(std::lround(0.08 * n)));
  for (int k = 0; k < added; ++k) {
    body.insert(body.begin() + std::min<std::size_t>(body.size(), 1 + rng.Below(3)),
                Paragraph(rng, cast, language));
  }
  next.clear_body();
  for (auto& p : body) next.add_body(std::move(p));
  if (rng.Chance(0.19)) {
    next.set_headline(japanese ? cast.company + "株が急伸、" + cast.target + "買収を好感"
                               : cast.company + " shares jump as talks to buy " + cast.target +
                                     " advance");
  }
  return next;
}

// ---- measurement --------------------------------------------------------------

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;  // Microseconds.
};

Percentiles Summarise(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    std::size_t i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(us.size())));
    return us[std::min(us.size() - 1, i == 0 ? 0 : i - 1)];
  };
  return {at(0.50), at(0.99), us.back()};
}

std::string Fixed(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

double ThreadCpuMicros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

std::size_t ZstdSize(const std::string& bytes) {
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  std::size_t n = ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), 3);
  if (ZSTD_isError(n)) {
    std::fprintf(stderr, "newswire-diff-bench: zstd: %s\n", ZSTD_getErrorName(n));
    std::exit(1);
  }
  return n;
}

// A field sent whole: a text diff that keeps nothing of a non-empty base, or
// a list diff that neither keeps nor edits any item.
bool TextSentWhole(const v1::TextDiff& d) {
  if (d.base_len() == 0) return false;
  return std::none_of(d.ops().begin(), d.ops().end(),
                      [](const v1::TextOp& op) { return op.has_retain(); });
}

// "body +1 -1 ~2" (inserted, removed, modified items) or "body whole".
std::string ListNote(std::string_view name, const v1::ListDiff& d) {
  int kept = 0, ins = 0, rem = 0, mod = 0;
  for (const auto& op : d.ops()) {
    if (op.has_retain()) kept += static_cast<int>(op.retain());
    if (op.has_remove()) rem += static_cast<int>(op.remove());
    if (op.has_insert()) ++ins;
    if (op.has_modify()) ++mod;
  }
  std::string note(name);
  if (d.base_count() > 0 && kept == 0 && mod == 0) return note + " whole";
  if (ins > 0) note += " +" + std::to_string(ins);
  if (rem > 0) note += " -" + std::to_string(rem);
  if (mod > 0) note += " ~" + std::to_string(mod);
  return note;
}

// What the diff touched, to show where the bytes go and which fields fell
// back to being sent whole.
std::string DiffNote(const v1::ArticleDiff& d) {
  std::vector<std::string> parts;
  if (d.has_headline())
    parts.push_back(TextSentWhole(d.headline()) ? "headline whole" : "headline ~");
  if (d.has_ednote()) parts.push_back(TextSentWhole(d.ednote()) ? "ednote whole" : "ednote ~");
  if (d.has_key_points()) parts.push_back(ListNote("kp", d.key_points()));
  if (d.has_body()) parts.push_back(ListNote("body", d.body()));
  int set = d.instruments_added_size() + d.instruments_removed_size() + d.topics_added_size() +
            d.topics_removed_size();
  if (set > 0) parts.push_back("sets ±" + std::to_string(set));
  if (d.replaced_fields_size() > 0)
    parts.push_back(std::to_string(d.replaced_fields_size()) + " scalars");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out.empty() ? "-" : out;
}

struct Pair {
  v1::Article base, next;
};

struct CaseResult {
  std::string name, slug;
  bool typical = false;           // One of the target's typical updates.
  bool five_kb = false;           // A ~5 KB article (the latency target).
  double article_bytes = 0;       // Canonical bytes of the new version.
  double zstd_bytes = 0;          // Its zstd level-3 size.
  double diff_bytes = 0;          // Serialized ArticleDiff.
  double delta_bytes = 0;         // zstd delta against the base's bytes.
  Percentiles diff, apply, both;  // Microseconds.
  Percentiles delta, undelta;     // Encode; decode + SHA-256 + parse.
  std::string note;
  int runs = 0;             // Timed iterations.
  double diff_cpu_max = 0;  // Microseconds of thread CPU time, worst diff.
};

volatile std::size_t g_sink = 0;  // Keeps timed results observable.

Pair Normalised(v1::Article base, v1::Article next) {
  for (v1::Article* a : {&base, &next}) {
    if (auto ok = core::NormalizeAndValidate(*a); !ok) {
      std::fprintf(stderr, "newswire-diff-bench: corpus article invalid: %s\n",
                   ok.error().ToString().c_str());
      std::exit(1);
    }
  }
  return {std::move(base), std::move(next)};
}

// Diffs and applies every pair `iterations` times in round-robin; sizes are
// means over the pairs. Every apply is checked against the expected hash, as
// a subscriber does, and a mismatch aborts the run.
CaseResult Measure(std::string name, std::string slug, const std::vector<Pair>& pairs,
                   int iterations, bool cpu_time = false) {
  CaseResult r;
  r.name = std::move(name);
  r.slug = std::move(slug);
  r.runs = iterations;
  std::vector<std::string> hashes, bases, fulls;
  std::vector<double> ratios;  // zstd/diff per pair: means hide the skew.
  for (const Pair& p : pairs) {
    std::string full = core::CanonicalBytes(p.next);
    bases.push_back(core::CanonicalBytes(p.base));
    fulls.push_back(full);
    r.delta_bytes += static_cast<double>(core::EncodeDelta(bases.back(), full).size());
    r.article_bytes += static_cast<double>(full.size());
    r.zstd_bytes += static_cast<double>(ZstdSize(full));
    v1::ArticleDiff d = core::DiffArticles(p.base, p.next);
    r.diff_bytes += static_cast<double>(d.ByteSizeLong());
    if (pairs.size() == 1) r.note = DiffNote(d);
    ratios.push_back(static_cast<double>(ZstdSize(full)) / static_cast<double>(d.ByteSizeLong()));
    hashes.push_back(core::ContentHash(p.next));
  }
  const double n = static_cast<double>(pairs.size());
  r.article_bytes /= n;
  r.zstd_bytes /= n;
  r.diff_bytes /= n;
  r.delta_bytes /= n;
  if (pairs.size() > 1) {
    std::sort(ratios.begin(), ratios.end());
    long larger = std::count_if(ratios.begin(), ratios.end(), [](double x) { return x < 1; });
    r.note = "per revision zstd/diff: median " + Fixed(ratios[ratios.size() / 2], 1) + "×, p10 " +
             Fixed(ratios[ratios.size() / 10], 1) + "×; diff > zstd in " + std::to_string(larger) +
             "/" + std::to_string(ratios.size());
  }

  std::vector<double> diff_us, apply_us, both_us, delta_us, undelta_us;
  const int warmup = std::max(2, iterations / 20);
  for (int i = 0; i < warmup + iterations; ++i) {
    const std::size_t k = static_cast<std::size_t>(i) % pairs.size();
    const Pair& p = pairs[k];
    // Thread CPU time is read outside the wall-clock window; it is what the
    // adversarial bounds judge, so that a preempted run on a busy machine
    // does not count as the engine's time.
    double cpu0 = cpu_time ? ThreadCpuMicros() : 0;
    Clock::time_point t0 = Clock::now();
    v1::ArticleDiff d = core::DiffArticles(p.base, p.next);
    Clock::time_point t1 = Clock::now();
    double cpu = cpu_time ? ThreadCpuMicros() - cpu0 : 0;
    auto rebuilt = core::ApplyArticleDiff(p.base, d);
    bool ok = rebuilt && core::ContentHash(*rebuilt) == hashes[k];
    Clock::time_point t2 = Clock::now();
    if (!ok) {
      std::fprintf(stderr, "newswire-diff-bench: %s: diff did not rebuild the article (%s)\n",
                   r.name.c_str(), rebuilt ? "hash mismatch" : rebuilt.error().ToString().c_str());
      std::exit(1);
    }
    g_sink = g_sink + static_cast<std::size_t>(rebuilt->body_size());
    // The zstd delta, as the daemon encodes and a subscriber decodes it.
    Clock::time_point t3 = Clock::now();
    const std::string delta = core::EncodeDelta(bases[k], fulls[k]);
    Clock::time_point t4 = Clock::now();
    auto bytes = core::DecodeDelta(bases[k], delta, fulls[k].size());
    v1::Article parsed;
    bool delta_ok = bytes && core::Sha256(*bytes) == hashes[k] && parsed.ParseFromString(*bytes);
    Clock::time_point t5 = Clock::now();
    if (!delta_ok) {
      std::fprintf(stderr, "newswire-diff-bench: %s: delta did not rebuild the article\n",
                   r.name.c_str());
      std::exit(1);
    }
    g_sink = g_sink + static_cast<std::size_t>(parsed.body_size());
    if (i < warmup) continue;
    delta_us.push_back(Micros(t4 - t3));
    undelta_us.push_back(Micros(t5 - t4));
    diff_us.push_back(Micros(t1 - t0));
    r.diff_cpu_max = std::max(r.diff_cpu_max, cpu);
    apply_us.push_back(Micros(t2 - t1));
    both_us.push_back(Micros(t2 - t0));
  }
  r.diff = Summarise(std::move(diff_us));
  r.apply = Summarise(std::move(apply_us));
  r.both = Summarise(std::move(both_us));
  r.delta = Summarise(std::move(delta_us));
  r.undelta = Summarise(std::move(undelta_us));
  return r;
}

// ---- the corpus ---------------------------------------------------------------

struct Settings {
  bool quick = false;
  bool lines_on_stdout = false;
  bool dump = false;
  uint64_t seed = 20261125;
};

// The WORKLOAD.md edit types on ~5 KB stories, one pair each.
std::vector<CaseResult> RunCorpus(const Settings& s) {
  const int iterations = s.quick ? 50 : 2000;
  Rng rng(s.seed);
  const v1::Article en = MakeStory(rng, Language::kEnglish, 4400, 12, 20, "nw-bench-en");
  const v1::Article ja = MakeStory(rng, Language::kJapanese, 4600, 12, 20, "nw-bench-ja");
  const v1::Article emoji = MakeStory(rng, Language::kEmoji, 4400, 12, 20, "nw-bench-emoji");
  Cast cast = MakeCast(rng, Language::kEnglish);
  std::vector<CaseResult> out;
  auto run = [&](std::string name, std::string slug, const v1::Article& base, v1::Article next,
                 bool typical, bool five_kb = true) {
    if (s.dump) {
      // Shows the corpus itself, so its realism can be judged.
      std::string a, b;
      google::protobuf::TextFormat::Printer printer;
      printer.SetUseUtf8StringEscaping(true);
      printer.PrintToString(base, &a);
      printer.PrintToString(next, &b);
      std::printf("==== %s: base\n%s==== %s: next\n%s", name.c_str(), a.c_str(), name.c_str(),
                  b.c_str());
      return;
    }
    CaseResult r =
        Measure(std::move(name), std::move(slug), {Normalised(base, std::move(next))}, iterations);
    r.typical = typical;
    r.five_kb = five_kb;
    out.push_back(std::move(r));
  };

  {  // A paragraph with a quote appended at the end.
    v1::Article next = en;
    MarkRevision(next, "Adds analyst comment in final paragraph");
    next.add_body("\"" + rng.Pick(kQuotes) + ",\" said " + cast.analyst + ", who covers " +
                  cast.company + " at " + cast.firm + ". \"" + rng.Pick(kQuotes) + ".\"");
    run("appended paragraph", "appended_paragraph", en, std::move(next), true);
  }
  {  // One percentage corrected wherever it appears.
    v1::Article next = en;
    MarkRevision(next, "Corrects share move in paragraph 3", true);
    CorrectNumber(next, 2);
    run("corrected number", "corrected_number", en, std::move(next), true);
  }
  {  // Headline-only revision (~6% of Reuters pairs).
    v1::Article next = en;
    next.mutable_versioncreated()->set_seconds(en.versioncreated().seconds() + 40 * 60);
    next.set_headline(en.key_points(0).substr(0, en.key_points(0).find(" is in")) +
                      " agrees to buy rival for $1.4 billion in cash");
    run("headline rewrite", "headline_rewrite", en, std::move(next), false);
  }
  {  // A new instrument and the sentence that names it.
    v1::Article next = en;
    MarkRevision(next, "Adds partner shares in paragraph 6");
    v1::Instrument* in = next.add_instruments();
    in->set_symbol("KSTR");
    in->set_exchange("XNYS");
    next.set_body(5, next.body(5) + " Shares of supplier Kestrel Aerospace (KSTR.N) rose 2.1%.");
    run("instrument added", "instrument_added", en, std::move(next), true);
  }
  {  // A late paragraph pulled up under the lede (there is no move op).
    v1::Article next = en;
    next.mutable_versioncreated()->set_seconds(en.versioncreated().seconds() + 30 * 60);
    std::string p = next.body(next.body_size() - 3);
    next.mutable_body()->DeleteSubrange(next.body_size() - 3, 1);
    next.mutable_body()->Add();
    for (int i = next.body_size() - 1; i > 1; --i) next.set_body(i, next.body(i - 1));
    next.set_body(1, p);
    run("paragraph moved", "paragraph_moved", en, std::move(next), false);
  }
  {  // An AP-style rewrite: lede and one background paragraph survive.
    v1::Article next = en;
    MarkRevision(next, "Rewrites throughout with deal announcement");
    next.set_headline(cast.company + " agrees to buy " + cast.target +
                      " for $2.3 billion, ending weeks of talks");
    next.set_key_points(0, cast.company + " to acquire " + cast.target + " for $2.3 billion");
    next.set_key_points(1, "Offer is a 31% premium to Friday's close");
    int n = next.body_size();
    next.mutable_body()->DeleteSubrange(2, n - 2);
    while (next.body_size() < n) next.add_body(Paragraph(rng, cast, Language::kEnglish));
    next.set_body(0, "NEW YORK, Nov 25 (Newswire) - " + Paragraph(rng, cast, Language::kEnglish));
    run("near-total rewrite", "near_total_rewrite", en, std::move(next), false);
  }
  {  // Japanese: market reaction near the top and a corrected figure.
    v1::Article next = ja;
    MarkRevision(next, "市場の反応とアナリストのコメントを追加");
    Cast jc = MakeCast(rng, Language::kJapanese);
    next.mutable_body()->Add();
    for (int i = next.body_size() - 1; i > 2; --i) next.set_body(i, next.body(i - 1));
    next.set_body(
        2, Fill(kJapaneseTemplates[3], rng, jc, true) + Fill(kJapaneseTemplates[0], rng, jc, true));
    CorrectNumber(next, 4);
    run("Japanese: paragraph added + number fixed", "japanese_update", ja, std::move(next), false);
  }
  {  // Emoji: a new quoted post, an emoji swapped in an old one, a fixed figure.
    v1::Article next = emoji;
    MarkRevision(next, "Adds forum reaction");
    next.mutable_body()->Add();
    for (int i = next.body_size() - 1; i > 1; --i) next.set_body(i, next.body(i - 1));
    next.set_body(1, "\"" + kEmojiPosts[6] + " 🚀🇺🇸,\" one user wrote after the open.");
    for (int i = 2; i < next.body_size(); ++i) {
      std::string& p = *next.mutable_body(i);
      if (std::size_t at = p.find("🔥"); at != std::string::npos) {
        p.replace(at, std::string_view("🔥").size(), "💥");
        break;
      }
    }
    CorrectNumber(next, 3);
    run("emoji: post added, emoji + number fixed", "emoji_update", emoji, std::move(next), false);
  }
  {  // Thai, no spaces between words: a figure corrected where it touches them.
    Rng thai_rng(s.seed ^ 0x7a1);  // Its own stream: the cases above keep their text.
    const v1::Article th = MakeThaiStory(thai_rng, 4600, "nw-bench-th");
    v1::Article next = th;
    MarkRevision(next, "แก้ไขตัวเลข", true);
    // The first amount in millions of baht: digits with Thai on both sides.
    for (int i = 1; i < next.body_size(); ++i) {
      std::string& p = *next.mutable_body(i);
      const std::size_t at = p.find("ล้านบาท");
      if (at == std::string::npos || at == 0) continue;
      p[at - 1] = static_cast<char>('0' + (p[at - 1] - '0' + 2) % 10);
      break;
    }
    run("Thai: number corrected", "thai_number", th, std::move(next), false);
  }
  {  // User-perceived characters of several code points: a flag, a skin tone
    // and a ZWJ sequence, each swapped for another that shares its first
    // code point.
    v1::Article base = emoji;
    base.mutable_body()->Add();
    for (int i = base.body_size() - 1; i > 2; --i) base.set_body(i, base.body(i - 1));
    base.set_body(
        2,
        "Top replies: \"see you in Tokyo 🇯🇵 after earnings\", \"👍🏽 bought more at the "
        "open\" and \"up all night 👨‍💻 on the model\".");
    v1::Article next = base;
    MarkRevision(next, "Corrects quoted posts");
    std::string& p = *next.mutable_body(2);
    p.replace(p.find("🇯🇵"), std::string_view("🇯🇵").size(), "🇯🇲");
    p.replace(p.find("👍🏽"), std::string_view("👍🏽").size(), "👍🏿");
    p.replace(p.find("👨‍💻"), std::string_view("👨‍💻").size(), "👨‍🔬");
    run("emoji clusters: flag, skin tone, ZWJ swapped", "grapheme_update", base, std::move(next),
        false);
  }
  {  // 200 stories revised with the WORKLOAD.md mix; sizes are means.
    Rng wr(s.seed ^ 0x5eed);
    std::vector<Pair> pairs;
    for (int k = 0; k < (s.quick ? 20 : 200); ++k) {
      Language lang = wr.Chance(0.12) ? Language::kJapanese : Language::kEnglish;
      // Lognormal-ish length: 200-1000 words is ~1.2-6 KB of text.
      std::size_t bytes = 1200 + wr.Below(4800);
      v1::Article base = MakeStory(wr, lang, bytes, 6, 20, "nw-bench-mix-" + std::to_string(k));
      v1::Article next = WorkloadRevision(wr, base, lang);
      pairs.push_back(Normalised(std::move(base), std::move(next)));
    }
    CaseResult r =
        Measure("workload mix (200 revisions, means)", "workload_mix", pairs, iterations);
    if (s.quick) r.name = "workload mix (20 revisions, means)";
    out.push_back(std::move(r));
  }
  return out;
}

// ---- adversarial inputs -------------------------------------------------------

// Letters, digits, punctuation and some multi-byte characters in random
// "words": few tokens repeat except separators, the worst case for matching.
std::string RandomText(Rng& rng, std::size_t bytes) {
  static const std::vector<std::string> kExtra = {"é", "ü", "日", "本", "株", "€", "—"};
  std::string out;
  while (out.size() < bytes) {
    int len = rng.Between(1, 9);
    for (int i = 0; i < len; ++i) {
      std::size_t c = rng.Below(40);
      if (c < 26)
        out += static_cast<char>('a' + c);
      else if (c < 36)
        out += static_cast<char>('0' + (c - 26));
      else
        out += rng.Pick(kExtra);
    }
    std::size_t sep = rng.Below(10);
    out += sep < 7 ? " " : sep < 8 ? ", " : sep < 9 ? ". " : "; ";
  }
  return out;
}

// Realistic English prose of `bytes`: tokens repeat a lot, the worst case
// for the number of equal-token candidates.
std::string ProseText(Rng& rng, std::size_t bytes) {
  Cast cast = MakeCast(rng, Language::kEnglish);
  std::string out;
  while (out.size() < bytes) {
    if (!out.empty()) out += ' ';
    out += Fill(rng.Pick(kEnglishTemplates), rng, cast, false);
  }
  return out;
}

// `count` edits spread evenly over `text`: a digit changed, a word inserted.
std::string ScatterEdits(std::string text, int count) {
  for (int k = 0; k < count; ++k) {
    std::size_t at = text.size() * (2 * k + 1) / (2 * count);
    at = text.find(' ', at);
    if (at == std::string::npos) break;
    if (k % 2 == 0) {
      text.insert(at, " reportedly");
    } else {
      std::size_t d = at;
      while (d < text.size() && !std::isdigit(static_cast<unsigned char>(text[d]))) ++d;
      if (d < text.size()) text[d] = static_cast<char>('0' + (text[d] - '0' + 1) % 10);
    }
  }
  return text;
}

v1::Article Wrap(std::vector<std::string> body) {
  v1::Article a;
  a.set_id("nw-bench-adversarial");
  a.set_feed("equities-us");
  a.set_headline("Adversarial input");
  for (auto& p : body) a.add_body(std::move(p));
  a.set_language("en");
  *a.mutable_versioncreated() = At(kFirstCreated);
  return a;
}

struct Adversarial {
  CaseResult result;
  double bound_ms = 0;
};

std::vector<Adversarial> RunAdversarial(const Settings& s) {
  Rng rng(s.seed ^ 0xad5e);
  std::vector<Adversarial> out;
  // The bound: a 64 KB pair in a few milliseconds. Past the effort
  // budget the work left is linear, so 1 MB gets 16x that.
  constexpr double kBound64K = 5, kBound1M = 80;
  auto run = [&](std::string name, std::string slug, v1::Article base, v1::Article next,
                 int iterations, double bound_ms) {
    std::vector<Pair> pairs{Normalised(std::move(base), std::move(next))};
    CaseResult r = Measure(std::move(name), std::move(slug), pairs, iterations, true);
    r.note = DiffNote(core::DiffArticles(pairs[0].base, pairs[0].next));
    out.push_back({std::move(r), bound_ms});
  };
  const int small = s.quick ? 3 : 50, large = s.quick ? 2 : 10;

  run("random 64 KB vs random 64 KB (1 paragraph)", "random_64k_paragraph",
      Wrap({RandomText(rng, 64 << 10)}), Wrap({RandomText(rng, 64 << 10)}), small, kBound64K);
  {
    std::vector<std::string> a, b;
    for (int i = 0; i < 64; ++i) a.push_back(RandomText(rng, 1 << 10));
    for (int i = 0; i < 64; ++i) b.push_back(RandomText(rng, 1 << 10));
    run("random 64 KB vs random 64 KB (64 paragraphs)", "random_64k_paragraphs", Wrap(a), Wrap(b),
        small, kBound64K);
  }
  {
    const std::string line = "The index closed 0.4% higher at 5,012.33 points.";
    std::vector<std::string> a(2000, line), b = a;
    for (int k : {100, 700, 1300, 1900}) b[k] = "The index closed 0.6% higher at 5,013.10 points.";
    b.insert(b.begin() + 500, "Trading was halted for 15 minutes.");
    b.insert(b.begin() + 1500, "Trading resumed.");
    b.erase(b.begin() + 1000);
    b.erase(b.begin() + 1800);
    std::string ta, tb;
    for (const auto& l : a) ta += l + "\n";
    for (const auto& l : b) tb += l + "\n";
    run("2,000 repeated lines, 8 edits (1 paragraph)", "repeated_lines", Wrap({ta}), Wrap({tb}),
        small, kBound64K);
    run("2,000 repeated paragraphs, 8 edits", "repeated_paragraphs", Wrap(a), Wrap(b), small,
        kBound64K);
  }
  {
    std::string mb = ProseText(rng, 1 << 20);
    std::string edited = ScatterEdits(mb, 20);
    run("1 MB paragraph, 20 scattered edits", "one_mb_scattered", Wrap({mb}), Wrap({edited}), large,
        kBound1M);
    run("1 MB paragraph vs unrelated 1 MB", "one_mb_unrelated", Wrap({mb}),
        Wrap({ProseText(rng, 1 << 20)}), large, kBound1M);
  }
  return out;
}

// ---- ingest ---------------------------------------------------------------------

// What ingest pays per article before any diff: NormalizeAndValidate, i.e.
// validation and bringing every text field to NFC (a quick check when the
// text already is, a real normalisation when it is not).
struct IngestResult {
  std::string name, slug;
  double article_bytes = 0;
  Percentiles us;
};

std::vector<IngestResult> RunIngest(const Settings& s) {
  Rng rng(s.seed);
  std::vector<std::pair<std::string, v1::Article>> articles;
  articles.emplace_back("english", MakeStory(rng, Language::kEnglish, 4400, 12, 20, "nw-bench-en"));
  articles.emplace_back("japanese",
                        MakeStory(rng, Language::kJapanese, 4600, 12, 20, "nw-bench-ja"));
  articles.emplace_back("emoji", MakeStory(rng, Language::kEmoji, 4400, 12, 20, "nw-bench-emoji"));
  Rng thai_rng(s.seed ^ 0x7a1);
  articles.emplace_back("thai", MakeThaiStory(thai_rng, 4600, "nw-bench-th"));
  // The English story with every word-final e accented as e + U+0301: a
  // publisher sending NFD, normalised on every publish.
  v1::Article nfd = articles[0].second;
  for (std::string& p : *nfd.mutable_body()) {
    for (std::size_t at = p.find("e "); at != std::string::npos; at = p.find("e ", at + 4)) {
      p.replace(at, 2, "e\u0301 ");
    }
  }
  articles.emplace_back("decomposed_nfd", std::move(nfd));
  const int iterations = s.quick ? 100 : 20000;
  std::vector<IngestResult> out;
  for (const auto& [slug, article] : articles) {
    IngestResult r;
    r.slug = "ingest_" + slug;
    r.name = slug == "decomposed_nfd" ? "English with é decomposed (NFD)" : slug;
    r.article_bytes = static_cast<double>(article.ByteSizeLong());
    std::vector<double> us;
    v1::Article copy;
    for (int i = 0; i < iterations; ++i) {
      copy = article;
      Clock::time_point t0 = Clock::now();
      auto ok = core::NormalizeAndValidate(copy);
      Clock::time_point t1 = Clock::now();
      if (!ok) {
        std::fprintf(stderr, "newswire-diff-bench: %s: %s\n", slug.c_str(),
                     ok.error().ToString().c_str());
        std::exit(1);
      }
      g_sink = g_sink + copy.headline().size();
      us.push_back(Micros(t1 - t0));
    }
    r.us = Summarise(std::move(us));
    out.push_back(std::move(r));
  }
  return out;
}

// ---- output -------------------------------------------------------------------

std::vector<std::string> g_lines;

void Line(const std::string& slug, const char* metric, double value) {
  char text[256];
  std::snprintf(text, sizeof text, "newswire-diff %s %s %.6g", slug.c_str(), metric, value);
  g_lines.emplace_back(text);
}

std::string Bytes(double v) { return Thousands(static_cast<int>(std::lround(v))); }

void PrintCorpus(const std::vector<CaseResult>& cases) {
  std::printf(
      "| case | article B | zstd B | diff B | delta B | full/diff | zstd/diff | zstd/delta | "
      "diff p50 / p99 µs | apply+verify p50 / p99 µs | diff+apply p50 µs | delta encode / "
      "decode+verify p50 µs | what the diff holds |\n"
      "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
  for (const CaseResult& r : cases) {
    std::printf(
        "| %s | %s | %s | %s | %s | %s× | %s× | %s× | %s / %s | %s / %s | %s | %s / %s | %s |\n",
        r.name.c_str(), Bytes(r.article_bytes).c_str(), Bytes(r.zstd_bytes).c_str(),
        Bytes(r.diff_bytes).c_str(), Bytes(r.delta_bytes).c_str(),
        Fixed(r.article_bytes / r.diff_bytes, 1).c_str(),
        Fixed(r.zstd_bytes / r.diff_bytes, 1).c_str(),
        Fixed(r.zstd_bytes / r.delta_bytes, 1).c_str(), Fixed(r.diff.p50, 1).c_str(),
        Fixed(r.diff.p99, 1).c_str(), Fixed(r.apply.p50, 1).c_str(), Fixed(r.apply.p99, 1).c_str(),
        Fixed(r.both.p50, 1).c_str(), Fixed(r.delta.p50, 1).c_str(),
        Fixed(r.undelta.p50, 1).c_str(), r.note.c_str());
    Line(r.slug, "delta_bytes", r.delta_bytes);
    Line(r.slug, "zstd_over_delta", r.zstd_bytes / r.delta_bytes);
    Line(r.slug, "delta_encode_p50_us", r.delta.p50);
    Line(r.slug, "delta_decode_verify_p50_us", r.undelta.p50);
    Line(r.slug, "article_bytes", r.article_bytes);
    Line(r.slug, "zstd_bytes", r.zstd_bytes);
    Line(r.slug, "diff_bytes", r.diff_bytes);
    Line(r.slug, "full_over_diff", r.article_bytes / r.diff_bytes);
    Line(r.slug, "zstd_over_diff", r.zstd_bytes / r.diff_bytes);
    Line(r.slug, "diff_p50_us", r.diff.p50);
    Line(r.slug, "diff_p99_us", r.diff.p99);
    Line(r.slug, "apply_verify_p50_us", r.apply.p50);
    Line(r.slug, "apply_verify_p99_us", r.apply.p99);
    Line(r.slug, "diff_apply_p50_us", r.both.p50);
  }
}

void PrintIngest(const std::vector<IngestResult>& cases) {
  std::printf(
      "\n| ingest: NormalizeAndValidate (validation + NFC) | article B | p50 / p99 µs |\n"
      "|---|--:|--:|\n");
  for (const IngestResult& r : cases) {
    std::printf("| %s | %s | %s / %s |\n", r.name.c_str(), Bytes(r.article_bytes).c_str(),
                Fixed(r.us.p50, 2).c_str(), Fixed(r.us.p99, 2).c_str());
    Line(r.slug, "article_bytes", r.article_bytes);
    Line(r.slug, "validate_p50_us", r.us.p50);
    Line(r.slug, "validate_p99_us", r.us.p99);
  }
}

void PrintAdversarial(const std::vector<Adversarial>& cases, int* over_bound) {
  std::printf(
      "\n| adversarial case | article B | diff B | runs | diff p50 / max ms | apply+verify p50 ms "
      "| diff CPU max ms | bound ms | within | what the diff holds |\n"
      "|---|--:|--:|--:|--:|--:|--:|--:|---|---|\n");
  for (const Adversarial& a : cases) {
    const CaseResult& r = a.result;
    bool within = r.diff_cpu_max / 1000 <= a.bound_ms;
    if (!within) ++*over_bound;
    std::printf("| %s | %s | %s | %d | %s / %s | %s | %s | %s | %s | %s |\n", r.name.c_str(),
                Bytes(r.article_bytes).c_str(), Bytes(r.diff_bytes).c_str(), r.runs,
                Fixed(r.diff.p50 / 1000, 2).c_str(), Fixed(r.diff.max / 1000, 2).c_str(),
                Fixed(r.apply.p50 / 1000, 2).c_str(), Fixed(r.diff_cpu_max / 1000, 2).c_str(),
                Fixed(a.bound_ms, 0).c_str(), within ? "yes" : "no", r.note.c_str());
    Line(r.slug, "article_bytes", r.article_bytes);
    Line(r.slug, "diff_bytes", r.diff_bytes);
    Line(r.slug, "diff_p50_ms", r.diff.p50 / 1000);
    Line(r.slug, "diff_max_ms", r.diff.max / 1000);
    Line(r.slug, "apply_verify_p50_ms", r.apply.p50 / 1000);
    Line(r.slug, "diff_cpu_max_ms", r.diff_cpu_max / 1000);
    Line(r.slug, "bound_ms", a.bound_ms);
    Line(r.slug, "within_bound", within ? 1 : 0);
  }
}

constexpr char kUsage[] =
    "usage: newswire-diff-bench [--quick] [--lines] [--seed N] [--dump]\n"
    "  --quick   a few iterations per case (CI sanity), not for figures\n"
    "  --lines   print the `newswire-diff case metric value` lines on stdout\n"
    "            after the table (default: on stderr)\n";

int Main(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--quick") {
      s.quick = true;
    } else if (flag == "--lines") {
      s.lines_on_stdout = true;
    } else if (flag == "--dump") {
      s.dump = true;
    } else if (flag == "--seed" && i + 1 < argc &&
               core::ParseNumber<uint64_t>(argv[i + 1]).has_value()) {
      s.seed = *core::ParseNumber<uint64_t>(argv[++i]);
    } else {
      std::fprintf(stderr, "%s", kUsage);
      return flag == "-h" || flag == "--help" ? 0 : 2;
    }
  }
  Clock::time_point start = Clock::now();
  std::vector<CaseResult> corpus = RunCorpus(s);
  if (s.dump) return 0;
  std::vector<Adversarial> adversarial = RunAdversarial(s);

  PrintCorpus(corpus);
  int over_bound = 0;
  PrintAdversarial(adversarial, &over_bound);
  PrintIngest(RunIngest(s));

  // Targets from issue 4.
  double worst_ratio = 1e300, worst_typical_us = 0, worst_5kb_us = 0;
  std::string worst_case;
  for (const CaseResult& r : corpus) {
    if (r.typical) {
      double ratio = r.zstd_bytes / r.diff_bytes;
      if (ratio < worst_ratio) worst_ratio = ratio, worst_case = r.name;
      worst_typical_us = std::max(worst_typical_us, r.both.p50);
    }
    if (r.five_kb) worst_5kb_us = std::max(worst_5kb_us, r.both.p50);
  }
  std::printf("\n- typical updates ≥5× smaller than zstd: %s (worst ratio %.1f×, %s)\n",
              worst_ratio >= 5 ? "yes" : "no", worst_ratio, worst_case.c_str());
  std::printf(
      "- 5 KB diff+apply p50 < 50 µs: %s (%.1f µs worst typical update; %.1f µs worst of all "
      "5 KB cases)\n",
      worst_typical_us < 50 ? "yes" : "no", worst_typical_us, worst_5kb_us);
  std::printf("- adversarial diffs within their time bound (thread CPU, worst run): %s (%d over)\n",
              over_bound == 0 ? "yes" : "no", over_bound);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("\nseed %" PRIu64 ", %s, %.1f s\n", s.seed,
              s.quick ? "--quick (figures not meaningful)" : "full run", seconds);
  Line("verdict", "typical_zstd_over_diff_worst", worst_ratio);
  Line("verdict", "typical_5x_smaller_than_zstd", worst_ratio >= 5 ? 1 : 0);
  Line("verdict", "typical_diff_apply_p50_us_worst", worst_typical_us);
  Line("verdict", "diff_apply_under_50us", worst_typical_us < 50 ? 1 : 0);
  Line("verdict", "adversarial_over_bound", over_bound);
  Line("run", "seconds", seconds);

  if (s.lines_on_stdout) std::printf("\n");
  for (const std::string& l : g_lines)
    std::fprintf(s.lines_on_stdout ? stdout : stderr, "%s\n", l.c_str());
  return 0;
}

}  // namespace
}  // namespace newswire::bench

int main(int argc, char** argv) { return newswire::bench::Main(argc, argv); }
