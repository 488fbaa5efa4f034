// kill -9 and restart: rooms, seats, PKs, the gift ledger and the webhook queue come back;
// no gift is lost or doubled; webhooks queued before the crash still reach their receiver.
#include <gtest/gtest.h>

#include <set>

#include "auth/crypto.hpp"
#include "harness.hpp"
#include "media_clients.hpp"

namespace onair::testing {
namespace {
namespace json = boost::json;

TEST(Durability, KillNineAndRestartKeepsStateGiftsAndWebhooks) {
  // The webhook receiver is down at first: every delivery fails and stays queued.
  uint16_t hook_port = free_port();
  Server s("webhooks:\n  - {url: \"http://127.0.0.1:" + std::to_string(hook_port) +
           "/hook\", secret: s3cr3t}\nwebhook_delivery: {backoff_ms: 200, max_backoff_ms: 400}\n"
           "gifts:\n  catalog:\n    - {id: 7, name: star, price: 10}\n");
  s.start();
  auto a = s.token("a"), b = s.token("b"), v = s.token("v");
  auto ra = s.post("/v1/rooms", R"({"kind":"live","title":"A"})", a).str("id");
  auto rb = s.post("/v1/rooms", R"({"kind":"live","title":"B"})", b).str("id");
  for (auto [room, tok] : {std::pair{ra, a}, {ra, v}, {rb, b}})
    ASSERT_EQ(s.post("/v1/rooms/" + room + "/join", "", tok).status, 200);
  ASSERT_EQ(s.post("/v1/rooms/" + ra + "/seats/requests", "", v).status, 201);
  ASSERT_EQ(s.post("/v1/rooms/" + ra + "/seats/requests/v/accept", "", a).status, 200);
  auto pk = s.post("/v1/pk", R"({"from_room":")" + ra + R"(","to_room":")" + rb + R"("})", a).str("id");
  ASSERT_EQ(s.post("/v1/pk/" + pk + "/accept", "", b).status, 200);
  std::vector<std::string> gift_ids;
  for (int i = 0; i < 5; ++i) {
    auto g = s.post("/v1/rooms/" + ra + "/gifts",
                    R"({"gift_id":7,"amount":2,"biz_id":"k-)" + std::to_string(i) + R"("})", v);
    ASSERT_EQ(g.status, 201) << g.body;
    gift_ids.push_back(g.str("id"));
  }
  s.kill9();

  Receiver hooks([](const Receiver::Hit&) { return std::pair<int, std::string>{200, "{}"}; }, hook_port);
  s.restart();

  // Rooms, seats and the PK with its score are back.
  auto room = s.get("/v1/rooms/" + ra, a);
  ASSERT_EQ(room.status, 200) << room.body;
  auto ro = room.json().as_object();
  EXPECT_EQ(ro["title"], "A");
  EXPECT_EQ(ro["online"].as_int64(), 2);
  ASSERT_EQ(ro["seats"].as_array().size(), 2u);
  EXPECT_EQ(ro["seats"].as_array()[1].as_object()["user"], "v");
  ASSERT_TRUE(ro["pk"].is_object());
  EXPECT_EQ(ro["pk"].as_object()["status"], "active");
  EXPECT_EQ(ro["pk"].as_object()["scores"].as_object()["a"].as_int64(), 100);

  // The ledger holds each gift once; repeating a biz_id after the crash answers the same gift.
  auto hist = s.get("/v1/rooms/" + ra + "/gifts?limit=100", a).json().as_object()["gifts"].as_array();
  EXPECT_EQ(hist.size(), 5u);
  auto repeat = s.post("/v1/rooms/" + ra + "/gifts", R"({"gift_id":7,"amount":2,"biz_id":"k-3"})", v);
  ASSERT_EQ(repeat.status, 201);
  EXPECT_EQ(repeat.str("id"), gift_ids[3]);
  EXPECT_EQ(s.get("/v1/rooms/" + ra + "/gifts?limit=100", a).json().as_object()["gifts"].as_array().size(), 5u);
  auto rank = s.get("/v1/rooms/" + ra + "/gifts/rank", a).json().as_object()["rank"].as_array();
  ASSERT_EQ(rank.size(), 1u);
  EXPECT_EQ(rank[0].as_object()["value"].as_int64(), 100);

  // Every webhook queued before the crash arrives: 5 gifts, 2 rooms, 3 joins, the PK start.
  ASSERT_TRUE(hooks.wait_for([](const auto& hits) {
    int gifts = 0;
    for (const auto& h : hits)
      if (json::parse(h.body).as_object()["event"] == "gift_sent") ++gifts;
    return gifts == 5;
  }, 15000)) << hooks.hits().size();
  std::multiset<std::string> events;
  std::set<std::string> ids;
  for (const auto& h : hooks.hits()) {
    auto e = json::parse(h.body).as_object();
    events.insert(std::string(e["event"].as_string()));
    ids.insert(std::string(e["id"].as_string()));
  }
  EXPECT_EQ(events.count("room_created"), 2u);
  EXPECT_EQ(events.count("member_joined"), 3u);
  EXPECT_EQ(events.count("pk_started"), 1u);
  EXPECT_EQ(ids.size(), hooks.hits().size());  // no event delivered twice here
  EXPECT_EQ(s.stop(), 0);
}

// A crash during a live: nobody unpublishes, so the restarted server must say the stream
// ended (stream_stopped, reason "restart"), or webhook consumers think it is still on.
TEST(Durability, KillNineDuringALiveStreamGivesStreamStoppedAfterRestart) {
  Receiver hooks([](const Receiver::Hit&) { return std::pair<int, std::string>{200, "{}"}; });
  Server s("webhooks:\n  - {url: \"" + hooks.url("/hook") +
           "\", secret: s3cr3t, events: [stream_started, stream_stopped]}\n"
           "webhook_delivery: {backoff_ms: 200, max_backoff_ms: 400}\n");
  s.start();
  auto anchor = s.token("anchor", "Anchor");
  auto created = s.post("/v1/rooms", R"({"kind":"live","title":"crash"})", anchor);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = created.str("id");
  ASSERT_EQ(s.post("/v1/rooms/" + id + "/join", "", anchor).status, 200);
  auto seat = created.json().at("seats").at(0).as_object();
  std::string stream(seat.at("stream").as_string());
  Publisher pub(std::string(seat.at("publish").at("rtmp").as_string()));
  auto events_of = [&](const std::string& name) {
    std::vector<json::object> out;
    for (const auto& h : hooks.hits()) {
      auto e = json::parse(h.body).as_object();
      if (e["event"].as_string() == name) out.push_back(e);
    }
    return out;
  };
  ASSERT_TRUE(hooks.wait_for([&](const auto&) { return !events_of("stream_started").empty(); }, 20000))
      << s.log();
  ASSERT_EQ(s.get("/v1/rooms/" + id, anchor).str("status"), "live");

  s.kill9();
  pub.stop();
  EXPECT_TRUE(events_of("stream_stopped").empty());
  s.restart();

  ASSERT_TRUE(hooks.wait_for([&](const auto&) { return !events_of("stream_stopped").empty(); }, 20000))
      << "no stream_stopped after the restart\n" << s.log();
  auto stopped = events_of("stream_stopped");
  ASSERT_EQ(stopped.size(), 1u);
  EXPECT_EQ(std::string(stopped[0]["room"].as_string()), id);
  auto data = stopped[0]["data"].as_object();
  EXPECT_EQ(std::string(data["stream"].as_string()), stream);
  EXPECT_EQ(data["user"], "anchor");
  EXPECT_EQ(data["index"].to_number<int64_t>(), 0);
  EXPECT_EQ(data["reason"], "restart");
  for (const auto& h : hooks.hits()) {
    auto sig = h.headers.find("x-onair-signature");
    ASSERT_NE(sig, h.headers.end());
    EXPECT_EQ(sig->second, "sha256=" + auth::to_hex(auth::hmac_sha256("s3cr3t", h.body)));
  }
  auto room = s.get("/v1/rooms/" + id, anchor).json().as_object();
  EXPECT_EQ(room["status"], "idle");
  EXPECT_FALSE(room["seats"].as_array()[0].at("live").as_bool());
  EXPECT_EQ(s.stop(), 0);
}

TEST(Durability, GracefulShutdownOnSigtermAndCleanRestart) {
  Server s;
  s.start();
  auto a = s.token("a");
  auto id = s.post("/v1/rooms", R"({"kind":"meeting"})", a).str("id");
  s.post("/v1/rooms/" + id + "/join", "", a);
  EXPECT_EQ(s.stop(), 0);
  EXPECT_NE(s.log().find("stopped cleanly"), std::string::npos);
  s.restart();
  EXPECT_EQ(s.get("/v1/rooms/" + id, a).status, 200);
  EXPECT_EQ(s.get("/readyz", "").status, 200);
}

}  // namespace
}  // namespace onair::testing
