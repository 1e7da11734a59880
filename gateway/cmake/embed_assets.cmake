# Writes OUTPUT: a C++ file holding each of FILES (url=path pairs, split by
# ';') as bytes, and FindAsset() over them. Run by add_custom_command.
set(entries "")
set(arrays "")
set(index 0)
foreach(pair IN LISTS FILES)
  string(FIND "${pair}" "=" eq)
  string(SUBSTRING "${pair}" 0 ${eq} url)
  math(EXPR start "${eq} + 1")
  string(SUBSTRING "${pair}" ${start} -1 path)
  file(READ "${path}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  string(APPEND arrays "const char kAsset${index}[] = {${bytes} 0};\n")
  string(APPEND entries "    {\"${url}\", ContentTypeFor(\"${url}\"), {kAsset${index}, ${size}}},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from gateway/www by embed_assets.cmake; do not edit.
#include \"assets.h\"

#include <array>

namespace newswire::gateway {
namespace {
${arrays}}  // namespace

const Asset* FindAsset(std::string_view path) {
  static const Asset kAssets[] = {
${entries}  };
  for (const auto& asset : kAssets) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

}  // namespace newswire::gateway
")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
