// RoomService: seats (API.md "Seats"). Live rooms: requests, invitations, seat 0, muting.
// Calls and meetings: take_seat.
#include "room_fixture.hpp"

namespace onair::rooms::test {
namespace {

using bus::EventType;

class LiveSeatTest : public RoomServiceFixture {
 protected:
  void SetUp() override {
    RoomServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    id_ = live_room(anchor_, kT0, 3);
    for (const Actor& a : {fan1_, fan2_, fan3_}) join(a, id_);
    clear_events();
  }

  Actor anchor_ = user("ana");
  Actor fan1_ = user("fan1");
  Actor fan2_ = user("fan2");
  Actor fan3_ = user("fan3");
  std::string id_;
};

TEST_F(LiveSeatTest, AcceptedRequestGetsLowestFreeSeatAndCohostRole) {
  auto offer = ok(svc().request_seat(fan1_, id_, kT0));
  EXPECT_EQ(offer.kind, "request");
  EXPECT_EQ(offer.user, "fan1");
  EXPECT_EQ(offer.expires_at, kT0 + int64_t{cfg_.rooms.seat_offer_timeout_s} * kSecond);
  auto seat = ok(svc().answer_request(anchor_, id_, "fan1", true, kT0));
  ASSERT_TRUE(seat.has_value());
  EXPECT_EQ(seat->index, 1);
  EXPECT_EQ(seat->user, "fan1");
  EXPECT_EQ(role_of(id_, "fan1"), "cohost");

  EXPECT_EQ(seat_by_request(anchor_, fan2_, id_).index, 2);
  // Seat 1 frees up: the next accepted request gets it, not seat 3.
  ok(svc().leave_seat(fan1_, id_, "fan1", kT0));
  EXPECT_EQ(seat_by_request(anchor_, fan3_, id_).index, 1);
  auto s = seats(id_);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].user, "ana");
  EXPECT_EQ(s[1].user, "fan3");
  EXPECT_EQ(s[2].user, "fan2");
}

TEST_F(LiveSeatTest, RequestingTwiceIsOneRequest) {
  auto first = ok(svc().request_seat(fan1_, id_, kT0));
  auto again = ok(svc().request_seat(fan1_, id_, kT0 + 5 * kSecond));
  EXPECT_EQ(again.expires_at, first.expires_at);
  EXPECT_EQ(events_of(EventType::seat_request).size(), 1u);
}

TEST_F(LiveSeatTest, RejectedRequestSeatsNobody) {
  ok(svc().request_seat(fan1_, id_, kT0));
  auto answer = ok(svc().answer_request(anchor_, id_, "fan1", false, kT0));
  EXPECT_FALSE(answer.has_value());
  EXPECT_EQ(seats(id_).size(), 1u);
  EXPECT_EQ(role_of(id_, "fan1"), "audience");
  auto rejected = only_event(EventType::seat_request_rejected);
  EXPECT_EQ(json_str(rejected, "user"), "fan1");
  EXPECT_EQ(json_str(rejected, "reason"), "rejected");
  // The request is gone: answering it again finds nothing.
  EXPECT_TRUE(fails_with(svc().answer_request(anchor_, id_, "fan1", true, kT0),
                         ErrorCode::not_found));
}

TEST_F(LiveSeatTest, RequestInRoomWithAllSeatsTakenIsConflict) {
  seat_by_request(anchor_, fan1_, id_);
  seat_by_request(anchor_, fan2_, id_);
  ok(svc().invite(anchor_, id_, "fan3", kT0));
  ok(svc().answer_invitation(fan3_, id_, true, kT0));
  Actor fan4 = user("fan4");
  join(fan4, id_);
  EXPECT_TRUE(fails_with(svc().request_seat(fan4, id_, kT0), ErrorCode::conflict));
  EXPECT_TRUE(fails_with(svc().invite(anchor_, id_, "fan4", kT0), ErrorCode::conflict));
  EXPECT_EQ(seats(id_).size(), 4u);  // seat 0 and the three co-host seats
}

