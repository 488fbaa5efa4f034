// The whole live-room story through the real binary: create, join, seat request and
// accept, PK between two rooms with gift scores, gifts against a real payment endpoint
// that approves and refuses, history and rank, and the webhooks that report it.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "auth/crypto.hpp"
#include "harness.hpp"

namespace onair::testing {
namespace {
namespace json = boost::json;

int64_t num(const json::value& v) { return v.is_int64() ? v.as_int64() : static_cast<int64_t>(v.as_uint64()); }

TEST(LiveRoom, AnchorAudienceCohostPkAndGiftsEndToEnd) {
  // The payment service refuses any gift whose biz_id starts with "poor".
  Receiver payment([](const Receiver::Hit& h) -> std::pair<int, std::string> {
    auto v = json::parse(h.body).as_object();
    if (std::string(v["biz_id"].as_string()).starts_with("poor"))
      return {200, R"({"code":1001,"message":"insufficient balance"})"};
    return {200, R"({"code":0})"};
  });
  Receiver hooks([](const Receiver::Hit&) { return std::pair<int, std::string>{200, "{}"}; });
  Server s("gifts:\n  payment_url: " + payment.url("/pay") +
           "\n  payment_secret: pay-secret\n  catalog:\n    - {id: 1, name: rose, price: 1}\n"
           "    - {id: 2, name: rocket, price: 500}\n"
           "webhooks:\n  - {url: \"" + hooks.url("/hook") + "\", secret: hook-secret}\n");
  s.start();
  auto alice = s.token("alice", "Alice");
  auto bob = s.token("bob", "Bob");
  auto carol = s.token("carol", "Carol");
  auto dave = s.token("dave", "Dave");

  // Alice opens a live room and joins it as its anchor.
  auto created = s.post("/v1/rooms", R"({"kind":"live","title":"Alice live","metadata":{"topic":"music"}})", alice);
  ASSERT_EQ(created.status, 201) << created.body;
  auto room = created.json().as_object();
  std::string a = std::string(room["id"].as_string());
  EXPECT_EQ(room["status"], "idle");
  EXPECT_EQ(room["owner"], "alice");
  EXPECT_EQ(room["metadata"].as_object()["topic"], "music");
  auto seat0 = room["seats"].as_array()[0].as_object();
  EXPECT_EQ(seat0["user"], "alice");
  EXPECT_TRUE(seat0.contains("publish"));  // her own seat carries publish URLs
  EXPECT_TRUE(std::string(seat0["publish"].as_object()["rtmp"].as_string()).find("sign=") != std::string::npos);

  auto joined = s.post("/v1/rooms/" + a + "/join", "", alice);
  ASSERT_EQ(joined.status, 200) << joined.body;
  EXPECT_EQ(joined.json().as_object()["member"].as_object()["role"], "anchor");
  EXPECT_TRUE(std::string(joined.json().as_object()["realtime_url"].as_string()).ends_with("/v1/rt"));

  // Bob joins as audience and sees seat 0 without publish URLs.
  auto bj = s.post("/v1/rooms/" + a + "/join", "", bob);
  ASSERT_EQ(bj.status, 200);
  auto bview = bj.json().as_object()["room"].as_object();
  EXPECT_EQ(num(bview["online"]), 2);
  EXPECT_FALSE(bview["seats"].as_array()[0].as_object().contains("publish"));
  EXPECT_EQ(bj.json().as_object()["member"].as_object()["role"], "audience");

  // Bob asks for a seat; Alice accepts; Bob is a cohost on seat 1 with his publish URL.
  auto req = s.post("/v1/rooms/" + a + "/seats/requests", "", bob);
  ASSERT_EQ(req.status, 201) << req.body;
  auto acc = s.post("/v1/rooms/" + a + "/seats/requests/bob/accept", "", alice);
  ASSERT_EQ(acc.status, 200) << acc.body;
  EXPECT_EQ(num(acc.json().as_object()["index"]), 1);
  auto seats = s.get("/v1/rooms/" + a + "/seats", bob).json().as_object()["seats"].as_array();
  ASSERT_EQ(seats.size(), 2u);
  EXPECT_EQ(seats[1].as_object()["user"], "bob");
  EXPECT_TRUE(seats[1].as_object().contains("publish"));
  auto members = s.get("/v1/rooms/" + a + "/members", alice).json().as_object()["members"].as_array();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[1].as_object()["role"], "cohost");

  // Carol opens a second live room; Alice invites her to a PK; Carol accepts.
  auto b = s.post("/v1/rooms", R"({"kind":"live","title":"Carol live"})", carol).str("id");
  ASSERT_EQ(s.post("/v1/rooms/" + b + "/join", "", carol).status, 200);
  ASSERT_EQ(s.post("/v1/rooms/" + b + "/join", "", dave).status, 200);
  auto pk = s.post("/v1/pk", R"({"from_room":")" + a + R"(","to_room":")" + b + R"("})", alice);
  ASSERT_EQ(pk.status, 201) << pk.body;
  std::string pk_id = pk.str("id");
  EXPECT_EQ(pk.str("status"), "inviting");
  EXPECT_EQ(s.post("/v1/pk/" + pk_id + "/accept", "", alice).status, 403);  // not the invitee
  auto started = s.post("/v1/pk/" + pk_id + "/accept", "", carol);
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(started.str("status"), "active");
  auto aview = s.get("/v1/rooms/" + a, bob).json().as_object();
  ASSERT_TRUE(aview["pk"].is_object());
  auto peer = aview["pk"].as_object()["peer"].as_object();
  EXPECT_EQ(peer["room"].as_string(), b);
  EXPECT_EQ(peer["anchor"], "carol");
  EXPECT_TRUE(peer.contains("play"));

