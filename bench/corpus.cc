#include "corpus.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <numbers>
#include <queue>
#include <string_view>
#include <utility>

namespace newswire::bench {
namespace {

// ---------------------------------------------------------------- randomness

// xoshiro256** seeded through splitmix64: fast, and the same on every
// platform, unlike std::*_distribution.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& word : s_) {
      seed += 0x9E3779B97F4A7C15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      word = z ^ (z >> 31);
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  std::size_t Below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(Next() % n); }
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<std::size_t>(hi - lo + 1)));
  }
  bool Chance(double p) { return Uniform() < p; }

  double Normal() {  // Box-Muller; u1 in (0, 1] so the log is finite.
    const double u1 = static_cast<double>((Next() >> 11) + 1) * 0x1.0p-53;
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }

  template <typename T, std::size_t N>
  const T& Pick(const std::array<T, N>& items) {
    return items[Below(N)];
  }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_{};
};

// Rank r (0-based) drawn with probability proportional to 1 / (r + 1)^s.
class Zipf {
 public:
  Zipf(std::size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (std::size_t r = 0; r < n; ++r)
      cdf_[r] = sum += 1.0 / std::pow(static_cast<double>(r + 1), s);
    for (auto& c : cdf_) c /= sum;
  }
  std::size_t Sample(Rng& rng) const {
    auto it = std::lower_bound(cdf_.begin(), cdf_.end(), rng.Uniform());
    return std::min<std::size_t>(it - cdf_.begin(), cdf_.size() - 1);
  }

 private:
  std::vector<double> cdf_;
};

// ---------------------------------------------------------------- vocabulary

using Words = std::vector<std::string_view>;

struct Company {
  std::string symbol;
  std::string exchange;  // ISO 10383 MIC.
  std::string name;
  std::string name_ja;
};

struct KnownCompany {
  std::string_view symbol, exchange, name, name_ja;
};

// The most-covered names go first: they get the top Zipf ranks.
constexpr std::array<KnownCompany, 48> kKnownCompanies = {{
    {"NVDA", "XNAS", "Nvidia", "エヌビディア"},
    {"AAPL", "XNAS", "Apple", "アップル"},
    {"7203", "XTKS", "Toyota Motor", "トヨタ自動車"},
    {"TSLA", "XNAS", "Tesla", "テスラ"},
    {"MSFT", "XNAS", "Microsoft", "マイクロソフト"},
    {"9984", "XTKS", "SoftBank Group", "ソフトバンクグループ"},
    {"AMZN", "XNAS", "Amazon", "アマゾン"},
    {"JPM", "XNYS", "JPMorgan Chase", "ＪＰモルガン"},
    {"6758", "XTKS", "Sony Group", "ソニーグループ"},
    {"GOOGL", "XNAS", "Alphabet", "アルファベット"},
    {"META", "XNAS", "Meta Platforms", "メタ"},
    {"SHEL", "XLON", "Shell", "シェル"},
    {"8306", "XTKS", "Mitsubishi UFJ Financial", "三菱ＵＦＪフィナンシャル・グループ"},
    {"XOM", "XNYS", "Exxon Mobil", "エクソンモービル"},
    {"AMD", "XNAS", "Advanced Micro Devices", "ＡＭＤ"},
    {"0700", "XHKG", "Tencent", "テンセント"},
    {"SAP", "XETR", "SAP", "ＳＡＰ"},
    {"8035", "XTKS", "Tokyo Electron", "東京エレクトロン"},
    {"GS", "XNYS", "Goldman Sachs", "ゴールドマン・サックス"},
    {"AVGO", "XNAS", "Broadcom", "ブロードコム"},
    {"HSBA", "XLON", "HSBC", "ＨＳＢＣ"},
    {"7974", "XTKS", "Nintendo", "任天堂"},
    {"BA", "XNYS", "Boeing", "ボーイング"},
    {"INTC", "XNAS", "Intel", "インテル"},
    {"SIE", "XETR", "Siemens", "シーメンス"},
    {"6861", "XTKS", "Keyence", "キーエンス"},
    {"9988", "XHKG", "Alibaba Group", "アリババ集団"},
    {"AZN", "XLON", "AstraZeneca", "アストラゼネカ"},
    {"BAC", "XNYS", "Bank of America", "バンク・オブ・アメリカ"},
    {"6501", "XTKS", "Hitachi", "日立製作所"},
    {"WMT", "XNYS", "Walmart", "ウォルマート"},
    {"NFLX", "XNAS", "Netflix", "ネットフリックス"},
    {"9432", "XTKS", "NTT", "日本電信電話"},
    {"CVX", "XNYS", "Chevron", "シェブロン"},
    {"BMW", "XETR", "BMW", "ＢＭＷ"},
    {"4063", "XTKS", "Shin-Etsu Chemical", "信越化学工業"},
    {"QCOM", "XNAS", "Qualcomm", "クアルコム"},
    {"RIO", "XLON", "Rio Tinto", "リオ・ティント"},
    {"PFE", "XNYS", "Pfizer", "ファイザー"},
    {"7267", "XTKS", "Honda Motor", "ホンダ"},
    {"ALV", "XETR", "Allianz", "アリアンツ"},
    {"1299", "XHKG", "AIA Group", "ＡＩＡ"},
    {"DIS", "XNYS", "Walt Disney", "ウォルト・ディズニー"},
    {"6723", "XTKS", "Renesas Electronics", "ルネサスエレクトロニクス"},
    {"ULVR", "XLON", "Unilever", "ユニリーバ"},
    {"CAT", "XNYS", "Caterpillar", "キャタピラー"},
    {"DTE", "XETR", "Deutsche Telekom", "ドイツテレコム"},
    {"4502", "XTKS", "Takeda Pharmaceutical", "武田薬品工業"},
}};

