// The access file and the key files (newswire::security): what each grants,
// and every mistake refused with a message that names it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "newswire/core/article.h"
#include "newswire/security/access_policy.h"
#include "newswire/security/keys.h"
#include "newswire/subscriber/subscriber.h"
#include "process.h"
#include "result_assertions.h"

namespace newswire::security {
namespace {

constexpr const char* kKeyA = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
constexpr const char* kKeyB = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";

std::string Entry(const std::string& name, const std::string& key, const std::string& rest) {
  return "[[identity]]\nname = \"" + name + "\"\npublic_key = \"" + key + "\"\n" + rest + "\n";
}

Error ParseError(const std::string& text) {
  auto policy = AccessPolicy::Parse(text, "access.toml");
  EXPECT_FALSE(policy) << "accepted:\n" << text;
  return policy ? Error{} : policy.error();
}

TEST(AccessPolicyTest, RolesAndGrantsSayWhatEachIdentityMayDo) {
  const std::string text =
      Entry("newsroom", kKeyA,
            "roles = [\"publisher\", \"subscriber\"]\npublish_feeds = [\"equities-asia\"]\n"
            "read_feeds = [\"equities-asia\", \"macro\"]") +
      Entry("follower", kKeyB, "roles = [\"replica\"]") +
      "[[identity]]\nname = \"ops\"\ntoken_sha256 = \"" + core::Hex(core::Sha256("s3cret")) +
      "\"\nroles = [\"operator\"]\n";
  ASSERT_OK_AND_ASSIGN(auto policy, AccessPolicy::Parse(text, "access.toml"));
  ASSERT_EQ(policy.identities().size(), 3u);

  const Identity* newsroom = policy.FindByPublicKey(kKeyA);
  ASSERT_NE(newsroom, nullptr);
  EXPECT_EQ(newsroom->name, "newsroom");
  EXPECT_TRUE(newsroom->MayPublish("equities-asia"));
  EXPECT_FALSE(newsroom->MayPublish("macro"));
  EXPECT_TRUE(newsroom->MayRead("macro"));
  EXPECT_FALSE(newsroom->MayRead("equities-us"));
  EXPECT_FALSE(newsroom->ReadsAll());
  EXPECT_FALSE(newsroom->MayOperate());
  EXPECT_FALSE(newsroom->MayReadHeld());

  const Identity* follower = policy.FindByName("follower");
  ASSERT_NE(follower, nullptr);
  EXPECT_TRUE(follower->ReadsAll());
  EXPECT_TRUE(follower->MayRead("any-feed-at-all"));
  EXPECT_TRUE(follower->MayReadHeld());
  EXPECT_FALSE(follower->MayPublish("macro"));

  const Identity* ops = policy.FindByToken("s3cret");
  ASSERT_NE(ops, nullptr);
  EXPECT_EQ(ops->name, "ops");
  EXPECT_TRUE(ops->MayOperate());
  EXPECT_TRUE(ops->SeesAllFigures());
  EXPECT_FALSE(ops->MayRead("macro"));  // Operating is not reading.
  EXPECT_EQ(policy.FindByToken("s3cre"), nullptr);
  EXPECT_EQ(policy.FindByPublicKey("not a key"), nullptr);
}

TEST(AccessPolicyTest, TheWildcardIsExplicitAndStandsAlone) {
  ASSERT_OK_AND_ASSIGN(
      auto policy,
      AccessPolicy::Parse(Entry("desk", kKeyA, "roles = [\"subscriber\"]\nread_feeds = [\"*\"]"),
                          "access.toml"));
  EXPECT_TRUE(policy.FindByName("desk")->ReadsAll());
  EXPECT_EQ(policy.FindByName("desk")->read.Describe(), "*");

  auto mixed =
      ParseError(Entry("desk", kKeyA, "roles = [\"subscriber\"]\nread_feeds = [\"*\", \"macro\"]"));
  EXPECT_NE(mixed.message.find("stands alone"), std::string::npos) << mixed.message;
  auto pattern =
      ParseError(Entry("desk", kKeyA, "roles = [\"subscriber\"]\nread_feeds = [\"equities-*\"]"));
  EXPECT_NE(pattern.message.find("'equities-*' is not a feed name"), std::string::npos)
      << pattern.message;
}

TEST(AccessPolicyTest, MistakesAreRefusedNamingTheEntry) {
  struct Case {
    std::string text;
    std::string says;
  };
  const Case cases[] = {
      {Entry("desk", kKeyA, "roles = [\"subscriber\"]\nread_feeds = [\"a\"]\nread_feed = [\"b\"]"),
       "identity 1 (desk): unknown key 'read_feed'"},
      {Entry("desk", kKeyA, "roles = [\"reader\"]"), "unknown role 'reader'"},
      {Entry("desk", kKeyA, "roles = []"), "roles must list"},
      {Entry("desk", kKeyA, "roles = [\"subscriber\"]"), "the subscriber role needs read_feeds"},
      {Entry("desk", kKeyA, "roles = [\"operator\"]\npublish_feeds = [\"a\"]"),
       "publish_feeds needs the publisher role"},
      {Entry("desk", "too-short", "roles = [\"operator\"]"), "public_key must be a 40-character"},
      {"[[identity]]\nname = \"desk\"\nroles = [\"operator\"]\n", "needs a public_key"},
      {"[[identity]]\nname = \"desk\"\ntoken_sha256 = \"abc\"\nroles = [\"operator\"]\n",
       "token_sha256 must be 64 hex digits"},
      {Entry("desk|x", kKeyA, "roles = [\"operator\"]"), "name must be"},
      {Entry("desk", kKeyA, "roles = [\"operator\"]") +
           Entry("desk", kKeyB, "roles = [\"operator\"]"),
       "identity 2 (desk): the name 'desk' is used twice"},
      {Entry("one", kKeyA, "roles = [\"operator\"]") +
           Entry("two", kKeyA, "roles = [\"operator\"]"),
       "identity 2 (two): its public_key is also one's"},
      {"[[identity]\n", "access.toml: "},
      {"identities = 3\n", "unknown key 'identities'"},
  };
  for (const auto& c : cases) {
    auto error = ParseError(c.text);
    EXPECT_EQ(error.code, v1::ERROR_CODE_MALFORMED) << c.text;
    EXPECT_NE(error.message.find(c.says), std::string::npos)
        << "expected \"" << c.says << "\" in: " << error.message;
  }
}

TEST(AccessPolicyTest, AnEmptyFileLetsNobodyIn) {
  ASSERT_OK_AND_ASSIGN(auto policy, AccessPolicy::Parse("# nobody yet\n", "access.toml"));
  EXPECT_TRUE(policy.identities().empty());
  EXPECT_EQ(policy.FindByPublicKey(kKeyA), nullptr);
}

TEST(KeyFilesTest, KeygenWritesAPrivateSecretKeyAndNeverOverwrites) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto keys, GenerateKeyPair());
  EXPECT_TRUE(IsZ85Key(keys.public_key));
  ASSERT_OK_AND_ASSIGN(auto files, WriteKeyFiles(keys, dir.path(), "desk-tokyo"));
  struct stat info {};
  ASSERT_EQ(::stat(files.secret_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_OK_AND_ASSIGN(auto read, ReadSecretKeyFile(files.secret_path));
  EXPECT_EQ(read.public_key, keys.public_key);
  EXPECT_EQ(read.secret_key, keys.secret_key);
  ASSERT_OK_AND_ASSIGN(auto public_key, ReadPublicKeyFile(files.public_path));
  EXPECT_EQ(public_key, keys.public_key);
  EXPECT_EQ(DecodeKey(keys.public_key).value_or("").size(), 32u);
  EXPECT_EQ(EncodeKey(*DecodeKey(keys.public_key)), keys.public_key);

  auto again = WriteKeyFiles(keys, dir.path(), "desk-tokyo");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("never overwritten"), std::string::npos);
  EXPECT_FALSE(WriteKeyFiles(keys, dir.path(), "../escape"));
}

TEST(KeyFilesTest, ASecretKeyOthersMayReadIsRefused) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto keys, GenerateKeyPair());
  ASSERT_OK_AND_ASSIGN(auto files, WriteKeyFiles(keys, dir.path(), "desk"));
  ::chmod(files.secret_path.c_str(), 0644);
  auto refused = ReadSecretKeyFile(files.secret_path);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("chmod 600"), std::string::npos);
  // A public key file given where a secret one belongs says so.
  auto wrong = ReadSecretKeyFile(files.public_path);
  ASSERT_FALSE(wrong);
  auto missing = ReadSecretKeyFile(dir.path() + "/nope.key");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, v1::ERROR_CODE_NOT_FOUND);
}