  // Gifts: Bob sends 3 roses and a rocket to Alice, Dave 1 rocket to Carol.
  auto g1 = s.post("/v1/rooms/" + a + "/gifts", R"({"gift_id":1,"amount":3,"biz_id":"b-1"})", bob);
  ASSERT_EQ(g1.status, 201) << g1.body;
  EXPECT_EQ(num(g1.json().as_object()["value"]), 3);
  EXPECT_EQ(g1.str("to"), "alice");
  auto g2 = s.post("/v1/rooms/" + a + "/gifts", R"({"gift_id":2,"amount":1,"biz_id":"b-2"})", bob);
  ASSERT_EQ(g2.status, 201) << g2.body;
  auto g3 = s.post("/v1/rooms/" + b + "/gifts", R"({"gift_id":2,"amount":1,"biz_id":"d-1"})", dave);
  ASSERT_EQ(g3.status, 201) << g3.body;
  // A refused payment is 402 and records nothing.
  auto poor = s.post("/v1/rooms/" + a + "/gifts", R"({"gift_id":2,"amount":9,"biz_id":"poor-1"})", bob);
  EXPECT_EQ(poor.status, 402) << poor.body;
  EXPECT_EQ(poor.json().as_object()["error"].as_object()["code"], "payment_rejected");
  // A repeated biz_id answers the first gift and is not charged again.
  size_t charges = payment.hits().size();
  auto again = s.post("/v1/rooms/" + a + "/gifts", R"({"gift_id":1,"amount":3,"biz_id":"b-1"})", bob);
  ASSERT_EQ(again.status, 201);
  EXPECT_EQ(again.str("id"), g1.str("id"));
  EXPECT_EQ(payment.hits().size(), charges);
  // Payment calls are signed and carry the documented fields.
  auto first_charge = payment.hits().front();
  EXPECT_EQ(first_charge.headers["x-onair-signature"],
            "sha256=" + auth::to_hex(auth::hmac_sha256("pay-secret", first_charge.body)));
  auto pay = json::parse(first_charge.body).as_object();
  for (const char* k : {"biz_id", "user_id", "room_id", "anchor_id", "gift_id", "amount", "value"})
    EXPECT_TRUE(pay.contains(k)) << k;

  // PK scores follow the gifts: a = 3 + 500, b = 500.
  auto scored = s.get("/v1/pk/" + pk_id, alice).json().as_object();
  EXPECT_EQ(num(scored["scores"].as_object()["a"]), 503);
  EXPECT_EQ(num(scored["scores"].as_object()["b"]), 500);
  auto ended = s.post("/v1/pk/" + pk_id + "/end", "", carol);
  ASSERT_EQ(ended.status, 200) << ended.body;
  EXPECT_EQ(ended.str("status"), "ended");
  EXPECT_EQ(ended.str("winner"), a);
  EXPECT_TRUE(s.get("/v1/rooms/" + a, bob).json().as_object()["pk"].is_null());

  // History newest first, and the rank by total value.
  auto hist = s.get("/v1/rooms/" + a + "/gifts?limit=1", alice).json().as_object();
  ASSERT_EQ(hist["gifts"].as_array().size(), 1u);
  EXPECT_EQ(hist["gifts"].as_array()[0].as_object()["biz_id"], "b-2");
  std::string cursor(hist["next_cursor"].as_string());
  auto rest = s.get("/v1/rooms/" + a + "/gifts?cursor=" + cursor, alice).json().as_object();
  ASSERT_EQ(rest["gifts"].as_array().size(), 1u);
  EXPECT_EQ(rest["gifts"].as_array()[0].as_object()["biz_id"], "b-1");
  EXPECT_TRUE(rest["next_cursor"].is_null());
  auto rank = s.get("/v1/rooms/" + a + "/gifts/rank", alice).json().as_object()["rank"].as_array();
  ASSERT_EQ(rank.size(), 1u);
  EXPECT_EQ(rank[0].as_object()["user"], "bob");
  EXPECT_EQ(rank[0].as_object()["name"], "Bob");
  EXPECT_EQ(num(rank[0].as_object()["value"]), 503);

  // Likes add up.
  EXPECT_EQ(s.post("/v1/rooms/" + a + "/likes", R"({"count":5})", bob).str("total"), "5");
  EXPECT_EQ(s.post("/v1/rooms/" + a + "/likes", "", bob).str("total"), "6");

