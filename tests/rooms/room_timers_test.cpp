// RoomService timers run by tick(now) (API.md "Rooms" timers, "Seats" offer expiry):
// heartbeats, seat offers, idle rooms, absent anchors. PK timers are in pk_test.cpp.
#include "room_fixture.hpp"

namespace onair::rooms::test {
namespace {

using RoomTimersTest = RoomServiceFixture;
using bus::EventType;

TEST_F(RoomTimersTest, MemberWithoutHeartbeatIsRemovedWithTheirSeat) {
  const int64_t timeout = int64_t{cfg_.rooms.member_timeout_s} * kSecond;
  std::string id = create(user("olga"), "meeting");
  join(user("olga"), id);
  join(user("bob"), id);
  ok(svc().take_seat(user("olga"), id, kT0));
  ok(svc().take_seat(user("bob"), id, kT0));
  beat(kT0 + 10 * kSecond, id, {user("olga")});

  svc().tick(kT0 + timeout - 1);
  EXPECT_TRUE(svc().member(id, "bob").has_value());
  EXPECT_EQ(seats(id).size(), 2u);

  clear_events();
  svc().tick(kT0 + timeout);
  EXPECT_TRUE(fails_with(svc().member(id, "bob"), ErrorCode::not_found));
  auto s = seats(id);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].user, "olga");
  EXPECT_TRUE(svc().member(id, "olga").has_value());
  auto left = only_event(EventType::member_left);
  EXPECT_EQ(json_str(left, "user"), "bob");
  EXPECT_EQ(json_str(left, "reason"), "timeout");
  EXPECT_EQ(json_str(only_event(EventType::seat_changed), "user"), "bob");
  // And a heartbeat from the removed member is told to join again.
  EXPECT_TRUE(
      fails_with(svc().heartbeat(user("bob"), id, kT0 + timeout + 1), ErrorCode::not_found));
}

TEST_F(RoomTimersTest, CohostWithoutHeartbeatLosesSeatButAnchorKeepsSeatZero) {
  const int64_t timeout = int64_t{cfg_.rooms.member_timeout_s} * kSecond;
  Actor anchor = user("ana");
  std::string id = live_room(anchor);
  join(user("fan"), id);
  seat_by_request(anchor, user("fan"), id);
  svc().tick(kT0 + timeout);
  EXPECT_TRUE(fails_with(svc().member(id, "fan"), ErrorCode::not_found));
  EXPECT_TRUE(fails_with(svc().member(id, "ana"), ErrorCode::not_found));
  auto s = seats(id);
  ASSERT_EQ(s.size(), 1u);  // the anchor's seat 0 stays until the room closes
  EXPECT_EQ(s[0].index, 0);
  EXPECT_EQ(s[0].user, "ana");
}

TEST_F(RoomTimersTest, HeartbeatKeepsMemberInTheRoom) {
  const int64_t timeout = int64_t{cfg_.rooms.member_timeout_s} * kSecond;
  std::string id = create(user("olga"), "meeting");
  join(user("bob"), id, kT0);
  beat(kT0 + 15 * kSecond, id, {user("bob")});
  svc().tick(kT0 + timeout);
  svc().tick(kT0 + 15 * kSecond + timeout - 1);
  EXPECT_TRUE(svc().member(id, "bob").has_value());
  EXPECT_TRUE(events_of(EventType::member_left).empty());
  svc().tick(kT0 + 15 * kSecond + timeout);
  EXPECT_TRUE(fails_with(svc().member(id, "bob"), ErrorCode::not_found));
}

TEST_F(RoomTimersTest, UnansweredSeatRequestExpires) {
  const int64_t expiry = kT0 + int64_t{cfg_.rooms.seat_offer_timeout_s} * kSecond;
  Actor anchor = user("ana");
  std::string id = live_room(anchor);
  join(user("fan"), id);
  ok(svc().request_seat(user("fan"), id, kT0));
  beat(kT0 + 15 * kSecond, id, {anchor, user("fan")});
  svc().tick(expiry - 1);
  EXPECT_TRUE(events_of(EventType::seat_request_rejected).empty());
  svc().tick(expiry);
  auto expired = only_event(EventType::seat_request_rejected);
  EXPECT_EQ(json_str(expired, "user"), "fan");
  EXPECT_EQ(json_str(expired, "reason"), "expired");
  EXPECT_TRUE(fails_with(svc().answer_request(anchor, id, "fan", true, expiry + 1),
                         ErrorCode::not_found));
  EXPECT_EQ(seats(id).size(), 1u);
  // The member is still there and may ask again.
  EXPECT_EQ(ok(svc().request_seat(user("fan"), id, expiry + 1)).kind, "request");
}

TEST_F(RoomTimersTest, UnansweredSeatInvitationExpires) {
  const int64_t expiry = kT0 + int64_t{cfg_.rooms.seat_offer_timeout_s} * kSecond;
  Actor anchor = user("ana");
  std::string id = live_room(anchor);
  join(user("fan"), id);
  ok(svc().invite(anchor, id, "fan", kT0));
  beat(kT0 + 15 * kSecond, id, {anchor, user("fan")});
  svc().tick(expiry - 1);
  EXPECT_TRUE(events_of(EventType::seat_invitation_rejected).empty());
  svc().tick(expiry);
  auto expired = only_event(EventType::seat_invitation_rejected);
  EXPECT_EQ(json_str(expired, "user"), "fan");
  EXPECT_EQ(json_str(expired, "reason"), "expired");
  EXPECT_TRUE(fails_with(svc().answer_invitation(user("fan"), id, true, expiry + 1),
                         ErrorCode::not_found));
  EXPECT_EQ(seats(id).size(), 1u);
}

