// Bad input gets the API error model (never a 500, never a crash) and closes only what it
// must: malformed JSON, wrong types, unknown enums, oversize bodies and headers, broken
// HTTP, missing/expired/forged tokens, and audience members trying an anchor's actions.
#include <gtest/gtest.h>

#include "auth/token.hpp"
#include "core/ids.hpp"
#include "harness.hpp"

namespace onair::testing {
namespace {
namespace json = boost::json;

std::string code_of(const HttpResult& r) {
  auto v = r.json();
  if (!v.is_object() || !v.as_object().contains("error")) return "<no error object: " + r.body + ">";
  return std::string(v.as_object()["error"].as_object()["code"].as_string());
}

class BadInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new Server("http: {max_body_bytes: 4096, max_header_bytes: 2048}\n");
    server_->start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void TearDown() override {
    // Whatever a test sent, the server is still up and answering.
    EXPECT_EQ(server_->get("/healthz", "").status, 200);
  }
  static Server* server_;
};
Server* BadInput::server_ = nullptr;

TEST_F(BadInput, MalformedJsonIs400) {
  auto& s = *server_;
  auto t = s.token("u");
  for (const char* body : {"{", "{\"kind\":", "nope", "[1,2]", "\"live\"", "{\"kind\":\"live\"}}",
                           "{\"kind\":\"live\",}", "\xff\xfe"}) {
    auto r = s.post("/v1/rooms", body, t);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(code_of(r), "invalid_argument") << body;
  }
}

TEST_F(BadInput, WrongTypesAndUnknownEnumsNameTheField) {
  auto& s = *server_;
  auto t = s.token("u");
  struct Case {
    const char* body;
    const char* field;
  } cases[] = {{R"({"kind":1})", "kind"},
               {R"({"kind":"disco"})", "kind"},
               {R"({"kind":"live","title":42})", "title"},
               {R"({"kind":"live","max_seats":"4"})", "max_seats"},
               {R"({"kind":"live","max_seats":1.5})", "max_seats"},
               {R"({"kind":"live","max_seats":99999999999999999999})", "max_seats"},
               {R"({"kind":"live","metadata":"x"})", "metadata"},
               {R"({"kind":"meeting","max_members":-1})", "max_members"}};
  for (const auto& c : cases) {
    auto r = s.post("/v1/rooms", c.body, t);
    EXPECT_EQ(r.status, 400) << c.body;
    auto msg = r.json().as_object()["error"].as_object()["message"].as_string();
    EXPECT_TRUE(std::string(msg).starts_with(c.field)) << c.body << " -> " << msg;
  }
  auto long_title = std::string(R"({"kind":"live","title":")") + std::string(500, 'x') + "\"}";
  EXPECT_EQ(s.post("/v1/rooms", long_title, t).status, 400);
  EXPECT_EQ(s.get("/v1/rooms?status=burning", t).status, 400);
  EXPECT_EQ(s.get("/v1/rooms?limit=0", t).status, 400);
  EXPECT_EQ(s.get("/v1/rooms?limit=abc", t).status, 400);
  EXPECT_EQ(s.get("/v1/rooms?cursor=zzz", t).status, 400);
  auto id = s.post("/v1/rooms", R"({"kind":"live"})", t).str("id");
  s.post("/v1/rooms/" + id + "/join", "", t);
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/members/u/mute", R"({"seconds":"long"})", t).status, 400);
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/likes", R"({"count":0})", t).status, 400);
  EXPECT_EQ(s.patch("/v1/rooms/" + id + "/seats/u", R"({"audio_muted":"yes"})", t).status, 400);
  EXPECT_EQ(s.post("/v1/tokens", R"({"user":"x","role":"king"})", s.admin()).status, 400);
  EXPECT_EQ(s.post("/v1/tokens", R"({"user":"bad user"})", s.admin()).status, 400);
  EXPECT_EQ(s.post("/v1/tokens", R"({"user":"x","grants":{"fly":true}})", s.admin()).status, 400);
}

TEST_F(BadInput, OversizeBodyIs413AndOversizeHeadersAre431) {
  auto& s = *server_;
  auto t = s.token("u");
  std::string big = R"({"kind":"live","title":")" + std::string(8000, 'x') + "\"}";
  auto r = s.post("/v1/rooms", big, t);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(code_of(r), "payload_too_large");
  auto h = http_call(s.port(), "GET", "/healthz", "", "", {{"X-Padding", std::string(4000, 'p')}});
  EXPECT_EQ(h.status, 431);
}

