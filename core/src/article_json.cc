#include "newswire/core/article_json.h"

#include <map>
#include <string>
#include <vector>

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include "newswire/core/time.h"

namespace newswire::core {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using Json = nlohmann::json;

// The field a JSON key names: protobuf's JSON parser takes the proto name
// ("key_points") and the JSON name ("keyPoints").
const FieldDescriptor* FindField(const Descriptor& message, const std::string& key) {
  if (const FieldDescriptor* field = message.FindFieldByName(key)) return field;
  for (int i = 0; i < message.field_count(); ++i) {
    if (message.field(i)->json_name() == key) return message.field(i);
  }
  return nullptr;
}

// Walks the JSON events, knowing at each point which message and field of
// the schema they belong to, and stops at the first ambiguous key or bad
// time. Unknown keys and wrong types are left to protobuf's parser.
class StrictReader final : public nlohmann::json_sax<Json> {
 public:
  const std::string& error() const { return error_; }

  bool null() override { return Scalar(); }
  bool boolean(bool) override { return Scalar(); }
  bool number_integer(number_integer_t) override { return Scalar(); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(); }
  bool number_float(number_float_t, const string_t&) override { return Scalar(); }
  bool binary(binary_t&) override { return Scalar(); }

  bool string(string_t& value) override {
    const FieldDescriptor* field = ValueField();
    if (field && field->message_type() == google::protobuf::Timestamp::descriptor()) {
      if (auto time = ParseRfc3339(value); !time) {
        return Refuse(Where() + ": " + time.error().message);
      }
    }
    return Scalar();
  }

  bool start_object(std::size_t) override {
    const FieldDescriptor* field = ValueField();
    Frame frame;
    frame.message =
        frames_.empty() ? v1::Article::descriptor() : (field ? field->message_type() : nullptr);
    frame.path = Where();
    frames_.push_back(std::move(frame));
    return true;
  }

  bool key(string_t& name) override {
    Frame& object = frames_.back();
    const FieldDescriptor* field = nullptr;
    if (object.message) field = FindField(*object.message, name);
    const std::string canonical = field ? field->name() : name;
    if (auto [it, fresh] = object.keys.emplace(canonical, name); !fresh) {
      const std::string in = object.path.empty() ? "" : " in " + object.path;
      if (it->second == name) return Refuse("key \"" + name + "\" appears twice" + in);
      return Refuse("keys \"" + it->second + "\" and \"" + name + "\" both set " + canonical + in);
    }
    object.field = field;
    object.key = name;
    return true;
  }

  bool end_object() override { return Close(); }

  bool start_array(std::size_t) override {
    Frame frame;
    frame.array = true;
    frame.field = ValueField();
    frame.path = Where();
    frames_.push_back(std::move(frame));
    return true;
  }

  bool end_array() override { return Close(); }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: ..."
    if (auto start = what.find("] "); start != std::string::npos) what = what.substr(start + 2);
    return Refuse("not JSON (byte " + std::to_string(position) + "): " + what);
  }

 private:
  struct Frame {
    bool array = false;
    const Descriptor* message = nullptr;      // Objects: the message it encodes.
    const FieldDescriptor* field = nullptr;   // The current key's (or the array's) field.
    std::string key;                          // The current key as written.
    std::string path;                         // "instruments[1]", for errors.
    std::size_t items = 0;                    // Arrays: values so far.
    std::map<std::string, std::string> keys;  // Field name -> key as written.
  };

  // The field the next value belongs to: the current key's, or the array's.
  const FieldDescriptor* ValueField() const {
    return frames_.empty() ? nullptr : frames_.back().field;
  }

  // "embargoed", "instruments[1].symbol": where the next value goes.
  std::string Where() const {
    if (frames_.empty()) return "";
    const Frame& top = frames_.back();
    if (top.array) return top.path + "[" + std::to_string(top.items) + "]";
    return top.path.empty() ? top.key : top.path + "." + top.key;
  }

  bool Scalar() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().items;
    return true;
  }

  bool Close() {
    frames_.pop_back();
    return Scalar();  // A closed object or array is one value of its parent.
  }

  bool Refuse(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  std::vector<Frame> frames_;
  std::string error_;
};

}  // namespace

Result<v1::Article> ArticleFromJson(std::string_view json) {
  StrictReader reader;
  if (!Json::sax_parse(json.begin(), json.end(), &reader) || !reader.error().empty()) {
    return Fail(v1::ERROR_CODE_INVALID_ARTICLE,
                reader.error().empty() ? "not JSON" : reader.error());
  }
  v1::Article article;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &article, options);
  if (!status.ok()) {
    return Fail(v1::ERROR_CODE_INVALID_ARTICLE,
                "not an Article in protobuf JSON: " + std::string(status.message()));
  }
  return article;
}

}  // namespace newswire::core
