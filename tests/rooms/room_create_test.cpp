// RoomService: creating rooms (API.md "Rooms"): kinds, member and seat limits, who may create.
#include "room_fixture.hpp"

namespace onair::rooms::test {
namespace {

using RoomCreateTest = RoomServiceFixture;

Result<RoomView> create_req(RoomService& svc, const Actor& a, const std::string& kind,
                            std::optional<int64_t> max_members = std::nullopt,
                            std::optional<int64_t> max_seats = std::nullopt) {
  CreateRoom req;
  req.kind = kind;
  req.max_members = max_members;
  req.max_seats = max_seats;
  return svc.create_room(a, req, kT0);
}

TEST_F(RoomCreateTest, LiveRoomIsOwnedByItsAnchorWhoHoldsSeatZero) {
  Actor anchor = user("ana");
  RoomView v = ok(create_req(svc(), anchor, "live"));
  EXPECT_EQ(v.rec.kind, "live");
  EXPECT_EQ(v.rec.owner, "ana");
  EXPECT_EQ(v.rec.status, "idle");
  EXPECT_EQ(v.rec.created_at, kT0);
  EXPECT_EQ(v.rec.max_seats, cfg_.rooms.default_max_seats);
  EXPECT_EQ(v.rec.max_members, cfg_.rooms.live_max_members);
  ASSERT_EQ(v.seats.size(), 1u);
  EXPECT_EQ(v.seats[0].index, 0);
  EXPECT_EQ(v.seats[0].user, "ana");
  EXPECT_FALSE(v.seats[0].live);
  EXPECT_EQ(v.online, 0);
  EXPECT_FALSE(v.pk.has_value());

  // The seat is durable, and the anchor joins as the anchor.
  auto stored = store_->room(v.rec.id);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->owner, "ana");
  EXPECT_EQ(join(anchor, v.rec.id).role, "anchor");
  EXPECT_EQ(join(user("fan"), v.rec.id).role, "audience");
  ASSERT_EQ(seats(v.rec.id).size(), 1u);
  EXPECT_EQ(seats(v.rec.id)[0].user, "ana");
}

TEST_F(RoomCreateTest, LiveRoomSeatsRangeFromZeroToMaxLiveSeats) {
  Actor anchor = user("ana");
  EXPECT_EQ(ok(create_req(svc(), anchor, "live", std::nullopt, 0)).rec.max_seats, 0);
  EXPECT_EQ(ok(create_req(svc(), anchor, "live", std::nullopt, cfg_.rooms.max_live_seats))
                .rec.max_seats,
            cfg_.rooms.max_live_seats);
  EXPECT_TRUE(fails_with(create_req(svc(), anchor, "live", std::nullopt,
                                    int64_t{cfg_.rooms.max_live_seats} + 1),
                         ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(create_req(svc(), anchor, "live", std::nullopt, -1),
                         ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(create_req(svc(), anchor, "live", 0), ErrorCode::invalid_argument));
}

TEST_F(RoomCreateTest, CallHasExactlyTwoMembers) {
  Actor owner = user("olga");
  RoomView v = ok(create_req(svc(), owner, "call"));
  EXPECT_EQ(v.rec.kind, "call");
  EXPECT_EQ(v.rec.max_members, 2);
  EXPECT_TRUE(v.seats.empty());  // nobody sits before taking a seat
  EXPECT_EQ(ok(create_req(svc(), owner, "call", 2)).rec.max_members, 2);
  EXPECT_TRUE(fails_with(create_req(svc(), owner, "call", 3), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(create_req(svc(), owner, "call", 1), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(create_req(svc(), owner, "call", std::nullopt, 2),
                         ErrorCode::invalid_argument));
}

TEST_F(RoomCreateTest, MeetingDefaultsToFourMembers) {
  RoomView v = ok(create_req(svc(), user("olga"), "meeting"));
  EXPECT_EQ(v.rec.kind, "meeting");
  EXPECT_EQ(v.rec.max_members, 4);
  EXPECT_TRUE(v.seats.empty());
}

TEST_F(RoomCreateTest, MeetingHasTwoToMaxMeetingMembers) {
  Actor owner = user("olga");
  const int64_t max = cfg_.rooms.max_meeting_members;
  EXPECT_EQ(ok(create_req(svc(), owner, "meeting", 2)).rec.max_members, 2);
  EXPECT_EQ(ok(create_req(svc(), owner, "meeting", max)).rec.max_members, max);
  EXPECT_TRUE(fails_with(create_req(svc(), owner, "meeting", 1), ErrorCode::invalid_argument));
  EXPECT_TRUE(
      fails_with(create_req(svc(), owner, "meeting", max + 1), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(create_req(svc(), owner, "meeting", std::nullopt, 2),
                         ErrorCode::invalid_argument));
}

TEST_F(RoomCreateTest, RefusesUnknownKind) {
  EXPECT_TRUE(fails_with(create_req(svc(), user("olga"), "radio"), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(create_req(svc(), user("olga"), ""), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(create_req(svc(), user("olga"), "LIVE"), ErrorCode::invalid_argument));
  EXPECT_EQ(svc().stats().rooms, 0);
}

TEST_F(RoomCreateTest, AudienceTokenCannotCreateRoom) {
  EXPECT_TRUE(fails_with(create_req(svc(), audience_token("fan"), "live"),
                         ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(create_req(svc(), audience_token("fan"), "meeting"),
                         ErrorCode::permission_denied));
  EXPECT_EQ(svc().stats().rooms, 0);
  EXPECT_TRUE(events_.empty());
}

TEST_F(RoomCreateTest, RoomBoundTokenCannotCreateRoom) {
  std::string existing = create(user("olga"), "meeting");
  EXPECT_TRUE(fails_with(create_req(svc(), bound_to("bob", existing), "live"),
                         ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(create_req(svc(), bound_to("bob", existing), "call"),
                         ErrorCode::permission_denied));
  EXPECT_EQ(svc().stats().rooms, 1);
}

}  // namespace
}  // namespace onair::rooms::test