  // Alice closes her room: it is gone for everyone.
  EXPECT_EQ(s.del("/v1/rooms/" + a, bob).status, 403);
  EXPECT_EQ(s.del("/v1/rooms/" + a, alice).status, 204);
  EXPECT_EQ(s.post("/v1/rooms/" + a + "/join", "", bob).status, 410);
  auto closed = s.get("/v1/rooms?status=closed", alice).json().as_object()["rooms"].as_array();
  ASSERT_FALSE(closed.empty());
  EXPECT_EQ(closed[0].as_object()["id"].as_string(), a);

  // The webhooks arrived, signed, for every default event this story caused.
  std::set<std::string> wanted{"room_created", "member_joined", "seat_changed", "pk_started",
                               "pk_ended", "gift_sent", "room_closed"};
  ASSERT_TRUE(hooks.wait_for([&](const auto& hits) {
    std::set<std::string> seen;
    for (const auto& h : hits) seen.insert(std::string(json::parse(h.body).as_object()["event"].as_string()));
    return std::includes(seen.begin(), seen.end(), wanted.begin(), wanted.end());
  })) << hooks.hits().size();
  for (const auto& h : hooks.hits()) {
    EXPECT_EQ(h.headers.at("x-onair-signature"), "sha256=" + auth::to_hex(auth::hmac_sha256("hook-secret", h.body)));
    auto ev = json::parse(h.body).as_object();
    EXPECT_TRUE(ev.contains("id") && ev.contains("created_at") && ev.contains("data"));
  }
  int gifts_hooked = 0;
  for (const auto& h : hooks.hits())
    if (json::parse(h.body).as_object()["event"] == "gift_sent") ++gifts_hooked;
  EXPECT_EQ(gifts_hooked, 3);  // two to Alice, one to Carol; the refused one and the repeat: none
  EXPECT_EQ(s.stop(), 0);
}

TEST(LiveRoom, FreeGiftsNeedNoPaymentService) {
  Server s;
  s.start();
  auto alice = s.token("alice");
  auto bob = s.token("bob");
  auto id = s.post("/v1/rooms", R"({"kind":"live"})", alice).str("id");
  s.post("/v1/rooms/" + id + "/join", "", alice);
  s.post("/v1/rooms/" + id + "/join", "", bob);
  auto catalog = s.get("/v1/gifts", bob).json().as_object()["gifts"].as_array();
  ASSERT_EQ(catalog.size(), 1u);
  EXPECT_EQ(catalog[0].as_object()["name"], "rose");
  auto g = s.post("/v1/rooms/" + id + "/gifts", R"({"gift_id":1,"amount":2,"biz_id":"free-1"})", bob);
  EXPECT_EQ(g.status, 201) << g.body;
}

TEST(LiveRoom, SeatInvitationAcceptedByTheInvitee) {
  Server s;
  s.start();
  auto alice = s.token("alice");
  auto bob = s.token("bob");
  auto id = s.post("/v1/rooms", R"({"kind":"live","max_seats":1})", alice).str("id");
  s.post("/v1/rooms/" + id + "/join", "", alice);
  s.post("/v1/rooms/" + id + "/join", "", bob);
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/seats/invitations", R"({"user":"bob"})", bob).status, 403);
  auto inv = s.post("/v1/rooms/" + id + "/seats/invitations", R"({"user":"bob"})", alice);
  ASSERT_EQ(inv.status, 201) << inv.body;
  auto ok = s.post("/v1/rooms/" + id + "/seats/invitations/accept", "", bob);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.str("user"), "bob");
  // Mute his video, then Alice removes him from the seat.
  auto muted = s.patch("/v1/rooms/" + id + "/seats/bob", R"({"video_muted":true})", bob);
  ASSERT_EQ(muted.status, 200);
  EXPECT_EQ(muted.str("video_muted"), "true");
  EXPECT_EQ(s.del("/v1/rooms/" + id + "/seats/alice", alice).status, 409);  // the anchor's seat stays
  EXPECT_EQ(s.del("/v1/rooms/" + id + "/seats/bob", alice).status, 204);
  EXPECT_EQ(s.get("/v1/rooms/" + id + "/seats", bob).json().as_object()["seats"].as_array().size(), 1u);
}

TEST(LiveRoom, KickedMemberCannotRejoinAndMuteIsRecorded) {
  Server s;
  s.start();
  auto alice = s.token("alice");
  auto bob = s.token("bob");
  auto id = s.post("/v1/rooms", R"({"kind":"live"})", alice).str("id");
  s.post("/v1/rooms/" + id + "/join", "", alice);
  s.post("/v1/rooms/" + id + "/join", "", bob);
  auto m = s.post("/v1/rooms/" + id + "/members/bob/mute", R"({"seconds":60})", alice);
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_GT(std::stoll(m.str("muted_until")), 0);
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/members/alice/kick", "", bob).status, 403);
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/members/bob/kick", "", alice).status, 204);
  auto again = s.post("/v1/rooms/" + id + "/join", "", bob);
  EXPECT_EQ(again.status, 403) << again.body;
}

}  // namespace
}  // namespace onair::testing