TEST_F(LiveSeatTest, AcceptingRequestAfterSeatsFilledUpIsConflict) {
  std::string small = live_room(user("zed"), kT0, 1);
  join(fan1_, small);
  join(fan2_, small);
  ok(svc().request_seat(fan1_, small, kT0));
  ok(svc().request_seat(fan2_, small, kT0));
  EXPECT_EQ(ok(svc().answer_request(user("zed"), small, "fan1", true, kT0))->index, 1);
  EXPECT_TRUE(fails_with(svc().answer_request(user("zed"), small, "fan2", true, kT0),
                         ErrorCode::conflict));
  EXPECT_EQ(role_of(small, "fan2"), "audience");
}

TEST_F(LiveSeatTest, RoomWithoutCohostSeatsRefusesRequests) {
  std::string solo = live_room(user("zed"), kT0, 0);
  join(fan1_, solo);
  EXPECT_TRUE(fails_with(svc().request_seat(fan1_, solo, kT0), ErrorCode::conflict));
}

TEST_F(LiveSeatTest, InvitationAcceptedByInviteeSeatsThem) {
  auto offer = ok(svc().invite(anchor_, id_, "fan2", kT0));
  EXPECT_EQ(offer.kind, "invitation");
  EXPECT_EQ(offer.user, "fan2");
  auto invited = only_event(EventType::seat_invitation);
  EXPECT_EQ(json_str(invited, "user"), "fan2");
  EXPECT_EQ(json_str(invited, "from"), "ana");

  // Only the invitee has an invitation to answer.
  EXPECT_TRUE(fails_with(svc().answer_invitation(fan1_, id_, true, kT0), ErrorCode::not_found));
  auto seat = ok(svc().answer_invitation(fan2_, id_, true, kT0 + kSecond));
  ASSERT_TRUE(seat.has_value());
  EXPECT_EQ(seat->index, 1);
  EXPECT_EQ(seat->user, "fan2");
  EXPECT_EQ(role_of(id_, "fan2"), "cohost");
  EXPECT_TRUE(fails_with(svc().answer_invitation(fan2_, id_, true, kT0 + kSecond),
                         ErrorCode::not_found));
}

TEST_F(LiveSeatTest, InvitationRejectedByInviteeSeatsNobody) {
  ok(svc().invite(anchor_, id_, "fan2", kT0));
  auto answer = ok(svc().answer_invitation(fan2_, id_, false, kT0));
  EXPECT_FALSE(answer.has_value());
  EXPECT_EQ(seats(id_).size(), 1u);
  EXPECT_EQ(role_of(id_, "fan2"), "audience");
  auto rejected = only_event(EventType::seat_invitation_rejected);
  EXPECT_EQ(json_str(rejected, "user"), "fan2");
  EXPECT_EQ(json_str(rejected, "reason"), "rejected");
}

TEST_F(LiveSeatTest, OnlyOwnerOrAdminMayAnswerRequests) {
  Actor cohost = fan3_;
  seat_by_request(anchor_, cohost, id_);
  ok(svc().request_seat(fan1_, id_, kT0));
  EXPECT_TRUE(fails_with(svc().answer_request(fan2_, id_, "fan1", true, kT0),
                         ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().answer_request(cohost, id_, "fan1", true, kT0),
                         ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().answer_request(fan1_, id_, "fan1", true, kT0),
                         ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().answer_request(fan2_, id_, "fan1", false, kT0),
                         ErrorCode::permission_denied));
  EXPECT_EQ(seats(id_).size(), 2u);
  auto seat = ok(svc().answer_request(admin("root"), id_, "fan1", true, kT0));
  ASSERT_TRUE(seat.has_value());
  EXPECT_EQ(seat->user, "fan1");
}

TEST_F(LiveSeatTest, OnlyOwnerOrAdminMayInvite) {
  EXPECT_TRUE(fails_with(svc().invite(fan1_, id_, "fan2", kT0), ErrorCode::permission_denied));
  EXPECT_TRUE(events_of(EventType::seat_invitation).empty());
  EXPECT_EQ(ok(svc().invite(admin("root"), id_, "fan2", kT0)).user, "fan2");
  EXPECT_TRUE(svc().answer_invitation(fan2_, id_, true, kT0).has_value());
}

TEST_F(LiveSeatTest, InvitingSomeoneNotInTheRoomIsNotFound) {
  EXPECT_TRUE(fails_with(svc().invite(anchor_, id_, "stranger", kT0), ErrorCode::not_found));
}

