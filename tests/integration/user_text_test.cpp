// Text people see, over HTTP: control characters (C0 with tab and newline, DEL, C1) in a
// room title, a display name or any other string a client sends are 400 invalid_argument
// naming the field; a token whose name claim carries them is not accepted; text in any
// script passes untouched.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace onair::testing {
namespace {
namespace json = boost::json;

// JSON escapes of every kind of control character, as a client would send them.
const char* const kControls[] = {R"(\u0000)", R"(\t)", R"(\n)", R"(\r)", R"(\u001b[2J)",
                                 R"(\u001f)", R"(\u007f)", R"(\u0080)", R"(\u0085)", R"(\u009f)"};

struct ApiError {
  int status;
  std::string code, message;
};

ApiError error_of(const HttpResult& r) {
  ApiError e{r.status, "", ""};
  auto v = r.json();
  if (v.is_object() && v.as_object().contains("error")) {
    e.code = std::string(v.at("error").at("code").as_string());
    e.message = std::string(v.at("error").at("message").as_string());
  }
  return e;
}

// 400 invalid_argument whose message starts with "<field>:".
::testing::AssertionResult refused_naming(const HttpResult& r, const std::string& field) {
  ApiError e = error_of(r);
  if (e.status == 400 && e.code == "invalid_argument" && e.message.starts_with(field + ":"))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "status " << r.status << " body " << r.body;
}

TEST(UserText, ControlCharactersInStringFieldsAre400NamingTheField) {
  Server s("gifts:\n  catalog:\n    - {id: 1, name: rose, price: 1}\n");
  s.start();
  auto alice = s.token("alice", "Alice");
  auto admin = s.admin();
  for (const char* c : kControls) {
    SCOPED_TRACE(c);
    std::string title = std::string("Live") + c + "show";
    EXPECT_TRUE(refused_naming(s.post("/v1/rooms", R"({"kind":"live","title":")" + title + R"("})", alice), "title"));
    EXPECT_TRUE(refused_naming(
        s.post("/v1/tokens", R"({"user":"bob","name":"Bob)" + std::string(c) + R"("})", admin), "name"));
  }
  // Nothing was created by the refused requests.
  EXPECT_TRUE(s.get("/v1/rooms", alice).json().at("rooms").as_array().empty());

  // Titles in any script, emoji, and the other fields pass; a title cannot be changed to one
  // with a NUL either.
  auto created = s.post("/v1/rooms", R"({"kind":"live","title":"\u76f4\u64ad \ud83c\udf81 caf\u00e9 \u00a0ok"})", alice);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = created.str("id");
  EXPECT_EQ(created.str("title"), "\xe7\x9b\xb4\xe6\x92\xad \xf0\x9f\x8e\x81 caf\xc3\xa9 \xc2\xa0ok");
  EXPECT_TRUE(refused_naming(s.patch("/v1/rooms/" + id, R"({"title":"a\u0000b"})", alice), "title"));
  EXPECT_EQ(s.get("/v1/rooms/" + id, alice).str("title"), created.str("title"));

  // Other strings a client supplies: gift fields, seat invitations, PK rooms.
  ASSERT_EQ(s.post("/v1/rooms/" + id + "/join", "", alice).status, 200);
  auto bob = s.token("bob", "Bob");
  ASSERT_EQ(s.post("/v1/rooms/" + id + "/join", "", bob).status, 200);
  EXPECT_TRUE(refused_naming(
      s.post("/v1/rooms/" + id + "/gifts", R"({"gift_id":1,"biz_id":"b\n1"})", bob), "biz_id"));
  EXPECT_TRUE(refused_naming(
      s.post("/v1/rooms/" + id + "/gifts", R"({"gift_id":1,"biz_id":"b-1","to":"alice\u0000"})", bob), "to"));
  EXPECT_TRUE(refused_naming(s.post("/v1/rooms/" + id + "/seats/invitations", R"({"user":"bob\u001b"})", alice), "user"));
  EXPECT_TRUE(refused_naming(
      s.post("/v1/pk", R"({"from_room":")" + id + R"(\u0000","to_room":"1"})", alice), "from_room"));
  EXPECT_TRUE(s.get("/v1/rooms/" + id + "/gifts", alice).json().at("gifts").as_array().empty());

  // A name through POST /v1/tokens without control characters is fine, and is what members see.
  auto minted = s.post("/v1/tokens", R"({"user":"carol","name":"Carol \u00e9"})", admin);
  ASSERT_EQ(minted.status, 200) << minted.body;
  auto joined = s.post("/v1/rooms/" + id + "/join", "", minted.str("token"));
  ASSERT_EQ(joined.status, 200) << joined.body;
  EXPECT_EQ(std::string(joined.json().at("member").at("name").as_string()), "Carol \xc3\xa9");
}

// Tokens minted elsewhere with the API secret carry names too; they end up in member lists,
// chat and gifts, so the same rule holds when the token is read.
TEST(UserText, TokenWhoseNameHasControlCharactersIsNotAccepted) {
  Server s;
  s.start();
  auto id = s.post("/v1/rooms", R"({"kind":"meeting"})", s.token("olga")).str("id");
  for (const std::string name : {std::string("Mallory\0Admin", 13), std::string("two\nlines"),
                                 std::string("\x1b[31mred"), std::string("c1\xc2\x9b")}) {
    auto r = s.post("/v1/rooms/" + id + "/join", "", s.token("mallory", name, id));
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(error_of(r).message, "token name has control characters") << r.body;
  }
  EXPECT_EQ(s.get("/v1/rooms/" + id, s.token("olga")).json().at("online").to_number<int64_t>(), 0);
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/join", "", s.token("mallory", "Mallory", id)).status, 200);
}

}  // namespace
}  // namespace onair::testing