TEST_F(RoomTimersTest, RoomNobodyJoinsIsClosedAfterIdleTimeout) {
  const int64_t idle = int64_t{cfg_.rooms.idle_room_timeout_s} * kSecond;
  std::string id = create(user("olga"), "call");
  svc().tick(kT0 + idle - 1);
  EXPECT_TRUE(svc().room(id).has_value());
  svc().tick(kT0 + idle);
  EXPECT_TRUE(fails_with(svc().room(id), ErrorCode::gone));
  auto closed = only_event(EventType::room_closed);
  EXPECT_EQ(json_str(closed, "id"), id);
  EXPECT_EQ(json_str(closed, "reason"), "idle");
  auto stored = store_->room(id);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->status, "closed");
  EXPECT_EQ((*stored)->closed_at, kT0 + idle);
  EXPECT_EQ(svc().stats().rooms, 0);
}

TEST_F(RoomTimersTest, LiveRoomNobodyJoinsIsClosedAfterIdleTimeout) {
  const int64_t idle = int64_t{cfg_.rooms.idle_room_timeout_s} * kSecond;
  std::string id = create(user("ana"), "live");
  svc().tick(kT0 + idle);
  EXPECT_TRUE(fails_with(svc().room(id), ErrorCode::gone));
  EXPECT_EQ(json_str(only_event(EventType::room_closed), "reason"), "idle");
}

TEST_F(RoomTimersTest, RoomWithMembersIsNotClosedAsIdle) {
  const int64_t idle = int64_t{cfg_.rooms.idle_room_timeout_s} * kSecond;
  std::string id = create(user("olga"), "meeting");
  join(user("bob"), id, kT0 + idle - 1);
  svc().tick(kT0 + idle);
  EXPECT_TRUE(svc().room(id).has_value());
  EXPECT_TRUE(events_of(EventType::room_closed).empty());
}

TEST_F(RoomTimersTest, LiveRoomWhoseAnchorLeftClosesAfterAnchorGoneTimeoutDespiteAudience) {
  const int64_t gone = int64_t{cfg_.rooms.anchor_gone_timeout_s} * kSecond;
  Actor anchor = user("ana");
  Actor fan = user("fan");
  std::string id = live_room(anchor);
  join(fan, id);
  const int64_t left_at = kT0 + kSecond;
  ok(svc().leave(anchor, id, left_at));
  // The audience keeps sending heartbeats, so the room is never empty.
  for (int64_t t = left_at + 15 * kSecond; t < left_at + gone; t += 15 * kSecond) {
    beat(t, id, {fan});
    svc().tick(t);
  }
  beat(left_at + gone - 1, id, {fan});
  svc().tick(left_at + gone - 1);
  EXPECT_TRUE(svc().room(id).has_value());
  EXPECT_TRUE(events_of(EventType::room_closed).empty());
  svc().tick(left_at + gone);
  EXPECT_TRUE(fails_with(svc().room(id), ErrorCode::gone));
  auto closed = only_event(EventType::room_closed);
  EXPECT_EQ(json_str(closed, "reason"), "anchor_gone");
}

TEST_F(RoomTimersTest, AnchorReturningKeepsLiveRoomOpen) {
  const int64_t gone = int64_t{cfg_.rooms.anchor_gone_timeout_s} * kSecond;
  Actor anchor = user("ana");
  Actor fan = user("fan");
  std::string id = live_room(anchor);
  join(fan, id);
  ok(svc().leave(anchor, id, kT0));
  join(anchor, id, kT0 + 10 * kSecond);
  for (int64_t t = kT0 + 15 * kSecond; t <= kT0 + gone + 15 * kSecond; t += 15 * kSecond) {
    beat(t, id, {anchor, fan});
    svc().tick(t);
  }
  EXPECT_TRUE(svc().room(id).has_value());
  EXPECT_EQ(role_of(id, "ana"), "anchor");
  EXPECT_EQ(seats(id)[0].user, "ana");
}

// API.md gives an absent anchor anchor_gone_timeout_s (60 s) before a live room closes, and
// only a room "nobody joins within 30 s of creation" is closed as idle. A live room whose
// only member is its anchor is closed idle_room_timeout_s after the anchor leaves.
TEST_F(RoomTimersTest, EmptyLiveRoomGivesItsAnchorTheAnchorGoneGrace) {
  const int64_t gone = int64_t{cfg_.rooms.anchor_gone_timeout_s} * kSecond;
  Actor anchor = user("ana");
  std::string id = live_room(anchor);
  ok(svc().leave(anchor, id, kT0 + kSecond));
  svc().tick(kT0 + kSecond + gone - 1);
  EXPECT_TRUE(svc().room(id).has_value());
  join(anchor, id, kT0 + kSecond + gone - 1);
  svc().tick(kT0 + kSecond + gone);
  EXPECT_TRUE(svc().room(id).has_value());
}

}  // namespace
}  // namespace onair::rooms::test