constexpr std::array<std::string_view, 30> kNameStarts = {
    "Kai",  "Mina", "Sora", "Hoku", "Aster", "Bel", "Cor", "Dal", "Ever", "Fen",
    "Gra",  "Hal",  "Ira",  "Jun",  "Kest",  "Lum", "Mer", "Nor", "Orin", "Pax",
    "Quin", "Ros",  "Sel",  "Tor",  "Ulm",   "Ver", "Wes", "Yar", "Zen",  "Arc"};
constexpr std::array<std::string_view, 14> kNameEnds = {"ton",   "ris",    "mark",  "vale", "gen",
                                                        "tek",   "dyne",   "wave",  "core", "line",
                                                        "field", "bridge", "stone", "wood"};
constexpr std::array<std::string_view, 16> kNameKinds = {
    "Robotics",      "Holdings",  "Energy", "Pharma",    "Bank",      "Motors",
    "Semiconductor", "Materials", "Foods",  "Logistics", "Insurance", "Telecom",
    "Software",      "Mining",    "Retail", "Airlines"};
constexpr std::array<std::string_view, 16> kNameKindsJa = {"ロボティクス", "ホールディングス",
                                                           "エナジー",     "製薬",
                                                           "銀行",         "自動車",
                                                           "半導体",       "素材",
                                                           "食品",         "物流",
                                                           "損害保険",     "通信",
                                                           "ソフトウェア", "鉱業",
                                                           "リテイリング", "航空"};
constexpr std::array<std::string_view, 30> kKanaStarts = {
    "カイ",   "ミナ", "ソラ", "ホク",   "アスタ", "ベル",   "コル",   "ダル", "エバー", "フェン",
    "グラ",   "ハル", "イラ", "ジュン", "ケスト", "ルム",   "メル",   "ノル", "オリン", "パクス",
    "クイン", "ロス", "セル", "トル",   "ウルム", "ヴェル", "ウェス", "ヤル", "ゼン",   "アーク"};
constexpr std::array<std::string_view, 6> kExchanges = {"XNAS", "XNYS", "XTKS",
                                                        "XLON", "XETR", "XHKG"};

constexpr std::array<std::string_view, 40> kTopics = {"earnings",
                                                      "M&A",
                                                      "markets",
                                                      "central-banks",
                                                      "rates",
                                                      "fx",
                                                      "oil",
                                                      "tech",
                                                      "semiconductors",
                                                      "autos",
                                                      "banks",
                                                      "regulation",
                                                      "ipo",
                                                      "bonds",
                                                      "commodities",
                                                      "japan",
                                                      "china",
                                                      "europe",
                                                      "us",
                                                      "ai",
                                                      "energy",
                                                      "pharma",
                                                      "retail",
                                                      "labour",
                                                      "inflation",
                                                      "gdp",
                                                      "trade",
                                                      "crypto",
                                                      "dividends",
                                                      "buybacks",
                                                      "guidance",
                                                      "lawsuits",
                                                      "management",
                                                      "ratings",
                                                      "shipping",
                                                      "metals",
                                                      "agriculture",
                                                      "elections",
                                                      "sanctions",
                                                      "esg"};

struct Universe {
  std::vector<Company> companies;
  Zipf company_rank{300, 1.07};
  Zipf topic_rank{kTopics.size(), 0.7};
};

// The symbol universe is fixed (its own seed) so every corpus shares it.
const Universe& GetUniverse() {
  static const Universe universe = [] {
    Universe u;
    for (const auto& k : kKnownCompanies) {
      u.companies.push_back({std::string(k.symbol), std::string(k.exchange), std::string(k.name),
                             std::string(k.name_ja)});
    }
    Rng rng(0x5eed0fa11);
    std::map<std::string, bool> taken;
    for (const auto& c : u.companies) taken[c.exchange + ":" + c.symbol] = true;
    while (u.companies.size() < 300) {
      const std::size_t start = rng.Below(kNameStarts.size());
      const std::size_t kind = rng.Below(kNameKinds.size());
      Company c;
      c.exchange = std::string(rng.Pick(kExchanges));
      c.name = std::string(kNameStarts[start]) + std::string(rng.Pick(kNameEnds)) + " " +
               std::string(kNameKinds[kind]);
      c.name_ja = std::string(kKanaStarts[start]) + std::string(kNameKindsJa[kind]);
      if (c.exchange == "XTKS" || c.exchange == "XHKG") {
        char code[8];
        std::snprintf(code, sizeof code, "%04d", rng.Between(1301, 9997));
        c.symbol = code;
      } else {
        for (char ch : c.name) {
          if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
          if (ch >= 'A' && ch <= 'Z' && c.symbol.size() < 4 && rng.Chance(0.6)) c.symbol += ch;
        }
        if (c.symbol.size() < 2) c.symbol += "X";
      }
      if (taken.emplace(c.exchange + ":" + c.symbol, true).second) u.companies.push_back(c);
    }
    return u;
  }();
  return universe;
}

constexpr std::array<std::string_view, 24> kFirstNames = {
    "Aiko",  "Kenji", "Sarah",  "David",  "Yuki",  "Michael", "Emma",  "Hiroshi",
    "Laura", "James", "Mei",    "Oliver", "Anna",  "Takeshi", "Priya", "Daniel",
    "Sofia", "Ravi",  "Hannah", "Lukas",  "Chloe", "Mateo",   "Naomi", "Tom"};
