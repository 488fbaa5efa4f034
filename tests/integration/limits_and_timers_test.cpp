// Call and meeting limits, and every timer of the rooms service with short timeouts.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace onair::testing {
namespace {
namespace json = boost::json;

const char* kFastTimers =
    "rooms: {member_timeout_s: 1, idle_room_timeout_s: 2, anchor_gone_timeout_s: 2,"
    " seat_offer_timeout_s: 1}\n"
    "pk: {invite_timeout_s: 1, duration_s: 2}\n";

TEST(Limits, ACallHoldsExactlyTwoMembersAndTwoSeats) {
  Server s;
  s.start();
  auto a = s.token("a"), b = s.token("b"), c = s.token("c");
  EXPECT_EQ(s.post("/v1/rooms", R"({"kind":"call","max_members":3})", a).status, 400);
  auto id = s.post("/v1/rooms", R"({"kind":"call"})", a).str("id");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/join", "", a).status, 200);
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/join", "", b).status, 200);
  auto full = s.post("/v1/rooms/" + id + "/join", "", c);
  EXPECT_EQ(full.status, 409);
  EXPECT_EQ(full.json().as_object()["error"].as_object()["code"], "conflict");
  auto sa = s.post("/v1/rooms/" + id + "/seats", "", a);
  ASSERT_EQ(sa.status, 201) << sa.body;
  EXPECT_TRUE(sa.json().as_object().contains("publish"));
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/seats", "", b).status, 201);
  // Seat requests are for live rooms only.
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/seats/requests", "", b).status, 400);
}

TEST(Limits, AMeetingHoldsMaxMembersAndRefusesTheNext) {
  Server s("rooms: {max_meeting_members: 6}\n");
  s.start();
  auto owner = s.token("u0");
  EXPECT_EQ(s.post("/v1/rooms", R"({"kind":"meeting","max_members":7})", owner).status, 400);
  EXPECT_EQ(s.post("/v1/rooms", R"({"kind":"meeting","max_members":1})", owner).status, 400);
  auto dflt = s.post("/v1/rooms", R"({"kind":"meeting"})", owner).json().as_object();
  EXPECT_EQ(dflt["max_members"].as_int64(), 4);
  auto id = s.post("/v1/rooms", R"({"kind":"meeting","max_members":3})", owner).str("id");
  for (int i = 0; i < 3; ++i) {
    auto t = s.token("u" + std::to_string(i));
    ASSERT_EQ(s.post("/v1/rooms/" + id + "/join", "", t).status, 200);
    ASSERT_EQ(s.post("/v1/rooms/" + id + "/seats", "", t).status, 201);
  }
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/join", "", s.token("u3")).status, 409);
  // The room grows when its owner says so.
  EXPECT_EQ(s.patch("/v1/rooms/" + id, R"({"max_members":4})", owner).status, 200);
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/join", "", s.token("u3")).status, 200);
}

TEST(Limits, ALiveRoomRefusesCohostsBeyondItsSeats) {
  Server s;
  s.start();
  auto anchor = s.token("anchor");
  auto id = s.post("/v1/rooms", R"({"kind":"live","max_seats":1})", anchor).str("id");
  s.post("/v1/rooms/" + id + "/join", "", anchor);
  auto v1 = s.token("v1"), v2 = s.token("v2");
  s.post("/v1/rooms/" + id + "/join", "", v1);
  s.post("/v1/rooms/" + id + "/join", "", v2);
  ASSERT_EQ(s.post("/v1/rooms/" + id + "/seats/requests", "", v1).status, 201);
  ASSERT_EQ(s.post("/v1/rooms/" + id + "/seats/requests", "", v2).status, 201);
  ASSERT_EQ(s.post("/v1/rooms/" + id + "/seats/requests/v1/accept", "", anchor).status, 200);
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/seats/requests/v2/accept", "", anchor).status, 409);
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/seats/requests/v2/reject", "", anchor).status, 204);
}

TEST(Timers, MemberWithoutHeartbeatIsRemovedWithTheirSeat) {
  Server s(kFastTimers);
  s.start();
  auto a = s.token("a"), b = s.token("b");
  auto id = s.post("/v1/rooms", R"({"kind":"meeting"})", a).str("id");
  s.post("/v1/rooms/" + id + "/join", "", a);
  s.post("/v1/rooms/" + id + "/join", "", b);
  ASSERT_EQ(s.post("/v1/rooms/" + id + "/seats", "", b).status, 201);
  // a keeps sending heartbeats; b goes silent.
  bool gone = eventually([&] {
    EXPECT_EQ(s.post("/v1/rooms/" + id + "/heartbeat", "", a).status, 204);
    auto room = s.get("/v1/rooms/" + id, a).json().as_object();
    return room["online"].as_int64() == 1 && room["seats"].as_array().empty();
  }, 5000);
  EXPECT_TRUE(gone);
  auto hb = s.post("/v1/rooms/" + id + "/heartbeat", "", b);
  EXPECT_EQ(hb.status, 404);  // not a member any more: the app joins again
}

TEST(Timers, RoomNobodyJoinsIsClosed) {
  Server s(kFastTimers);
  s.start();
  auto a = s.token("a");
  auto id = s.post("/v1/rooms", R"({"kind":"meeting"})", a).str("id");
  EXPECT_TRUE(eventually([&] { return s.get("/v1/rooms/" + id, a).status == 410; }, 5000));
}

TEST(Timers, LiveRoomWhoseAnchorIsGoneIsClosedDespiteItsAudience) {
  Server s(kFastTimers);
  s.start();
  auto anchor = s.token("anchor"), viewer = s.token("viewer");
  auto id = s.post("/v1/rooms", R"({"kind":"live"})", anchor).str("id");
  s.post("/v1/rooms/" + id + "/join", "", anchor);
  s.post("/v1/rooms/" + id + "/join", "", viewer);
  ASSERT_EQ(s.post("/v1/rooms/" + id + "/leave", "", anchor).status, 204);
  // The viewer keeps the room busy; the anchor's absence closes it.
  bool closed = eventually([&] {
    s.post("/v1/rooms/" + id + "/heartbeat", "", viewer);
    return s.get("/v1/rooms/" + id, viewer).status == 410;
  }, 6000);
  EXPECT_TRUE(closed);
}

TEST(Timers, UnansweredSeatRequestAndInvitationExpire) {
  Server s(kFastTimers);
  s.start();
  auto anchor = s.token("anchor"), v = s.token("v"), w = s.token("w");
  auto id = s.post("/v1/rooms", R"({"kind":"live"})", anchor).str("id");
  for (auto* t : {&anchor, &v, &w}) s.post("/v1/rooms/" + id + "/join", "", *t);
  ASSERT_EQ(s.post("/v1/rooms/" + id + "/seats/requests", "", v).status, 201);
  ASSERT_EQ(s.post("/v1/rooms/" + id + "/seats/invitations", R"({"user":"w"})", anchor).status, 201);
  EXPECT_EQ(s.get("/v1/rooms/" + id + "/seats/requests", anchor).json().as_object()["requests"].as_array().size(), 2u);
  EXPECT_EQ(s.get("/v1/rooms/" + id + "/seats/requests", v).status, 403);
  bool expired = eventually([&] {
    for (auto* t : {&anchor, &v, &w}) s.post("/v1/rooms/" + id + "/heartbeat", "", *t);
    return s.get("/v1/rooms/" + id + "/seats/requests", anchor).json().as_object()["requests"].as_array().empty();
  }, 5000);
  EXPECT_TRUE(expired);
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/seats/requests/v/accept", "", anchor).status, 404);
  EXPECT_EQ(s.post("/v1/rooms/" + id + "/seats/invitations/accept", "", w).status, 404);
}

TEST(Timers, PkInvitationExpiresAndActivePkEndsOnTime) {
  Server s(kFastTimers);
  s.start();
  auto a = s.token("a"), b = s.token("b");
  auto ra = s.post("/v1/rooms", R"({"kind":"live"})", a).str("id");
  auto rb = s.post("/v1/rooms", R"({"kind":"live"})", b).str("id");
  auto beat = [&] {
    s.post("/v1/rooms/" + ra + "/heartbeat", "", a);
    s.post("/v1/rooms/" + rb + "/heartbeat", "", b);
  };
  s.post("/v1/rooms/" + ra + "/join", "", a);
  s.post("/v1/rooms/" + rb + "/join", "", b);
  std::string body = R"({"from_room":")" + ra + R"(","to_room":")" + rb + R"("})";
  auto first = s.post("/v1/pk", body, a).str("id");
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(eventually([&] {
    beat();
    return s.get("/v1/pk/" + first, a).status == 404;
  }, 5000));
  auto second = s.post("/v1/pk", body, a);
  ASSERT_EQ(second.status, 201) << second.body;
  auto started = s.post("/v1/pk/" + second.str("id") + "/accept", "", b).json().as_object();
  ASSERT_EQ(started["status"], "active");
  EXPECT_GT(started["ends_at"].as_int64(), started["started_at"].as_int64());
  EXPECT_TRUE(eventually([&] {
    beat();
    return s.get("/v1/rooms/" + ra, a).json().as_object()["pk"].is_null();
  }, 6000));
}

}  // namespace
}  // namespace onair::testing
