// RoomService: PK between two live rooms (API.md "PK"): who may invite, answer and end,
// what both rooms show, conflicts, the anchor leaving, and the PK timers run by tick(now).
#include "room_fixture.hpp"

namespace onair::rooms::test {
namespace {

using bus::EventType;

class PkTest : public RoomServiceFixture {
 protected:
  void SetUp() override {
    RoomServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    a_ = live_room(ana_);
    b_ = live_room(bob_);
    join(fan_a_, a_);
    join(fan_b_, b_);
    clear_events();
  }

  // Heartbeats for everyone in both rooms.
  void beat_all(int64_t now) {
    beat(now, a_, {ana_, fan_a_});
    beat(now, b_, {bob_, fan_b_});
  }

  Pk invite_and_accept(int64_t now = kT0) {
    Pk pk = ok(svc().pk_invite(ana_, a_, b_, now));
    return ok(svc().pk_answer(bob_, pk.id, true, now));
  }

  void send_gift(const Actor& from, const std::string& room, int64_t gift_id, int64_t amount,
                 const std::string& biz, int64_t now,
                 std::source_location at = std::source_location::current()) {
    SendGift req;
    req.gift_id = gift_id;
    req.amount = amount;
    req.biz_id = biz;
    GiftPlan plan = ok(svc().plan_gift(from, room, req, now), at);
    ok(svc().complete_gift(plan.pending, now), at);
  }

  Actor ana_ = user("ana");
  Actor bob_ = user("bob");
  Actor fan_a_ = user("fan-a");
  Actor fan_b_ = user("fan-b");
  std::string a_;
  std::string b_;
};

TEST_F(PkTest, OnlyFromRoomOwnerMayInvite) {
  EXPECT_TRUE(fails_with(svc().pk_invite(bob_, a_, b_, kT0), ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().pk_invite(fan_a_, a_, b_, kT0), ErrorCode::permission_denied));
  EXPECT_FALSE(room(a_).pk.has_value());
  EXPECT_FALSE(room(b_).pk.has_value());
  Pk pk = ok(svc().pk_invite(ana_, a_, b_, kT0));
  EXPECT_EQ(pk.status, "inviting");
  EXPECT_EQ(pk.room_a, a_);
  EXPECT_EQ(pk.room_b, b_);
  EXPECT_EQ(pk.expires_at, kT0 + int64_t{cfg_.pk.invite_timeout_s} * kSecond);
  auto e = events_of(EventType::pk_invitation);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0]->room, a_);
  EXPECT_EQ(e[0]->peer_room, b_);
}

TEST_F(PkTest, BothRoomsShowThePkWhileInviting) {
  Pk pk = ok(svc().pk_invite(ana_, a_, b_, kT0));
  RoomView va = room(a_);
  RoomView vb = room(b_);
  ASSERT_TRUE(va.pk.has_value());
  ASSERT_TRUE(vb.pk.has_value());
  EXPECT_EQ(va.pk->pk.id, pk.id);
  EXPECT_EQ(va.pk->pk.status, "inviting");
  EXPECT_EQ(va.pk->peer_room, b_);
  EXPECT_EQ(va.pk->peer_anchor, "bob");
  EXPECT_EQ(vb.pk->pk.id, pk.id);
  EXPECT_EQ(vb.pk->peer_room, a_);
  EXPECT_EQ(vb.pk->peer_anchor, "ana");
  EXPECT_EQ(ok(svc().pk(pk.id)).status, "inviting");
}

TEST_F(PkTest, OnlyToRoomOwnerMayAnswerAndAcceptingStartsIt) {
  Pk pk = ok(svc().pk_invite(ana_, a_, b_, kT0));
  EXPECT_TRUE(fails_with(svc().pk_answer(ana_, pk.id, true, kT0), ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().pk_answer(fan_b_, pk.id, true, kT0), ErrorCode::permission_denied));
  EXPECT_TRUE(
      fails_with(svc().pk_answer(fan_b_, pk.id, false, kT0), ErrorCode::permission_denied));
  EXPECT_EQ(ok(svc().pk(pk.id)).status, "inviting");

  const int64_t start = kT0 + 2 * kSecond;
  Pk active = ok(svc().pk_answer(bob_, pk.id, true, start));
  EXPECT_EQ(active.status, "active");
  EXPECT_EQ(active.started_at, start);
  EXPECT_EQ(active.ends_at, start + int64_t{cfg_.pk.duration_s} * kSecond);
  for (const auto& id : {a_, b_}) {
    RoomView v = room(id);
    ASSERT_TRUE(v.pk.has_value()) << id;
    EXPECT_EQ(v.pk->pk.status, "active");
    EXPECT_EQ(v.pk->pk.id, pk.id);
  }
  EXPECT_EQ(room(a_).pk->peer_anchor, "bob");
  EXPECT_EQ(room(b_).pk->peer_anchor, "ana");
  EXPECT_EQ(events_of(EventType::pk_started).size(), 1u);
  // Accepting twice: it has started already.
  EXPECT_TRUE(fails_with(svc().pk_answer(bob_, pk.id, true, start), ErrorCode::conflict));
}