constexpr std::array<std::string_view, 24> kLastNames = {
    "Tanaka", "Suzuki", "Chen",  "Miller", "Sato",     "Schmidt", "Rossi", "Nakamura",
    "Brown",  "Kim",    "Patel", "Weber",  "Yamamoto", "Garcia",  "Kato",  "Wilson",
    "Ito",    "Meyer",  "Lopez", "Taylor", "Watanabe", "Dubois",  "Moore", "Kobayashi"};
constexpr std::array<std::string_view, 12> kFirms = {"Jefferies",
                                                     "Morgan Stanley MUFG",
                                                     "Nomura",
                                                     "Mizuho Securities",
                                                     "Bernstein",
                                                     "UBS",
                                                     "Citi",
                                                     "BofA Global Research",
                                                     "Macquarie",
                                                     "SMBC Nikko",
                                                     "Daiwa Securities",
                                                     "Barclays"};
constexpr std::array<std::string_view, 12> kFirmsJa = {"野村証券",
                                                       "大和証券",
                                                       "ＳＭＢＣ日興証券",
                                                       "みずほ証券",
                                                       "三菱ＵＦＪモルガン・スタンレー証券",
                                                       "岡三証券",
                                                       "東海東京調査センター",
                                                       "いちよし経済研究所",
                                                       "ＵＢＳ証券",
                                                       "ゴールドマン・サックス証券",
                                                       "マッコーリー証券",
                                                       "ジェフリーズ証券"};
constexpr std::array<std::string_view, 16> kBusinesses = {
    "industrial sensors", "AI chips",       "electric vehicles", "cloud software",
    "batteries",          "factory robots", "streaming",         "payments",
    "memory chips",       "cancer drugs",   "jet engines",       "wind power",
    "data centres",       "lithium",        "insurance",         "consumer loans"};
constexpr std::array<std::string_view, 12> kBusinessesJa = {
    "産業用センサー", "ＡＩ半導体", "電気自動車", "クラウド", "蓄電池",         "産業用ロボット",
    "動画配信",       "決済",       "メモリー",   "抗がん剤", "航空機エンジン", "データセンター"};
constexpr std::array<std::string_view, 6> kMetrics = {
    "quarterly revenue",         "operating profit",  "net income",
    "adjusted operating income", "full-year revenue", "free cash flow"};
constexpr std::array<std::string_view, 12> kMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 5> kDays = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                                   "Friday"};
constexpr std::array<std::string_view, 8> kCountries = {
    "Japan", "the United States", "Germany", "Britain", "China", "India", "Mexico", "Vietnam"};
constexpr std::array<std::string_view, 6> kIndexes = {
    "S&P 500", "Nasdaq Composite", "Nikkei 225", "FTSE 100", "DAX", "Hang Seng"};
constexpr std::array<std::string_view, 12> kQuotes = {
    "We see this as a clear positive for the group",
    "Demand for {X} remains very strong, and the order book shows it",
    "The market had priced in a much weaker quarter",
    "This changes the competitive picture in {X}",
    "It is too early to say whether the deal will go ahead",
    "Margins should recover in the second half as costs come down",
    "Investors want to see cash returned, not another acquisition",
    "The guidance looks conservative to us",
    "We are not going to chase volume at any price",
    "A deal of this size fits neatly into their plan for {X}",
    "The regulator will look very closely at this one",
    "Nobody expected the numbers to be this strong"};

constexpr std::array<std::string_view, 16> kStatements = {
    "{C} said on {D} it would invest {M} in {X} over the next three years.",
    "Shares of {C} rose {N}% to {PRICE} in {SESSION} trading, their biggest gain since {MONTH}.",
    "Shares of {C} fell {N}% to {PRICE} after the report, while the {INDEX} index was {UPDOWN} "
    "{N2}%.",
    "The company reported {METRIC} of {M}, compared with the average analyst estimate of {M2}.",
    "{C} raised its full-year forecast for {METRIC} to {M}, citing strong demand for {X}.",
    "The deal would be the largest in {X} since {YEAR}, according to data compiled by Newswire.",
    "{C} and {C2} have been in talks since {MONTH}, {COUNT} people familiar with the matter said.",
    "A spokesperson for {C} declined to comment, and {C2} did not respond to a request for "
    "comment.",
    "Analysts at {F} cut their price target on {C} to {PRICE} from {PRICE2}.",
    "{C} employs about {INT} people in {COUNTRY} and sells most of its {X} abroad.",
    "Regulators in {COUNTRY} are expected to review the transaction, which also needs shareholder "
    "approval.",
    "The talks could still fall apart, and no final decision has been made, the people said.",
    "{C} has lost about {N}% of its market value this year as competition in {X} intensified.",
    "Trading volume in {C} shares was {N2} times the 30-day average by {TIME}.",
    "The board of {C} will meet on {D} to discuss the offer, according to a filing.",
    "{C} said it expected the transaction to close in the {HALF} half of {YEAR2}."};
constexpr std::array<std::string_view, 4> kQuoteForms = {
    "\"{Q},\" said {P}, an analyst at {F}.",
    "\"{Q},\" {P}, chief executive of {C}, told reporters on a conference call.",
    "\"{Q},\" said {P}, a portfolio manager at {F}, which holds shares in {C}.",
    "\"{Q}. {Q2},\" {P} of {F} wrote in a note to clients."};
