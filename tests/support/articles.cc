#include "articles.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <google/protobuf/util/json_util.h>

#include "daemon.h"
#include "newswire/core/article_json.h"

namespace newswire::testing {

std::string Numbered(const std::string& prefix, long long n) {
  std::string out = prefix;
  out += std::to_string(n);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

void WriteArticleJson(const std::string& path, const v1::Article& article) {
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(article, &json);
  if (!status.ok()) throw std::runtime_error(std::string(status.message()));
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << json;
  if (!file) throw std::runtime_error("cannot write " + path);
}

v1::Article ExampleStory(int version) {
  auto path = ExamplesDir() + "/tokyo-talks/v" + std::to_string(version) + ".json";
  auto article = core::ArticleFromJson(ReadFile(path));
  if (!article) throw std::runtime_error(path + ": " + article.error().message);
  return std::move(*article);
}

v1::Article MakeArticle(const std::string& id, const std::string& headline, int paragraphs) {
  v1::Article article;
  article.set_id(id);
  article.set_feed("test-feed");
  article.set_headline(headline);
  article.set_language("en");
  article.set_time_zone("Asia/Tokyo");
  for (int i = 0; i < paragraphs; ++i) {
    article.add_body("Paragraph " + std::to_string(i + 1) + " of " + id +
                     ", with enough words to make a diff worth sending.");
  }
  auto* instrument = article.add_instruments();
  instrument->set_symbol("9984");
  instrument->set_exchange("XTKS");
  article.add_topics("markets");
  return article;
}

}  // namespace newswire::testing
