// Articles for tests: the example story, and small generated ones.
#pragma once

#include <string>

#include "newswire/v1/article.pb.h"

namespace newswire::testing {

// examples/tokyo-talks/vN.json parsed (N = 1 or 2).
v1::Article ExampleStory(int version);

// A small valid article: id, feed, headline and `paragraphs` body lines.
v1::Article MakeArticle(const std::string& id, const std::string& headline, int paragraphs = 3);

std::string ReadFile(const std::string& path);

// Writes `article` to `path` as the JSON the CLI reads (protobuf mapping).
void WriteArticleJson(const std::string& path, const v1::Article& article);

// prefix + n, e.g. Numbered("s", 7) == "s7". (Spelled out as "s" +
// std::to_string(n), GCC 12 warns falsely (-Wrestrict) at -O3.)
std::string Numbered(const std::string& prefix, long long n);

}  // namespace newswire::testing