constexpr std::array<std::string_view, 4> kEmojiLines = {
    "\"To the moon {E}\" read one of the most shared posts about {C} on social media.",
    "Retail traders piled in, with {C} trending on message boards alongside a {E} emoji.",
    "{C}'s own post announcing the results carried a single {E}.",
    "Some investors replied to the company's post with {E} and {E2}."};
constexpr std::array<std::string_view, 8> kEmoji = {"🚀", "📈", "📉", "💰", "🔥", "🤖", "⚡", "😱"};
constexpr std::array<std::string_view, 8> kHeadlines = {
    "{C} in talks to buy {C2}, sources say",
    "{C} quarterly profit beats estimates on {X} demand",
    "{C} shares jump {N}% after upbeat forecast",
    "{C} cuts full-year outlook as {X} sales slow; shares slide",
    "{C} to cut {INT} jobs in {COUNTRY} in restructuring",
    "{C} CEO {P} to step down, company says",
    "{C} wins approval for {X} plant in {COUNTRY}",
    "{C} shares fall {N}% as regulator opens probe"};
constexpr std::array<std::string_view, 6> kAlerts = {"{CU} Q{QN} ADJ EPS {EPS} VS EST {EPS2}",
                                                     "{CU} SAYS IN TALKS TO ACQUIRE {C2U}",
                                                     "{CU} SHARES HALTED PENDING NEWS",
                                                     "{CU} RAISES FY REVENUE VIEW TO {M}",
                                                     "{CU} CEO {PU} TO STEP DOWN",
                                                     "{CU} SHARES UP {N}% IN PREMARKET TRADE"};
constexpr std::array<std::string_view, 6> kEdnotes = {
    "Adds market reaction",        "Adds analyst comment",
    "Adds details from statement", "Updates with closing share price",
    "Adds background on talks",    "Adds company comment"};

constexpr std::array<std::string_view, 12> kStatementsJa = {
    "{C}は{DJ}、{X}事業の強化に向けて{C2}と資本提携すると発表した。",
    "{C}の株価は一時前日比{N}%高の{PRICE}円まで上昇した。",
    "{C}の株価は{N}%安の{PRICE}円で取引を終えた。",
    "関係者によると、両社は{MJ}月ごろから協議を続けている。",
    "{C}の広報担当者はコメントを控えた。",
    "同社は通期の営業利益予想を{BN}億円に引き上げた。",
    "市場予想の平均は{BN2}億円だった。",
    "日経平均株価は{N2}%{UPDOWN}で取引を終えた。",
    "{C}は{X}の需要拡大を背景に、国内で約{INT}人の採用を計画している。",
    "買収額は約{BN}億円になる見通しで、年内の合意を目指す。",
    "同社は{YEAR}年以来となる大型の設備投資に踏み切る。",
    "{X}を巡る競争は激しさを増しており、各社が投資を急いでいる。"};
constexpr std::array<std::string_view, 4> kQuotesJa = {
    "今回の決算は明らかにポジティブだ", "{X}の需要は引き続き非常に強い",
    "統合効果が出るまでには時間がかかる", "市場はより弱い数字を織り込んでいた"};
constexpr std::array<std::string_view, 5> kHeadlinesJa = {
    "{C}、{C2}と買収協議　関係者", "{C}、通期営業益予想を{BN}億円に上方修正",
    "{C}株が{N}%高、{X}事業の拡大を好感", "{C}、{X}事業で{C2}と資本提携へ",
    "{C}株が急落、業績見通しを下方修正"};
constexpr std::array<std::string_view, 3> kAlertsJa = {"{C}、通期純利益予想を{BN}億円に上方修正",
                                                       "{C}、{C2}の買収を検討", "{C}株が売買停止"};
constexpr std::array<std::string_view, 4> kEdnotesJa = {
    "市場の反応を追加", "アナリストのコメントを追加", "会社側の説明を追加", "終値を反映"};
// Word swaps for copy edits; each pair goes both ways.
constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kSwaps = {
    {{"said", "says"},
     {"rose", "climbed"},
     {"fell", "dropped"},
     {"about", "roughly"},
     {"people", "sources"},
     {"strong", "robust"},
     {"cut", "lowered"},
     {"expected", "forecast"},
     {"biggest", "largest"},
     {"talks", "discussions"},
     {"company", "group"},
     {"report", "news"}}};
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kSwapsJa = {
    {{"発表した", "明らかにした"},
     {"上昇した", "値上がりした"},
     {"続けている", "進めている"},
     {"控えた", "差し控えた"},
     {"計画している", "検討している"},
     {"見通し", "見込み"}}};
constexpr std::array<std::string_view, 4> kInserts = {
    ", people familiar with the matter said", ", according to a statement",
    ", the company said in a filing", ", two sources said"};

// ---------------------------------------------------------------- text helpers

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

std::string WithCommas(long value) {
  std::string digits = std::to_string(value), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// Replaces each {KEY} in `pattern` with value(KEY).
std::string Fill(std::string_view pattern,
                 const std::function<std::string(std::string_view)>& value) {
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    const std::size_t open = pattern.find('{', i);
    const std::size_t close = open == std::string_view::npos ? open : pattern.find('}', open);
    if (close == std::string_view::npos) {
      out.append(pattern.substr(i));
      break;
    }
    out.append(pattern.substr(i, open - i));
    out += value(pattern.substr(open + 1, close - open - 1));
    i = close + 1;
  }
  return out;
}

// ---------------------------------------------------------------- stories