TEST_F(LiveSeatTest, AnchorSeatZeroCannotBeFreed) {
  EXPECT_TRUE(fails_with(svc().leave_seat(anchor_, id_, "ana", kT0), ErrorCode::conflict));
  EXPECT_TRUE(fails_with(svc().leave_seat(admin("root"), id_, "ana", kT0), ErrorCode::conflict));
  auto s = seats(id_);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].user, "ana");
  EXPECT_EQ(role_of(id_, "ana"), "anchor");
}

TEST_F(LiveSeatTest, LeavingSeatMakesMemberAudienceAgain) {
  seat_by_request(anchor_, fan1_, id_);
  clear_events();
  ok(svc().leave_seat(fan1_, id_, "fan1", kT0 + kSecond));
  EXPECT_EQ(seats(id_).size(), 1u);
  EXPECT_EQ(role_of(id_, "fan1"), "audience");
  auto changed = only_event(EventType::seat_changed);
  EXPECT_EQ(json_str(changed, "user"), "fan1");
  EXPECT_EQ(json_str(changed, "action"), "left");
  // Still a member, free to ask again.
  EXPECT_EQ(ok(svc().request_seat(fan1_, id_, kT0 + 2 * kSecond)).kind, "request");
}

TEST_F(LiveSeatTest, AnchorRemovesCohostButOthersMayNot) {
  seat_by_request(anchor_, fan1_, id_);
  EXPECT_TRUE(
      fails_with(svc().leave_seat(fan2_, id_, "fan1", kT0), ErrorCode::permission_denied));
  clear_events();
  ok(svc().leave_seat(anchor_, id_, "fan1", kT0));
  EXPECT_EQ(role_of(id_, "fan1"), "audience");
  EXPECT_EQ(json_str(only_event(EventType::seat_changed), "action"), "removed");
  EXPECT_TRUE(fails_with(svc().leave_seat(anchor_, id_, "fan1", kT0), ErrorCode::not_found));
}

TEST_F(LiveSeatTest, UpdateSeatMutesAudioAndVideo) {
  seat_by_request(anchor_, fan1_, id_);
  auto s = ok(svc().update_seat(fan1_, id_, "fan1", true, std::nullopt, kT0));
  EXPECT_TRUE(s.audio_muted);
  EXPECT_FALSE(s.video_muted);
  s = ok(svc().update_seat(anchor_, id_, "fan1", std::nullopt, true, kT0));
  EXPECT_TRUE(s.audio_muted);  // untouched by a change to video only
  EXPECT_TRUE(s.video_muted);
  auto listed = seats(id_);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_TRUE(listed[1].audio_muted);
  EXPECT_TRUE(listed[1].video_muted);
  EXPECT_TRUE(fails_with(svc().update_seat(fan2_, id_, "fan1", false, false, kT0),
                         ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().update_seat(fan2_, id_, "fan2", true, true, kT0),
                         ErrorCode::not_found));
  s = ok(svc().update_seat(fan1_, id_, "fan1", false, std::nullopt, kT0));
  EXPECT_FALSE(s.audio_muted);
  EXPECT_TRUE(s.video_muted);
  EXPECT_EQ(json_str(parse_object(events_of(EventType::seat_changed).back()->data), "action"),
            "updated");
}

TEST_F(LiveSeatTest, TokenWithoutPublishCannotAskForSeat) {
  Actor viewer = audience_token("viewer");
  join(viewer, id_);
  EXPECT_TRUE(fails_with(svc().request_seat(viewer, id_, kT0), ErrorCode::permission_denied));
  ok(svc().invite(anchor_, id_, "viewer", kT0));
  EXPECT_TRUE(
      fails_with(svc().answer_invitation(viewer, id_, true, kT0), ErrorCode::permission_denied));
}

TEST_F(LiveSeatTest, LiveSeatsAreNotTakenDirectly) {
  EXPECT_TRUE(fails_with(svc().take_seat(fan1_, id_, kT0), ErrorCode::invalid_argument));
}

// ---- calls and meetings ----

using SeatTest = RoomServiceFixture;