TEST_F(PkTest, RejectedInvitationLeavesBothRoomsFree) {
  Pk pk = ok(svc().pk_invite(ana_, a_, b_, kT0));
  Pk rejected = ok(svc().pk_answer(bob_, pk.id, false, kT0 + kSecond));
  EXPECT_EQ(rejected.status, "ended");
  EXPECT_EQ(rejected.end_reason, "rejected");
  EXPECT_FALSE(room(a_).pk.has_value());
  EXPECT_FALSE(room(b_).pk.has_value());
  EXPECT_TRUE(fails_with(svc().pk(pk.id), ErrorCode::not_found));
  EXPECT_EQ(events_of(EventType::pk_rejected).size(), 1u);
  EXPECT_TRUE(events_of(EventType::pk_ended).empty());
  // Either room may be invited again.
  EXPECT_EQ(ok(svc().pk_invite(bob_, b_, a_, kT0 + 2 * kSecond)).status, "inviting");
}

TEST_F(PkTest, EitherAnchorMayEndTheActivePk) {
  Pk pk = invite_and_accept();
  EXPECT_TRUE(fails_with(svc().pk_end(fan_a_, pk.id, kT0), ErrorCode::permission_denied));
  EXPECT_TRUE(fails_with(svc().pk_end(fan_b_, pk.id, kT0), ErrorCode::permission_denied));
  Pk ended = ok(svc().pk_end(bob_, pk.id, kT0 + 10 * kSecond));
  EXPECT_EQ(ended.status, "ended");
  EXPECT_EQ(ended.end_reason, "ended");
  EXPECT_EQ(ended.ends_at, kT0 + 10 * kSecond);
  EXPECT_FALSE(room(a_).pk.has_value());
  EXPECT_FALSE(room(b_).pk.has_value());
  EXPECT_EQ(events_of(EventType::pk_ended).size(), 1u);

  Pk second = invite_and_accept(kT0 + 20 * kSecond);
  EXPECT_EQ(ok(svc().pk_end(ana_, second.id, kT0 + 30 * kSecond)).status, "ended");
  EXPECT_TRUE(fails_with(svc().pk_end(ana_, second.id, kT0 + 31 * kSecond), ErrorCode::not_found));
}

TEST_F(PkTest, InvitingAnchorMayCancelTheInvitation) {
  Pk pk = ok(svc().pk_invite(ana_, a_, b_, kT0));
  Pk cancelled = ok(svc().pk_end(ana_, pk.id, kT0 + kSecond));
  EXPECT_EQ(cancelled.status, "ended");
  EXPECT_EQ(cancelled.end_reason, "cancelled");
  EXPECT_FALSE(room(b_).pk.has_value());
}

TEST_F(PkTest, RoomAlreadyInPkCannotBeInvited) {
  Actor cat = user("cat");
  std::string c = live_room(cat);
  ok(svc().pk_invite(ana_, a_, b_, kT0));
  // While inviting...
  EXPECT_TRUE(fails_with(svc().pk_invite(cat, c, b_, kT0), ErrorCode::conflict));
  EXPECT_TRUE(fails_with(svc().pk_invite(cat, c, a_, kT0), ErrorCode::conflict));
  EXPECT_TRUE(fails_with(svc().pk_invite(ana_, a_, c, kT0), ErrorCode::conflict));
  EXPECT_TRUE(fails_with(svc().pk_invite(bob_, b_, c, kT0), ErrorCode::conflict));
  // ...and while active.
  ok(svc().pk_answer(bob_, room(b_).pk->pk.id, true, kT0));
  EXPECT_TRUE(fails_with(svc().pk_invite(cat, c, b_, kT0), ErrorCode::conflict));
  EXPECT_TRUE(fails_with(svc().pk_invite(ana_, a_, c, kT0), ErrorCode::conflict));
  EXPECT_FALSE(room(c).pk.has_value());
}