struct Sentence {
  std::string text;
  bool paragraph_start = false;
};

struct Story {
  std::string id;
  bool japanese = false;
  bool alert = false;
  int total_versions = 1;
  int emitted = 0;
  std::vector<std::size_t> companies;  // Universe indexes; [0] is the subject.
  v1::Article fixed;                   // Fields that do not change between versions.
  std::string headline;
  std::vector<std::string> key_points;
  std::vector<Sentence> sentences;
  int64_t version_time_s = 0;
};

constexpr int64_t kEpochS = 1795564800;  // 2026-11-25T00:00:00Z.

std::string_view FeedFor(std::string_view exchange) {
  if (exchange == "XNAS" || exchange == "XNYS") return "equities-us";
  if (exchange == "XTKS" || exchange == "XHKG") return "equities-asia";
  return "equities-europe";
}

std::string_view ZoneFor(std::string_view exchange) {
  if (exchange == "XNAS" || exchange == "XNYS") return "America/New_York";
  if (exchange == "XTKS") return "Asia/Tokyo";
  if (exchange == "XHKG") return "Asia/Hong_Kong";
  if (exchange == "XETR") return "Europe/Berlin";
  return "Europe/London";
}

class Writer {
 public:
  Writer(Rng& rng, const Story& story) : rng_(rng), story_(story) {}

  std::string Value(std::string_view key) {
    const auto& u = GetUniverse();
    const Company& subject = u.companies[story_.companies[0]];
    const bool ja = story_.japanese;
    if (key == "C") return ja ? subject.name_ja : subject.name;
    if (key == "CU") return Upper(subject.name);
    if (key == "C2" || key == "C2U") {
      const auto& others = story_.companies;
      const Company& other =
          u.companies[others.size() > 1 ? others[1 + rng_.Below(others.size() - 1)]
                                        : u.company_rank.Sample(rng_)];
      if (key == "C2U") return Upper(other.name);
      return ja ? other.name_ja : other.name;
    }
    if (key == "N" || key == "N2") return Format("%.1f", std::min(40.0, rng_.LogNormal(2.5, 0.7)));
    if (key == "PRICE" || key == "PRICE2") {
      const double price = rng_.LogNormal(ja ? 3000 : 120, 0.8);
      if (ja) return WithCommas(static_cast<long>(price));
      return Currency(subject.exchange) + Format("%.2f", price);
    }
    if (key == "M" || key == "M2") {
      return Currency(subject.exchange) + Format("%.2f", rng_.LogNormal(3, 1.0)) + " billion";
    }
    if (key == "BN" || key == "BN2") return WithCommas(static_cast<long>(rng_.LogNormal(900, 1.0)));
    if (key == "EPS" || key == "EPS2") return Format("%.2f", rng_.LogNormal(1.5, 0.6));
    if (key == "INT") return WithCommas(100 * static_cast<long>(rng_.LogNormal(30, 1.0)) + 100);
    if (key == "P")
      return std::string(rng_.Pick(kFirstNames)) + " " + std::string(rng_.Pick(kLastNames));
    if (key == "PU") return Upper(rng_.Pick(kLastNames));
    if (key == "F") return std::string(ja ? rng_.Pick(kFirmsJa) : rng_.Pick(kFirms));
    if (key == "X") return std::string(ja ? rng_.Pick(kBusinessesJa) : rng_.Pick(kBusinesses));
    if (key == "D") return std::string(rng_.Pick(kDays));
    if (key == "DJ") return std::to_string(rng_.Between(1, 28)) + "日";
    if (key == "MJ") return std::to_string(rng_.Between(1, 12));
    if (key == "MONTH") return std::string(rng_.Pick(kMonths));
    if (key == "METRIC") return std::string(rng_.Pick(kMetrics));
    if (key == "COUNTRY") return std::string(rng_.Pick(kCountries));
    if (key == "INDEX") return std::string(rng_.Pick(kIndexes));
    if (key == "YEAR") return std::to_string(rng_.Between(2008, 2025));
    if (key == "YEAR2") return std::to_string(rng_.Between(2027, 2028));
    if (key == "HALF") return rng_.Chance(0.5) ? "first" : "second";
    if (key == "QN") return std::to_string(rng_.Between(1, 4));
    if (key == "COUNT") return rng_.Chance(0.5) ? "two" : "three";
    if (key == "SESSION") return rng_.Chance(0.5) ? "early" : "late";
    if (key == "UPDOWN")
      return ja ? (rng_.Chance(0.5) ? "高" : "安") : (rng_.Chance(0.5) ? "up" : "down");
    if (key == "TIME")
      return std::to_string(rng_.Between(10, 15)) + ":" + std::to_string(rng_.Between(10, 59));
    if (key == "E" || key == "E2") return std::string(rng_.Pick(kEmoji));
    if (key == "Q" || key == "Q2") {
      return Fill(ja ? rng_.Pick(kQuotesJa) : rng_.Pick(kQuotes),
                  [this](auto k) { return Value(k); });
    }
    return std::string(key);
  }

  std::string Make(std::string_view pattern) {
    return Fill(pattern, [this](std::string_view k) { return Value(k); });
  }

  // Added sentences carry a quote more often than the ones kept (48% vs 39%).
  std::string NewSentence(double quote_share) {
    if (story_.japanese) {
      if (rng_.Chance(quote_share)) return Make("「{Q}」と{F}のアナリスト、{P}氏は述べた。");
      return Make(rng_.Pick(kStatementsJa));
    }
    if (rng_.Chance(0.02)) return Make(rng_.Pick(kEmojiLines));
    if (rng_.Chance(quote_share)) return Make(rng_.Pick(kQuoteForms));
    return Make(rng_.Pick(kStatements));
  }