TEST_F(BadInput, BrokenHttpGets400AndOnlyThatConnectionCloses) {
  auto& s = *server_;
  std::string reply = raw_exchange(s.port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(reply.find("400"), std::string::npos) << reply;
  reply = raw_exchange(s.port(), "GET /healthz HTTP/1.1\r\nContent-Length: -5\r\n\r\n");
  EXPECT_NE(reply.find("400"), std::string::npos) << reply;
  reply = raw_exchange(s.port(), std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
  EXPECT_EQ(reply.find("200"), std::string::npos);
  EXPECT_EQ(s.get("/nowhere", "").status, 404);
  EXPECT_EQ(http_call(s.port(), "PUT", "/v1/rooms", "{}", s.token("u")).status, 405);
}

TEST_F(BadInput, MissingExpiredAndForgedTokensAre401) {
  auto& s = *server_;
  EXPECT_EQ(code_of(s.get("/v1/rooms", "")), "unauthenticated");
  EXPECT_EQ(s.get("/v1/rooms", "garbage").status, 401);
  EXPECT_EQ(http_call(s.port(), "GET", "/v1/rooms", "", "", {{"Authorization", "Basic abc"}}).status, 401);
  auto expired = s.token("u", "", "*", false, true, -120);
  auto r = s.get("/v1/rooms", expired);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("expired"), std::string::npos);
  // Signed with a secret the server does not know, under the server's key id.
  auth::TokenKeys forger(std::map<std::string, std::string>{{Server::kKey, "not-the-real-secret-at-all"}});
  auth::Claims c;
  c.sub = "mallory";
  c.exp = unix_s() + 600;
  c.grants.admin = true;
  EXPECT_EQ(s.get("/v1/rooms", forger.sign(c)).status, 401);
  // Through ?token= as well.
  EXPECT_EQ(s.get("/v1/rooms?token=" + s.token("u"), "").status, 200);
  EXPECT_EQ(s.get("/v1/rooms?token=" + forger.sign(c), "").status, 401);
}

TEST_F(BadInput, AudienceCannotTakeTheAnchorsActions) {
  auto& s = *server_;
  auto anchor = s.token("anchor"), viewer = s.token("viewer"), other = s.token("other");
  auto id = s.post("/v1/rooms", R"({"kind":"live","title":"t"})", anchor).str("id");
  for (auto* t : {&anchor, &viewer, &other}) s.post("/v1/rooms/" + id + "/join", "", *t);
  ASSERT_EQ(s.post("/v1/rooms/" + id + "/seats/requests", "", other).status, 201);
  std::vector<std::pair<std::string, std::string>> anchor_only = {
      {"PATCH", "/v1/rooms/" + id},
      {"DELETE", "/v1/rooms/" + id},
      {"POST", "/v1/rooms/" + id + "/members/other/kick"},
      {"POST", "/v1/rooms/" + id + "/members/other/mute"},
      {"POST", "/v1/rooms/" + id + "/seats/requests/other/accept"},
      {"POST", "/v1/rooms/" + id + "/seats/invitations"},
      {"DELETE", "/v1/rooms/" + id + "/seats/anchor"},
      {"PATCH", "/v1/rooms/" + id + "/seats/anchor"},
      {"POST", "/v1/tokens"},
      {"GET", "/v1/admin/stats"},
  };
  for (const auto& [method, path] : anchor_only) {
    std::string body = method == "DELETE" ? "" : R"({"title":"x","seconds":5,"user":"other","audio_muted":true})";
    auto r = http_call(s.port(), method, path, body, viewer);
    EXPECT_EQ(r.status, 403) << method << " " << path << " " << r.body;
    EXPECT_EQ(code_of(r), "permission_denied") << method << " " << path;
  }
  // A token for another room cannot even join; an audience token cannot create rooms.
  auto elsewhere = s.token("x", "", "999");
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/join", "", elsewhere).status, 403);
  EXPECT_EQ(s.post("/v1/rooms", R"({"kind":"live"})", s.token("y", "", "*", false, false)).status, 403);
  // The room is unchanged.
  auto room = s.get("/v1/rooms/" + id, anchor).json().as_object();
  EXPECT_EQ(room["title"], "t");
  EXPECT_EQ(room["online"].as_int64(), 3);
}

TEST_F(BadInput, UnknownIdsAre404) {
  auto& s = *server_;
  auto t = s.token("u");
  EXPECT_EQ(s.get("/v1/rooms/12345", t).status, 404);
  EXPECT_EQ(s.post("/v1/rooms/12345/join", "", t).status, 404);
  EXPECT_EQ(s.post("/v1/pk/777/accept", "", t).status, 404);
  EXPECT_EQ(s.post("/v1/rooms/12345/gifts", R"({"gift_id":1,"biz_id":"z"})", t).status, 404);
}

}  // namespace
}  // namespace onair::testing