TEST_F(SeatTest, CallMembersTakeTheTwoSeats) {
  std::string id = create(user("olga"), "call");
  join(user("olga"), id);
  join(user("bob"), id);
  EXPECT_EQ(ok(svc().take_seat(user("olga"), id, kT0)).index, 0);
  auto s = ok(svc().take_seat(user("bob"), id, kT0));
  EXPECT_EQ(s.index, 1);
  EXPECT_EQ(s.user, "bob");
  EXPECT_EQ(role_of(id, "bob"), "member");
  EXPECT_EQ(seats(id).size(), 2u);
}

TEST_F(SeatTest, RetakingSeatIsIdempotent) {
  std::string id = create(user("olga"), "meeting");
  join(user("olga"), id);
  join(user("bob"), id);
  ok(svc().take_seat(user("olga"), id, kT0));
  auto first = ok(svc().take_seat(user("bob"), id, kT0));
  clear_events();
  auto again = ok(svc().take_seat(user("bob"), id, kT0 + kSecond));
  EXPECT_EQ(again.index, first.index);
  EXPECT_EQ(again.user, "bob");
  EXPECT_EQ(seats(id).size(), 2u);
  EXPECT_TRUE(events_.empty());
}

// Members of a meeting never outnumber its seats unless the owner shrinks the meeting, so
// the "all seats taken" conflict needs max_members lowered below the member count.
TEST_F(SeatTest, TakingSeatWhenAllAreTakenIsConflict) {
  Actor owner = user("olga");
  std::string id = create(owner, "meeting", kT0, 3);
  for (const char* u : {"olga", "bob", "cid"}) join(user(u), id);
  EXPECT_EQ(ok(svc().take_seat(owner, id, kT0)).index, 0);
  EXPECT_EQ(ok(svc().take_seat(user("bob"), id, kT0)).index, 1);
  UpdateRoom shrink;
  shrink.max_members = 2;
  ok(svc().update_room(owner, id, shrink, kT0));
  EXPECT_TRUE(fails_with(svc().take_seat(user("cid"), id, kT0), ErrorCode::conflict));
  EXPECT_EQ(seats(id).size(), 2u);
}

TEST_F(SeatTest, TakingSeatNeedsMembershipAndPublishGrant) {
  std::string id = create(user("olga"), "meeting");
  EXPECT_TRUE(fails_with(svc().take_seat(user("bob"), id, kT0), ErrorCode::permission_denied));
  Actor viewer = audience_token("viewer");
  join(viewer, id);
  EXPECT_TRUE(fails_with(svc().take_seat(viewer, id, kT0), ErrorCode::permission_denied));
  EXPECT_TRUE(seats(id).empty());
}

TEST_F(SeatTest, SeatRequestsAreForLiveRoomsOnly) {
  std::string id = create(user("olga"), "meeting");
  join(user("bob"), id);
  EXPECT_TRUE(fails_with(svc().request_seat(user("bob"), id, kT0), ErrorCode::invalid_argument));
  EXPECT_TRUE(
      fails_with(svc().invite(user("olga"), id, "bob", kT0), ErrorCode::invalid_argument));
}

// A meeting shrunk below the index of a taken seat keeps that seat, and the free_seat() scan
// of 0..max_members-1 then hands out another one: more seats than max_members.
TEST_F(SeatTest, MeetingNeverHasMoreSeatsThanMaxMembersAfterShrinking) {
  Actor owner = user("olga");
  std::string id = create(owner, "meeting", kT0, 4);
  for (const char* u : {"olga", "bob", "cid", "dan"}) {
    join(user(u), id);
    ok(svc().take_seat(user(u), id, kT0));
  }
  ok(svc().leave_seat(user("bob"), id, "bob", kT0));  // seats 0, 2, 3 remain
  UpdateRoom shrink;
  shrink.max_members = 3;
  auto updated = svc().update_room(owner, id, shrink, kT0);
  auto retake = svc().take_seat(user("bob"), id, kT0);
  int64_t max_members = room(id).rec.max_members;
  EXPECT_LE(static_cast<int64_t>(seats(id).size()), max_members)
      << "update_room " << (updated ? "succeeded" : "failed") << ", take_seat "
      << (retake ? "gave seat " + std::to_string(retake->index) : "failed");
  for (const auto& s : seats(id)) EXPECT_LT(s.index, max_members) << s.user;
}

}  // namespace
}  // namespace onair::rooms::test