  std::string Headline() {
    if (story_.alert) {
      // Alerts are all caps on English wires.
      return story_.japanese ? Make(rng_.Pick(kAlertsJa)) : Upper(Make(rng_.Pick(kAlerts)));
    }
    std::string h = Make(story_.japanese ? rng_.Pick(kHeadlinesJa) : rng_.Pick(kHeadlines));
    if (rng_.Chance(0.01)) h += " " + std::string(rng_.Pick(kEmoji));
    return h;
  }

  // A copy edit or correction: a number changed, a word swapped, a clause
  // added or a word dropped. Never splits a UTF-8 character.
  std::string Edit(const std::string& text) {
    for (int attempt = 0; attempt < 4; ++attempt) {
      std::string edited;
      const double kind = rng_.Uniform();
      if (kind < 0.4) {
        edited = ChangeNumber(text);
      } else if (kind < 0.7) {
        edited = Swap(text);
      } else if (kind < 0.85 || story_.japanese) {
        edited = Insert(text);
      } else {
        edited = DropWord(text);
      }
      if (!edited.empty() && edited != text) return edited;
    }
    return story_.japanese ? text + "関係者が明らかにした。"
                           : text + " That is according to two sources.";
  }

  std::string ChangeNumber(const std::string& text) {
    std::vector<std::pair<std::size_t, std::size_t>> runs;  // [begin, end) of each number.
    for (std::size_t i = 0; i < text.size();) {
      if (text[i] >= '0' && text[i] <= '9') {
        std::size_t j = i;
        while (j < text.size() &&
               ((text[j] >= '0' && text[j] <= '9') || (text[j] == '.' && j + 1 < text.size() &&
                                                       text[j + 1] >= '0' && text[j + 1] <= '9'))) {
          ++j;
        }
        runs.emplace_back(i, j);
        i = j;
      } else {
        ++i;
      }
    }
    if (runs.empty()) return "";
    auto [begin, end] = runs[rng_.Below(runs.size())];
    const std::string number = text.substr(begin, end - begin);
    const auto dot = number.find('.');
    const int decimals = dot == std::string::npos ? 0 : static_cast<int>(number.size() - dot - 1);
    double value = std::strtod(number.c_str(), nullptr) * (1.0 + 0.15 * rng_.Normal());
    if (value < 0) value = -value;
    char format[16];
    std::snprintf(format, sizeof format, "%%.%df", decimals);
    std::string replacement = Format(format, value);
    if (replacement == number) replacement = Format(format, value + 1);
    return text.substr(0, begin) + replacement + text.substr(end);
  }

  std::string Swap(const std::string& text) {
    auto try_swaps = [&](const auto& swaps) -> std::string {
      const std::size_t start = rng_.Below(swaps.size());
      for (std::size_t k = 0; k < swaps.size(); ++k) {
        const auto& [a, b] = swaps[(start + k) % swaps.size()];
        for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
          if (auto at = text.find(from); at != std::string::npos) {
            return text.substr(0, at) + std::string(to) + text.substr(at + from.size());
          }
        }
      }
      return "";
    };
    return story_.japanese ? try_swaps(kSwapsJa) : try_swaps(kSwaps);
  }

  std::string Insert(const std::string& text) {
    if (story_.japanese) {
      const auto at = text.rfind("。");
      if (at == std::string::npos) return text + "と関係者は述べた。";
      return text.substr(0, at) + "と関係者は述べた" + text.substr(at);
    }
    if (text.empty() || text.back() != '.' || text.find('"') != std::string::npos) return "";
    return text.substr(0, text.size() - 1) + std::string(rng_.Pick(kInserts)) + ".";
  }

  std::string DropWord(const std::string& text) {
    std::vector<std::size_t> spaces;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == ' ') spaces.push_back(i);
    }
    if (spaces.size() < 8) return "";
    const std::size_t k = 1 + rng_.Below(spaces.size() - 3);  // Keep the first and last words.
    return text.substr(0, spaces[k]) + text.substr(spaces[k + 1]);
  }

 private:
  static std::string Currency(std::string_view exchange) {
    if (exchange == "XLON") return "£";
    if (exchange == "XETR") return "€";
    if (exchange == "XHKG") return "HK$";
    if (exchange == "XTKS") return "¥";
    return "$";
  }

  Rng& rng_;
  const Story& story_;
};

}  // namespace

// ---------------------------------------------------------------- generator

struct CorpusGenerator::State {
  explicit State(CorpusOptions o) : options(std::move(o)), rng(options.seed) {}

  struct Due {
    double time_s;
    uint64_t order;  // Tie-break: keeps the output independent of heap internals.
    uint64_t story;
    bool operator>(const Due& other) const {
      return std::tie(time_s, order) > std::tie(other.time_s, other.order);
    }
  };

  CorpusOptions options;
  Rng rng;
  std::map<uint64_t, Story> live;  // Stories with revisions still to come.
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due;
  uint64_t items = 0;
  uint64_t order = 0;
  double next_arrival_s = 0;
  std::vector<std::size_t> last_companies;  // News begets news on the same names.