// A reader of some feeds follows their feed and scoped channels in place of
// the channels that mix feeds; a reader of all keeps them.
TEST(ScopeTopicsTest, MixedChannelsBecomeTheirScopedOnesInEachGrantedFeed) {
  v1::AccessReply access;
  access.set_identity("desk");
  access.mutable_read()->add_feeds("a");
  access.mutable_read()->add_feeds("b");
  ASSERT_OK_AND_ASSIGN(auto scoped,
                       subscriber::ScopeTopics({"w|", "i/XTKS:9984|", "t/M&A|", "f/c|"}, access));
  EXPECT_EQ(scoped,
            (std::vector<std::string>{"f/a|", "f/b|", "f/a/i/XTKS:9984|", "f/b/i/XTKS:9984|",
                                      "f/a/t/M&A|", "f/b/t/M&A|", "f/c|"}));
  access.mutable_read()->set_all(true);
  ASSERT_OK_AND_ASSIGN(auto all, subscriber::ScopeTopics({"w|", "i/XTKS:9984|"}, access));
  EXPECT_EQ(all, (std::vector<std::string>{"w|", "i/XTKS:9984|"}));
  access.mutable_read()->Clear();
  auto none = subscriber::ScopeTopics({"w|"}, access);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, v1::ERROR_CODE_UNAUTHORIZED);
}

}  // namespace
}  // namespace newswire::security
