// RoomService: joining and leaving rooms (API.md "Rooms"): grants, capacity, idempotence,
// closed and unknown rooms, kick bans.
#include "room_fixture.hpp"

namespace onair::rooms::test {
namespace {

using RoomMembersTest = RoomServiceFixture;
using bus::EventType;

TEST_F(RoomMembersTest, JoinRefusesTokenGrantedForAnotherRoom) {
  std::string mine = create(user("olga"), "meeting");
  std::string other = create(user("olga"), "meeting");
  EXPECT_TRUE(fails_with(svc().join(bound_to("bob", other), mine, kT0),
                         ErrorCode::permission_denied));
  EXPECT_EQ(room(mine).online, 0);
  // The same user with a token for this room gets in.
  EXPECT_EQ(join(bound_to("bob", mine), mine).user, "bob");
  EXPECT_EQ(room(mine).online, 1);
}

TEST_F(RoomMembersTest, JoiningFullMeetingIsConflict) {
  std::string id = create(user("olga"), "meeting", kT0, 2);
  join(user("olga"), id);
  join(user("bob"), id);
  EXPECT_TRUE(fails_with(svc().join(user("cid"), id, kT0), ErrorCode::conflict));
  EXPECT_EQ(room(id).online, 2);
}

TEST_F(RoomMembersTest, JoiningFullCallIsConflictEvenForAdmin) {
  std::string id = create(user("olga"), "call");
  join(user("olga"), id);
  join(user("bob"), id);
  EXPECT_TRUE(fails_with(svc().join(user("cid"), id, kT0), ErrorCode::conflict));
  EXPECT_TRUE(fails_with(svc().join(admin("root"), id, kT0), ErrorCode::conflict));
}

TEST_F(RoomMembersTest, JoiningFullLiveRoomIsConflictButItsAnchorStillGetsIn) {
  std::string id = create(user("ana"), "live", kT0, 2);
  join(user("fan1"), id);
  join(user("fan2"), id);
  EXPECT_TRUE(fails_with(svc().join(user("fan3"), id, kT0), ErrorCode::conflict));
  EXPECT_EQ(join(user("ana"), id).role, "anchor");
  EXPECT_EQ(room(id).online, 3);
}

TEST_F(RoomMembersTest, JoiningTwiceIsIdempotent) {
  std::string id = create(user("olga"), "meeting");
  MemberView first = join(user("bob"), id, kT0);
  clear_events();
  auto again = svc().join(user("bob"), id, kT0 + 5 * kSecond);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->member.user, "bob");
  EXPECT_EQ(again->member.role, first.role);
  EXPECT_EQ(again->member.joined_at, kT0);  // the first join's time, not a new member
  EXPECT_EQ(again->room.online, 1);
  EXPECT_TRUE(events_.empty());  // no second member_joined
  auto page = ok(svc().members(id, 10, ""));
  ASSERT_EQ(page.members.size(), 1u);
  EXPECT_EQ(page.members[0].user, "bob");
}

TEST_F(RoomMembersTest, JoiningAgainRefreshesTheHeartbeat) {
  std::string id = create(user("olga"), "meeting");
  join(user("olga"), id, kT0);
  join(user("bob"), id, kT0);
  beat(kT0 + 15 * kSecond, id, {user("olga")});
  join(user("bob"), id, kT0 + 15 * kSecond);  // a reconnecting app
  svc().tick(kT0 + 25 * kSecond);
  EXPECT_TRUE(svc().member(id, "bob").has_value());
}

TEST_F(RoomMembersTest, JoiningClosedRoomIsGone) {
  std::string id = create(user("olga"), "meeting");
  join(user("olga"), id);
  ok(svc().close_room(user("olga"), id, kT0 + kSecond));
  EXPECT_TRUE(fails_with(svc().join(user("bob"), id, kT0 + 2 * kSecond), ErrorCode::gone));
  EXPECT_TRUE(fails_with(svc().room(id), ErrorCode::gone));
  // Even a member of the room before it closed.
  EXPECT_TRUE(fails_with(svc().join(user("olga"), id, kT0 + 2 * kSecond), ErrorCode::gone));
}

TEST_F(RoomMembersTest, JoiningUnknownRoomIsNotFound) {
  EXPECT_TRUE(fails_with(svc().join(user("bob"), "123456789", kT0), ErrorCode::not_found));
  EXPECT_TRUE(fails_with(svc().room("123456789"), ErrorCode::not_found));
}

TEST_F(RoomMembersTest, OnlyOwnerOrAdminMayClose) {
  std::string id = create(user("olga"), "meeting");
  join(user("bob"), id);
  EXPECT_TRUE(fails_with(svc().close_room(user("bob"), id, kT0), ErrorCode::permission_denied));
  ok(svc().close_room(admin("root"), id, kT0));
  EXPECT_TRUE(fails_with(svc().room(id), ErrorCode::gone));
}

// A room-scoped token "sees and joins only that room": the owner of room A holding a token
// for room B is not A's owner through it, for any owner action (PK included).
TEST_F(RoomMembersTest, OwnerWithATokenForAnotherRoomCannotActAsOwner) {
  std::string a = live_room(user("olga"));
  std::string b = live_room(user("bob"));
  join(user("fan"), a);
  Actor olga_in_b = bound_to("olga", b);
  UpdateRoom upd;
  upd.title = "taken over";
  EXPECT_TRUE(fails_with(svc().update_room(olga_in_b, a, upd, kT0), ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().mute(olga_in_b, a, "fan", 60, kT0), ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().kick(olga_in_b, a, "fan", kT0), ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().invite(olga_in_b, a, "fan", kT0), ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().offers(olga_in_b, a), ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().pk_invite(olga_in_b, a, b, kT0), ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().close_room(olga_in_b, a, kT0), ErrorCode::permission_denied));
  // A PK between the two rooms: only a token for the invited room answers as its anchor,
  // and one for either anchor's own room ends it.
  Pk pk = ok(svc().pk_invite(bound_to("olga", a), a, b, kT0));
  EXPECT_TRUE(fails_with(svc().pk_answer(bound_to("bob", a), pk.id, true, kT0), ErrorCode::permission_denied));
  ok(svc().pk_answer(bound_to("bob", b), pk.id, true, kT0));
  EXPECT_TRUE(fails_with(svc().pk_end(bound_to("bob", a), pk.id, kT0), ErrorCode::permission_denied));
  ok(svc().pk_end(bound_to("olga", a), pk.id, kT0));
  // With a token for its own room the owner still is the owner.
  EXPECT_EQ(ok(svc().update_room(bound_to("olga", a), a, upd, kT0)).rec.title, "taken over");
  ok(svc().close_room(bound_to("olga", a), a, kT0));
}

TEST_F(RoomMembersTest, KickedUserCannotRejoinUntilKickBanPasses) {
  std::string id = create(user("olga"), "meeting");
  join(user("olga"), id);
  join(user("bob"), id);
  const int64_t kicked_at = kT0 + kSecond;
  const int64_t ban_ends = kicked_at + int64_t{cfg_.rooms.kick_ban_s} * kSecond;
  EXPECT_TRUE(
      fails_with(svc().kick(user("bob"), id, "olga", kicked_at), ErrorCode::permission_denied));
  ok(svc().kick(user("olga"), id, "bob", kicked_at));
  EXPECT_TRUE(fails_with(svc().member(id, "bob"), ErrorCode::not_found));
  auto left = only_event(EventType::member_left);
  EXPECT_EQ(json_str(left, "reason"), "kicked");

  EXPECT_TRUE(fails_with(svc().join(user("bob"), id, kicked_at + kSecond),
                         ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().join(user("bob"), id, ban_ends - 1), ErrorCode::permission_denied));
  EXPECT_EQ(join(user("bob"), id, ban_ends).user, "bob");
}

TEST_F(RoomMembersTest, LeavingRemovesTheMemberAndTheirSeat) {
  std::string id = create(user("olga"), "meeting");
  join(user("olga"), id);
  join(user("bob"), id);
  ok(svc().take_seat(user("bob"), id, kT0));
  clear_events();
  ok(svc().leave(user("bob"), id, kT0 + kSecond));
  EXPECT_TRUE(fails_with(svc().member(id, "bob"), ErrorCode::not_found));
  EXPECT_TRUE(seats(id).empty());
  EXPECT_EQ(room(id).online, 1);
  EXPECT_EQ(event_types(), (std::vector<std::string>{"seat_changed", "member_left"}));
  auto left = only_event(EventType::member_left);
  EXPECT_EQ(json_str(left, "user"), "bob");
  EXPECT_EQ(json_str(left, "reason"), "left");
  EXPECT_EQ(json_int(left, "online"), 1);
  // Leaving twice: no longer a member.
  EXPECT_TRUE(fails_with(svc().leave(user("bob"), id, kT0 + 2 * kSecond),
                         ErrorCode::permission_denied));
}

}  // namespace
}  // namespace onair::rooms::test
