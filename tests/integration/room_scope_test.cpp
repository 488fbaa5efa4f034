// Room-scoped tokens (API.md "Auth": a token for one room "sees and joins only that room").
// A token scoped to room B is tried on every route of room A, every method, reads and
// writes alike, each time by the user who could make that call with an all-rooms token
// (the owner for owner actions, a member for member actions, the seat's user for seats),
// so the 403 comes from the room check and nothing else. The table is checked against
// docs/openapi.yaml: a new /v1/rooms/{id} route without a row fails here.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "harness.hpp"
#include "ws_client.hpp"

namespace onair::testing {
namespace {
namespace json = boost::json;

struct RoomRoute {
  const char* method;
  const char* path;  // as in docs/openapi.yaml; {id} is room A, {user} is `user`, {pk} the PK
  const char* body;
  const char* who;   // whose token (scoped to room B) makes the call
  const char* user;  // fills {user}
  bool room_check;   // the refusal names the room ("the token does not grant room A")
  const char* content_type = nullptr;
};

// Every /v1/rooms/{id} route, then the other routes that act on a room.
const RoomRoute kRoutes[] = {
    {"GET", "/v1/rooms/{id}", "", "carol", "", true},
    {"PATCH", "/v1/rooms/{id}", R"({"title":"taken over"})", "alice", "", true},
    {"DELETE", "/v1/rooms/{id}", "", "alice", "", true},
    {"POST", "/v1/rooms/{id}/join", "", "dave", "", true},
    {"POST", "/v1/rooms/{id}/leave", "", "carol", "", true},
    {"POST", "/v1/rooms/{id}/heartbeat", "", "carol", "", true},
    {"GET", "/v1/rooms/{id}/members", "", "carol", "", true},
    {"POST", "/v1/rooms/{id}/members/{user}/kick", "", "alice", "carol", true},
    {"POST", "/v1/rooms/{id}/members/{user}/mute", R"({"seconds":600})", "alice", "carol", true},
    {"GET", "/v1/rooms/{id}/seats", "", "carol", "", true},
    {"POST", "/v1/rooms/{id}/seats", "", "carol", "", true},
    {"POST", "/v1/rooms/{id}/seats/requests", "", "carol", "", true},
    {"GET", "/v1/rooms/{id}/seats/requests", "", "alice", "", true},
    {"POST", "/v1/rooms/{id}/seats/requests/{user}/accept", "", "alice", "erin", true},
    {"POST", "/v1/rooms/{id}/seats/requests/{user}/reject", "", "alice", "erin", true},
    {"POST", "/v1/rooms/{id}/seats/invitations", R"({"user":"carol"})", "alice", "", true},
    {"POST", "/v1/rooms/{id}/seats/invitations/accept", "", "frank", "", true},
    {"POST", "/v1/rooms/{id}/seats/invitations/reject", "", "frank", "", true},
    {"DELETE", "/v1/rooms/{id}/seats/{user}", "", "grace", "grace", true},
    {"PATCH", "/v1/rooms/{id}/seats/{user}", R"({"audio_muted":true})", "grace", "grace", true},
    {"POST", "/v1/rooms/{id}/gifts", R"({"gift_id":1,"amount":1,"biz_id":"foreign-1"})", "carol", "", true},
    {"GET", "/v1/rooms/{id}/gifts", "", "carol", "", true},
    {"GET", "/v1/rooms/{id}/gifts/rank", "", "carol", "", true},
    {"POST", "/v1/rooms/{id}/likes", R"({"count":5})", "carol", "", true},
    {"POST", "/v1/rooms/{id}/messages", R"({"type":"notice","body":{"text":"hi"}})", "carol", "", true},
    // PK: the anchor of A acts for A only with a token for A.
    {"POST", "/v1/pk", R"({"from_room":"{id}","to_room":"{b}"})", "alice", "", true},
    {"GET", "/v1/pk/{pk}", "", "alice", "", false},
    {"POST", "/v1/pk/{pk}/accept", "", "alice", "", false},
    {"POST", "/v1/pk/{pk}/reject", "", "alice", "", false},
    {"POST", "/v1/pk/{pk}/end", "", "alice", "", false},
    // WebRTC with a bearer token: only streams of rooms the token grants.
    {"POST", "/v1/whip/{id}-alice", "v=0\r\n", "alice", "", true, "application/sdp"},
    {"POST", "/v1/whep/{id}-alice", "v=0\r\n", "carol", "", true, "application/sdp"},
};

std::string fill(std::string s, const std::map<std::string, std::string>& vars) {
  for (const auto& [k, v] : vars)
    for (size_t at; (at = s.find(k)) != std::string::npos;) s.replace(at, k.size(), v);
  return s;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST(RoomScope, TableCoversEveryRoomRouteInTheOpenApiDocument) {
  YAML::Node doc = YAML::LoadFile(std::string(ONAIR_SOURCE_DIR) + "/docs/openapi.yaml");
  std::set<std::pair<std::string, std::string>> table;
  for (const auto& r : kRoutes) table.emplace(r.method, r.path);
  std::vector<std::string> missing;
  int room_routes = 0;
  for (const auto& path : doc["paths"]) {
    auto p = path.first.as<std::string>();
    if (!p.starts_with("/v1/rooms/{id}")) continue;
    for (const char* m : {"get", "put", "post", "patch", "delete"}) {
      if (!path.second[m]) continue;
      ++room_routes;
      if (!table.contains({upper(m), p})) missing.push_back(upper(m) + " " + p);
    }
  }
  EXPECT_GE(room_routes, 25);
  EXPECT_TRUE(missing.empty()) << "room routes without a foreign-token row in kRoutes: " << [&] {
    std::string s;
    for (const auto& m : missing) s += "\n  " + m;
    return s;
  }();
}

TEST(RoomScope, TokenScopedToAnotherRoomIsRefusedOnEveryRouteOfThisRoom) {
  Server s("gifts:\n  catalog:\n    - {id: 1, name: rose, price: 1}\n");
  s.start();
  // Room A with its owner, a member, a pending seat request, a pending invitation, a
  // seated co-host and an incoming PK invitation; rooms B and C beside it.
  std::map<std::string, std::string> all;  // user -> token for all rooms
  for (const char* u : {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "henry"})
    all[u] = s.token(u, std::string(u) + " name");
  auto a = s.post("/v1/rooms", R"({"kind":"live","title":"Room A","max_seats":4})", all["alice"]).str("id");
  auto b = s.post("/v1/rooms", R"({"kind":"live","title":"Room B"})", all["bob"]).str("id");
  auto c = s.post("/v1/rooms", R"({"kind":"live","title":"Room C"})", all["henry"]).str("id");
  ASSERT_FALSE(a.empty() || b.empty() || c.empty());
  for (const char* u : {"alice", "carol", "erin", "frank", "grace"})
    ASSERT_EQ(s.post("/v1/rooms/" + a + "/join", "", all[u]).status, 200) << u;
  ASSERT_EQ(s.post("/v1/rooms/" + b + "/join", "", all["bob"]).status, 200);
  ASSERT_EQ(s.post("/v1/rooms/" + c + "/join", "", all["henry"]).status, 200);
  ASSERT_EQ(s.post("/v1/rooms/" + a + "/seats/requests", "", all["grace"]).status, 201);
  ASSERT_EQ(s.post("/v1/rooms/" + a + "/seats/requests/grace/accept", "", all["alice"]).status, 200);
  ASSERT_EQ(s.post("/v1/rooms/" + a + "/seats/requests", "", all["erin"]).status, 201);
  ASSERT_EQ(s.post("/v1/rooms/" + a + "/seats/invitations", R"({"user":"frank"})", all["alice"]).status, 201);
  auto pk = s.post("/v1/pk", R"({"from_room":")" + c + R"(","to_room":")" + a + R"("})", all["henry"]);
  ASSERT_EQ(pk.status, 201) << pk.body;
  std::map<std::string, std::string> vars{{"{id}", a}, {"{b}", b}, {"{pk}", pk.str("id")}};

  for (const auto& r : kRoutes) {
    auto v = vars;
    v["{user}"] = r.user;
    std::string target = fill(r.path, v);
    std::map<std::string, std::string> headers;
    if (r.content_type) headers["Content-Type"] = r.content_type;
    std::string in_b = s.token(r.who, std::string(r.who) + " name", b);
    auto res = http_call(s.port(), r.method, target, fill(r.body, v), in_b, headers);
    std::string where = std::string(r.method) + " " + r.path + " by " + r.who + " with a token for room B";
    EXPECT_EQ(res.status, 403) << where << ": " << res.body;
    auto body = res.json();
    ASSERT_TRUE(body.is_object() && body.as_object().contains("error")) << where << ": " << res.body;
    auto err = body.at("error").as_object();
    EXPECT_EQ(err.at("code"), "permission_denied") << where;
    if (r.room_check)
      EXPECT_EQ(std::string(err.at("message").as_string()), "the token does not grant room " + a) << where;
  }

  // Nothing changed in room A.
  auto room = s.get("/v1/rooms/" + a, all["alice"]);
  ASSERT_EQ(room.status, 200) << room.body;
  auto ro = room.json().as_object();
  EXPECT_EQ(ro.at("title"), "Room A");
  EXPECT_EQ(ro.at("status"), "idle");
  EXPECT_EQ(ro.at("online").to_number<int64_t>(), 5);
  auto seats = ro.at("seats").as_array();
  ASSERT_EQ(seats.size(), 2u);
  EXPECT_EQ(seats[1].at("user"), "grace");
  EXPECT_FALSE(seats[1].at("audio_muted").as_bool());
  auto members = s.get("/v1/rooms/" + a + "/members", all["alice"]).json().at("members").as_array();
  for (const auto& m : members) {
    if (m.at("user") == "carol") EXPECT_FALSE(m.as_object().contains("muted_until")) << json::serialize(m);
    EXPECT_NE(m.at("user"), "dave");
  }
  auto offers = s.get("/v1/rooms/" + a + "/seats/requests", all["alice"]);
  ASSERT_EQ(offers.status, 200) << offers.body;
  EXPECT_EQ(offers.json().at("requests").as_array().size(), 2u) << offers.body;  // erin's, frank's
  EXPECT_TRUE(s.get("/v1/rooms/" + a + "/gifts", all["carol"]).json().at("gifts").as_array().empty());
  EXPECT_EQ(s.get("/v1/pk/" + pk.str("id"), all["alice"]).str("status"), "inviting");

  // The same users with all-rooms tokens are not refused: the refusals were the scope's.
  EXPECT_EQ(s.get("/v1/rooms/" + a + "/seats", all["carol"]).status, 200);
  EXPECT_EQ(s.post("/v1/rooms/" + a + "/likes", R"({"count":5})", all["carol"]).status, 200);
  EXPECT_EQ(s.patch("/v1/rooms/" + a + "/seats/grace", R"({"audio_muted":true})", all["grace"]).status, 200);
  EXPECT_EQ(s.post("/v1/rooms/" + a + "/members/carol/mute", R"({"seconds":60})", all["alice"]).status, 200);
  // And a token for room A itself works on room A.
  EXPECT_EQ(s.post("/v1/rooms/" + a + "/heartbeat", "", s.token("carol", "carol name", a)).status, 204);
  EXPECT_EQ(s.post("/v1/pk/" + pk.str("id") + "/accept", "", s.token("alice", "alice name", a)).status, 200);
}

TEST(RoomScope, RealtimeRefusesRoomMessagesWithATokenForAnotherRoom) {
  Server s;
  s.start();
  auto a = s.post("/v1/rooms", R"({"kind":"meeting"})", s.token("olga")).str("id");
  auto b = s.post("/v1/rooms", R"({"kind":"meeting"})", s.token("olga")).str("id");
  ASSERT_EQ(s.post("/v1/rooms/" + a + "/join", "", s.token("carol")).status, 200);
  WsClient ws(s.port(), "/v1/rt?token=" + s.token("carol", "Carol", b));
  ASSERT_TRUE(ws.wait_type("welcome"));
  int id = 0;
  for (json::object msg : {json::object{{"type", "subscribe"}},
                           json::object{{"type", "chat"}, {"text", "hello"}},
                           json::object{{"type", "danmaku"}, {"text", "hello"}},
                           json::object{{"type", "like"}, {"count", 3}},
                           json::object{{"type", "custom"}, {"data", json::object{{"k", 1}}}}}) {
    msg["room"] = a;
    msg["id"] = ++id;
    ws.send(msg);
    auto reply = ws.wait_for([&](const json::object& o) { return o.contains("id") && o.at("id") == id; });
    ASSERT_TRUE(reply) << msg.at("type").as_string();
    EXPECT_EQ(reply->at("type"), "error") << json::serialize(*reply);
    EXPECT_EQ(reply->at("code"), "permission_denied") << json::serialize(*reply);
  }
}

}  // namespace
}  // namespace onair::testing