TEST_F(PkTest, PkIsBetweenTwoLiveRooms) {
  std::string meeting = create(ana_, "meeting");
  EXPECT_TRUE(fails_with(svc().pk_invite(ana_, a_, meeting, kT0), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(svc().pk_invite(ana_, a_, a_, kT0), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(svc().pk_invite(ana_, a_, "987654321", kT0), ErrorCode::not_found));
}

TEST_F(PkTest, InvitedRoomsAnchorMustBePresent) {
  ok(svc().leave(bob_, b_, kT0));
  EXPECT_TRUE(fails_with(svc().pk_invite(ana_, a_, b_, kT0), ErrorCode::conflict));
}

TEST_F(PkTest, AnchorLeavingEndsTheActivePk) {
  Pk pk = invite_and_accept();
  send_gift(fan_a_, a_, 2, 1, "g1", kT0 + kSecond);
  clear_events();
  ok(svc().leave(bob_, b_, kT0 + 5 * kSecond));
  EXPECT_TRUE(fails_with(svc().pk(pk.id), ErrorCode::not_found));
  EXPECT_FALSE(room(a_).pk.has_value());
  EXPECT_FALSE(room(b_).pk.has_value());
  auto ended = only_event(EventType::pk_ended);
  EXPECT_EQ(json_str(ended, "status"), "ended");
  EXPECT_EQ(json_str(ended, "end_reason"), "anchor_left");
  EXPECT_EQ(json_str(ended, "winner"), a_);
  EXPECT_EQ(json_int(ended, "ends_at"), kT0 + 5 * kSecond);
}

TEST_F(PkTest, AnchorLeavingEndsThePkInvitation) {
  Pk pk = ok(svc().pk_invite(ana_, a_, b_, kT0));
  ok(svc().leave(ana_, a_, kT0 + kSecond));
  EXPECT_TRUE(fails_with(svc().pk(pk.id), ErrorCode::not_found));
  EXPECT_FALSE(room(b_).pk.has_value());
  EXPECT_EQ(json_str(only_event(EventType::pk_cancelled), "end_reason"), "anchor_left");
}

TEST_F(PkTest, InvitationExpiresAfterInviteTimeout) {
  Pk pk = ok(svc().pk_invite(ana_, a_, b_, kT0));
  const int64_t expiry = kT0 + int64_t{cfg_.pk.invite_timeout_s} * kSecond;
  beat_all(kT0 + 15 * kSecond);
  svc().tick(expiry - 1);
  EXPECT_EQ(ok(svc().pk(pk.id)).status, "inviting");
  EXPECT_TRUE(room(b_).pk.has_value());
  svc().tick(expiry);
  EXPECT_TRUE(fails_with(svc().pk(pk.id), ErrorCode::not_found));
  EXPECT_FALSE(room(a_).pk.has_value());
  EXPECT_FALSE(room(b_).pk.has_value());
  auto expired = only_event(EventType::pk_expired);
  EXPECT_EQ(json_str(expired, "end_reason"), "expired");
  EXPECT_TRUE(fails_with(svc().pk_answer(bob_, pk.id, true, expiry), ErrorCode::not_found));
}

TEST_F(PkTest, ActivePkEndsAtDurationWithHigherScoreAsWinner) {
  const int64_t start = kT0 + kSecond;
  Pk pk = invite_and_accept(start);
  const int64_t end = start + int64_t{cfg_.pk.duration_s} * kSecond;
  ASSERT_EQ(pk.ends_at, end);
  send_gift(fan_b_, b_, 1, 30, "to-bob", start + kSecond);  // b: 30
  send_gift(fan_a_, a_, 2, 1, "to-ana", start + kSecond);   // a: 50

  beat_all(end - 1);
  svc().tick(end - 1);
  EXPECT_EQ(ok(svc().pk(pk.id)).status, "active");
  EXPECT_TRUE(events_of(EventType::pk_ended).empty());

  beat_all(end);
  svc().tick(end);
  EXPECT_TRUE(fails_with(svc().pk(pk.id), ErrorCode::not_found));
  EXPECT_FALSE(room(a_).pk.has_value());
  EXPECT_FALSE(room(b_).pk.has_value());
  auto ended = only_event(EventType::pk_ended);
  EXPECT_EQ(json_str(ended, "end_reason"), "time_up");
  EXPECT_EQ(json_str(ended, "winner"), a_);
  EXPECT_EQ(json_int(ended, "ends_at"), end);
  const auto* scores = ended.if_contains("scores");
  ASSERT_TRUE(scores && scores->is_object());
  EXPECT_EQ(json_int(scores->as_object(), "a"), 50);
  EXPECT_EQ(json_int(scores->as_object(), "b"), 30);
}

TEST_F(PkTest, PkEndingInADrawHasNoWinner) {
  const int64_t start = kT0;
  Pk pk = invite_and_accept(start);
  send_gift(fan_a_, a_, 1, 7, "to-ana", start);
  send_gift(fan_b_, b_, 1, 7, "to-bob", start);
  const int64_t end = start + int64_t{cfg_.pk.duration_s} * kSecond;
  beat_all(end);
  svc().tick(end);
  auto ended = only_event(EventType::pk_ended);
  EXPECT_EQ(json_str(ended, "end_reason"), "time_up");
  const auto* winner = ended.if_contains("winner");
  ASSERT_NE(winner, nullptr);
  EXPECT_TRUE(winner->is_null()) << boost::json::serialize(*winner);
  EXPECT_TRUE(fails_with(svc().pk(pk.id), ErrorCode::not_found));
}

}  // namespace
}  // namespace onair::rooms::test