  Revision Next() {
    if (due.empty() || next_arrival_s <= due.top().time_s) {
      const double now = next_arrival_s;
      // ~5,500 items a day, clustered: a quarter follow within a few seconds.
      next_arrival_s += rng.Chance(0.25) ? rng.Exponential(2.0) : rng.Exponential(20.0);
      return NewItem(now);
    }
    Due d = due.top();
    due.pop();
    auto it = live.find(d.story);
    Revision revision = Revise(it->second, d.time_s);
    if (it->second.emitted < it->second.total_versions) {
      Schedule(d.story, d.time_s);
    } else {
      live.erase(it);
    }
    return revision;
  }

  void Schedule(uint64_t key, double now_s) {
    // Inter-revision gap: lognormal, median ~75 minutes.
    const double gap = std::clamp(rng.LogNormal(75 * 60, 1.0), 60.0, 3 * 86400.0);
    due.push({now_s + gap, order++, key});
  }

  Revision NewItem(double now_s) {
    const auto& u = GetUniverse();
    const uint64_t key = items++;
    Story story;
    char id[160];
    std::snprintf(id, sizeof id, "%s-%07llu", options.id_prefix.c_str(),
                  static_cast<unsigned long long>(key));
    story.id = id;
    story.alert = rng.Chance(options.alert_share);
    story.japanese = rng.Chance(options.japanese_share);
    if (!story.alert && !rng.Chance(0.45)) {
      // Revised stories: median 3 versions, mean ~5, capped at 40.
      story.total_versions =
          std::min(40, 1 + static_cast<int>(std::ceil(rng.LogNormal(2.0, 1.15))));
      story.total_versions = std::max(story.total_versions, 2);
    }

    // Subject first; a follow-up item often shares the previous one's names.
    const int n_instruments = 1 + static_cast<int>(std::min<std::size_t>(3, rng.Below(10) / 4));
    if (!last_companies.empty() && rng.Chance(0.3)) {
      story.companies = last_companies;
    } else {
      while (story.companies.size() < static_cast<std::size_t>(n_instruments)) {
        std::size_t c = u.company_rank.Sample(rng);
        if (story.japanese && story.companies.empty()) {
          for (int tries = 0; tries < 50 && u.companies[c].exchange != "XTKS"; ++tries) {
            c = u.company_rank.Sample(rng);
          }
        }
        if (std::find(story.companies.begin(), story.companies.end(), c) == story.companies.end()) {
          story.companies.push_back(c);
        }
      }
    }
    last_companies = story.companies;
    const Company& subject = u.companies[story.companies[0]];

    v1::Article& a = story.fixed;
    a.set_id(story.id);
    a.set_feed(std::string(FeedFor(subject.exchange)));
    a.set_language(story.japanese ? "ja" : "en");
    a.set_urgency(story.alert ? rng.Between(1, 2) : rng.Between(3, 5));
    a.set_byline(std::string(rng.Pick(kFirstNames)) + " " + std::string(rng.Pick(kLastNames)));
    a.set_source(story.japanese ? "Newswire Tokyo bureau" : "Newswire");
    a.set_time_zone(std::string(ZoneFor(subject.exchange)));
    for (std::size_t c : story.companies) {
      auto* in = a.add_instruments();
      in->set_symbol(u.companies[c].symbol);
      in->set_exchange(u.companies[c].exchange);
    }
    const int n_topics = rng.Between(1, 5);
    std::vector<std::size_t> topics;
    for (int t = 0; t < n_topics; ++t) {
      const std::size_t topic = u.topic_rank.Sample(rng);
      if (std::find(topics.begin(), topics.end(), topic) != topics.end()) continue;
      topics.push_back(topic);
      a.add_topics(std::string(kTopics[topic]));
    }
    const auto created = kEpochS + static_cast<int64_t>(now_s);
    a.mutable_firstcreated()->set_seconds(created);
    story.version_time_s = created;

    Writer writer(rng, story);
    story.headline = writer.Headline();
    if (!story.alert) {
      // Lognormal length, median ~450 words at ~22 words a sentence.
      const double words = std::clamp(rng.LogNormal(450, 0.4), 180.0, 1100.0);
      const int n_sentences = std::clamp(static_cast<int>(words / 22), 8, 40);
      for (int s = 0; s < n_sentences; ++s) {
        // Wire paragraphs are short: one or two sentences.
        story.sentences.push_back({writer.NewSentence(0.39), s == 0 || rng.Chance(0.6)});
      }
      const int n_points = rng.Chance(0.5) ? rng.Between(2, 3) : 0;
      for (int k = 0; k < n_points; ++k) story.key_points.push_back(writer.Headline());
    }

    Revision revision = Emit(story);
    if (story.total_versions > 1) {
      Schedule(key, now_s);
      live.emplace(key, std::move(story));
    }
    return revision;
  }

  Revision Revise(Story& story, double now_s) {
    Writer writer(rng, story);
    const int version = story.emitted + 1;  // The one being made.
    story.version_time_s = kEpochS + static_cast<int64_t>(now_s);
    v1::Article& a = story.fixed;
    a.clear_signals();
    a.clear_ednote();

    // Reuters-like mix: content updates, copy edits, headline-only changes,
    // corrections; 10% near-total rewrites.
    const double kind = rng.Uniform();
    double keep = 0.75, edit = 0.17, drop = 0.07;
    double added_share = version == 2 ? 0.10 : 0.06;
    if (kind < 0.10) {  // Rewrite: most of the text replaced.
      std::vector<Sentence> kept;
      for (const auto& s : story.sentences) {
        if (rng.Chance(0.2)) kept.push_back({writer.Edit(s.text), s.paragraph_start});
      }
      const int n = std::clamp(static_cast<int>(rng.LogNormal(18, 0.35)), 8, 40);
      while (static_cast<int>(kept.size()) < n) {
        kept.insert(kept.begin() + static_cast<long>(rng.Below(kept.size() + 1)),
                    {writer.NewSentence(0.45), rng.Chance(0.6)});
      }
      kept.front().paragraph_start = true;
      story.sentences = std::move(kept);
      story.headline = writer.Headline();
      a.add_signals(v1::SIGNAL_UPDATE);
      a.set_ednote(story.japanese ? "全面的に書き換え" : "Recasts with new details throughout");
      return Emit(story);
    }
    if (kind < 0.16) {  // Headline only.
      story.headline = rng.Chance(0.5) ? writer.ChangeNumber(story.headline) : "";
      if (story.headline.empty()) story.headline = writer.Headline();
      return Emit(story);
    }
    const bool correction = kind < 0.18;
    const bool copy_edit = !correction && kind < 0.54;
    if (copy_edit) keep = 0.88, edit = 0.11, drop = 0.01, added_share = 0;
    if (correction) keep = 0.97, edit = 0.03, drop = 0, added_share = 0;

    std::vector<Sentence> next;
    const std::size_t n = story.sentences.size();
    bool corrected = false;
    for (std::size_t i = 0; i < n; ++i) {
      const Sentence& s = story.sentences[i];
      // Deletions come from the tail: the chance grows with position.
      const double p_drop = drop * 2.0 * static_cast<double>(i + 1) / static_cast<double>(n);
      const double r = rng.Uniform();
      if (i > 0 && r < p_drop) {
        if (s.paragraph_start && i + 1 < n) story.sentences[i + 1].paragraph_start = true;
        continue;
      }
      if (r < p_drop + edit || (correction && !corrected && i + 1 == n)) {
        std::string text = correction ? writer.ChangeNumber(s.text) : "";
        if (text.empty()) text = writer.Edit(s.text);
        next.push_back({std::move(text), s.paragraph_start});
        corrected = true;
      } else if (r < p_drop + edit + (1 - keep - edit - drop) && next.size() > 2) {
        // Moved: lands a few places earlier.
        next.insert(next.end() - static_cast<long>(1 + rng.Below(2)), s);
      } else {
        next.push_back(s);
      }
    }
    // New sentences land near the top, as their own paragraphs.
    const int added = static_cast<int>(std::round(added_share * static_cast<double>(next.size()) +
                                                  (added_share > 0 ? rng.Uniform() : 0)));
    for (int k = 0; k < added; ++k) {
      const std::size_t at = std::min<std::size_t>(next.size(), 1 + rng.Below(3));
      next.insert(next.begin() + static_cast<long>(at), {writer.NewSentence(0.48), true});
    }
    if (next.empty()) next.push_back({writer.NewSentence(0.39), true});
    next.front().paragraph_start = true;
    story.sentences = std::move(next);

    // Headline changes with p = 0.19 at the first update, decaying to 0.07.
    if (rng.Chance(0.07 + 0.12 * std::exp(-(version - 2) / 3.0))) {
      std::string changed = rng.Chance(0.5) ? writer.ChangeNumber(story.headline) : "";
      story.headline = changed.empty() ? writer.Headline() : changed;
    }
    if (!copy_edit && !correction && rng.Chance(0.3)) {
      story.key_points.insert(story.key_points.begin(), writer.Headline());
      if (story.key_points.size() > 4) story.key_points.pop_back();
    }
    if (correction) {
      a.add_signals(v1::SIGNAL_CORRECTION);
      a.set_ednote(story.japanese
                       ? "数字を訂正"
                       : "Corrects figure in paragraph " + std::to_string(1 + rng.Below(5)));
    } else if (!copy_edit) {
      a.add_signals(v1::SIGNAL_UPDATE);
      a.set_ednote(std::string(story.japanese ? rng.Pick(kEdnotesJa) : rng.Pick(kEdnotes)));
    }
    // A few stories are withdrawn at their last version.
    if (version == story.total_versions && rng.Chance(0.01)) {
      a.set_pubstatus(v1::PUB_STATUS_CANCELED);
      a.set_ednote(story.japanese ? "記事を取り消し" : "Story withdrawn");
    }
    return Emit(story);
  }

  Revision Emit(Story& story) {
    Revision r;
    r.alert = story.alert;
    r.version = static_cast<uint32_t>(++story.emitted);
    r.article = story.fixed;
    v1::Article& a = r.article;
    a.set_headline(story.headline);
    a.mutable_versioncreated()->set_seconds(story.version_time_s);
    for (const auto& k : story.key_points) a.add_key_points(k);
    const std::string_view joiner = story.japanese ? "" : " ";
    std::string* paragraph = nullptr;
    for (const auto& s : story.sentences) {
      if (s.paragraph_start || paragraph == nullptr) {
        paragraph = a.add_body();
      } else {
        paragraph->append(joiner);
      }
      paragraph->append(s.text);
    }
    return r;
  }
};

CorpusGenerator::CorpusGenerator(CorpusOptions options)
    : state_(std::make_unique<State>(std::move(options))) {}

CorpusGenerator::~CorpusGenerator() = default;

Revision CorpusGenerator::Next() { return state_->Next(); }

std::vector<Revision> GenerateCorpus(const CorpusOptions& options, std::size_t count) {
  CorpusGenerator generator(options);
  std::vector<Revision> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(generator.Next());
  return out;
}

}  // namespace newswire::bench
