// RoomService: gifts (plan, complete, abandon; biz_id idempotency; PK scores) and likes
// (API.md "Gifts and likes").
#include "room_fixture.hpp"

namespace onair::rooms::test {
namespace {

using bus::EventType;

class GiftTest : public RoomServiceFixture {
 protected:
  void SetUp() override {
    RoomServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    room_ = live_room(anchor_);
    join(fan_, room_);
    join(other_, room_);
    clear_events();
  }

  static SendGift gift(int64_t gift_id, int64_t amount, const std::string& biz,
                       const std::string& to = "") {
    SendGift g;
    g.gift_id = gift_id;
    g.amount = amount;
    g.biz_id = biz;
    g.to = to;
    return g;
  }

  Result<GiftPlan> plan(const Actor& from, const SendGift& g, int64_t now = kT0) {
    return svc().plan_gift(from, room_, g, now);
  }

  Actor anchor_ = user("ana");
  Actor fan_ = user("fan");
  Actor other_ = user("other");
  std::string room_;
};

TEST_F(GiftTest, CompletedGiftIsRecorded) {
  GiftPlan p = ok(plan(fan_, gift(2, 3, "biz-1")));
  EXPECT_FALSE(p.done.has_value());
  EXPECT_EQ(p.anchor, "ana");
  EXPECT_EQ(p.pending.from_user, "fan");
  EXPECT_EQ(p.pending.from_name, "fan name");
  EXPECT_EQ(p.pending.to_user, "ana");
  EXPECT_EQ(p.pending.gift_id, 2);
  EXPECT_EQ(p.pending.amount, 3);
  EXPECT_EQ(p.pending.value, 150);  // price 50 x 3
  EXPECT_TRUE(stored_gifts(room_).empty());  // nothing recorded before payment

  Gift g = ok(svc().complete_gift(p.pending, kT0 + kSecond));
  EXPECT_EQ(g.id, p.pending.id);
  EXPECT_EQ(g.created_at, kT0 + kSecond);
  auto stored = stored_gifts(room_);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, g.id);
  EXPECT_EQ(stored[0].biz_id, "biz-1");
  EXPECT_EQ(stored[0].from_user, "fan");
  EXPECT_EQ(stored[0].to_user, "ana");
  EXPECT_EQ(stored[0].value, 150);
  EXPECT_EQ(stored[0].pk_id, "");
  auto sent = only_event(EventType::gift_sent);
  EXPECT_EQ(json_str(sent, "biz_id"), "biz-1");
  EXPECT_EQ(json_int(sent, "value"), 150);
}

TEST_F(GiftTest, GiftToAnotherMemberGoesToThem) {
  GiftPlan p = ok(plan(fan_, gift(1, 2, "biz-1", "other")));
  EXPECT_EQ(p.pending.to_user, "other");
  EXPECT_EQ(p.anchor, "ana");
  EXPECT_EQ(ok(svc().complete_gift(p.pending, kT0)).to_user, "other");
  EXPECT_TRUE(fails_with(plan(fan_, gift(1, 1, "biz-2", "stranger")), ErrorCode::not_found));
}

TEST_F(GiftTest, RepeatedBizIdReturnsFirstGiftAndRecordsItOnce) {
  GiftPlan p = ok(plan(fan_, gift(2, 1, "biz-1")));
  Gift first = ok(svc().complete_gift(p.pending, kT0));
  clear_events();
  // Even with other values, the repeat is answered with the first gift.
  GiftPlan again = ok(plan(fan_, gift(1, 9, "biz-1"), kT0 + kSecond));
  ASSERT_TRUE(again.done.has_value());
  EXPECT_EQ(again.done->id, first.id);
  EXPECT_EQ(again.done->gift_id, 2);
  EXPECT_EQ(again.done->amount, 1);
  EXPECT_EQ(again.done->value, 50);
  EXPECT_EQ(stored_gifts(room_).size(), 1u);
  EXPECT_TRUE(events_.empty());
  // A repeat does not hold the biz_id either: a third try is answered the same.
  GiftPlan third = ok(plan(fan_, gift(2, 1, "biz-1"), kT0 + 2 * kSecond));
  ASSERT_TRUE(third.done.has_value());
  EXPECT_EQ(third.done->id, first.id);
}

TEST_F(GiftTest, SameBizIdFromAnotherUserIsConflict) {
  GiftPlan p = ok(plan(fan_, gift(1, 1, "biz-1")));
  ok(svc().complete_gift(p.pending, kT0));
  EXPECT_TRUE(fails_with(plan(other_, gift(1, 1, "biz-1")), ErrorCode::conflict));
  EXPECT_EQ(stored_gifts(room_).size(), 1u);
}

TEST_F(GiftTest, PendingBizIdIsConflictUntilCompleted) {
  GiftPlan p = ok(plan(fan_, gift(1, 1, "biz-1")));
  EXPECT_TRUE(fails_with(plan(fan_, gift(1, 1, "biz-1")), ErrorCode::conflict));
  EXPECT_TRUE(fails_with(plan(other_, gift(1, 1, "biz-1")), ErrorCode::conflict));
  // Other biz_ids are not held up.
  EXPECT_FALSE(ok(plan(fan_, gift(1, 1, "biz-2"))).done.has_value());
  Gift g = ok(svc().complete_gift(p.pending, kT0));
  GiftPlan after = ok(plan(fan_, gift(1, 1, "biz-1")));
  ASSERT_TRUE(after.done.has_value());
  EXPECT_EQ(after.done->id, g.id);
}

TEST_F(GiftTest, AbandonedBizIdCanBeRetried) {
  GiftPlan p = ok(plan(fan_, gift(1, 1, "biz-1")));
  svc().abandon_gift(p.pending);
  EXPECT_TRUE(stored_gifts(room_).empty());
  EXPECT_TRUE(events_.empty());
  GiftPlan retry = ok(plan(fan_, gift(1, 1, "biz-1")));
  EXPECT_FALSE(retry.done.has_value());
  EXPECT_NE(retry.pending.id, p.pending.id);
  ok(svc().complete_gift(retry.pending, kT0));
  auto stored = stored_gifts(room_);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, retry.pending.id);
}

TEST_F(GiftTest, UnknownGiftIdIsInvalidArgument) {
  EXPECT_TRUE(fails_with(plan(fan_, gift(99, 1, "biz-1")), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(plan(fan_, gift(0, 1, "biz-1")), ErrorCode::invalid_argument));
  // A refused plan does not hold the biz_id.
  EXPECT_FALSE(ok(plan(fan_, gift(1, 1, "biz-1"))).done.has_value());
}

TEST_F(GiftTest, AmountOutOfRangeIsInvalidArgument) {
  const int64_t max = cfg_.gifts.max_amount;
  EXPECT_TRUE(fails_with(plan(fan_, gift(1, 0, "biz-1")), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(plan(fan_, gift(1, -3, "biz-1")), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(plan(fan_, gift(1, max + 1, "biz-1")), ErrorCode::invalid_argument));
  GiftPlan p = ok(plan(fan_, gift(1, max, "biz-1")));
  EXPECT_EQ(p.pending.value, max);
}

TEST_F(GiftTest, SelfGiftIsInvalidArgument) {
  // The anchor's gift with no `to` would go to the anchor.
  EXPECT_TRUE(fails_with(plan(anchor_, gift(1, 1, "biz-1")), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(plan(fan_, gift(1, 1, "biz-2", "fan")), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(plan(anchor_, gift(1, 1, "biz-3", "ana")), ErrorCode::invalid_argument));
}

TEST_F(GiftTest, BizIdIsRequired) {
  EXPECT_TRUE(fails_with(plan(fan_, gift(1, 1, "")), ErrorCode::invalid_argument));
  EXPECT_TRUE(
      fails_with(plan(fan_, gift(1, 1, std::string(129, 'x'))), ErrorCode::invalid_argument));
}

TEST_F(GiftTest, SenderMustBeInTheRoom) {
  EXPECT_TRUE(fails_with(plan(user("stranger"), gift(1, 1, "biz-1")), ErrorCode::permission_denied));
}

TEST_F(GiftTest, GiftsToAnchorsDuringActivePkAddToTheirRoomsScore) {
  Actor bob = user("bob");
  Actor fan_b = user("fan-b");
  std::string b = live_room(bob);
  join(fan_b, b);
  Pk pk = ok(svc().pk_invite(anchor_, room_, b, kT0));

  // While only inviting, gifts do not count.
  ok(svc().complete_gift(ok(plan(fan_, gift(2, 1, "inviting"))).pending, kT0));
  EXPECT_EQ(ok(svc().pk(pk.id)).score_a, 0);
  ok(svc().pk_answer(bob, pk.id, true, kT0));
  clear_events();

  // Side a: 2 rockets to ana = 100.
  Gift ga = ok(svc().complete_gift(ok(plan(fan_, gift(2, 2, "a-1"))).pending, kT0));
  EXPECT_EQ(ga.pk_id, pk.id);
  Pk now = ok(svc().pk(pk.id));
  EXPECT_EQ(now.score_a, 100);
  EXPECT_EQ(now.score_b, 0);
  // Side b: 3 roses to bob = 3.
  SendGift to_bob = gift(1, 3, "b-1");
  Gift gb = ok(svc().complete_gift(ok(svc().plan_gift(fan_b, b, to_bob, kT0)).pending, kT0));
  EXPECT_EQ(gb.pk_id, pk.id);
  now = ok(svc().pk(pk.id));
  EXPECT_EQ(now.score_a, 100);
  EXPECT_EQ(now.score_b, 3);
  // A gift to someone who is not the anchor does not count.
  Gift side = ok(svc().complete_gift(ok(plan(fan_, gift(2, 1, "a-2", "other"))).pending, kT0));
  EXPECT_EQ(side.pk_id, "");
  now = ok(svc().pk(pk.id));
  EXPECT_EQ(now.score_a, 100);
  EXPECT_EQ(now.score_b, 3);

  // Both rooms see the scores; the score events carry both sides.
  EXPECT_EQ(room(room_).pk->pk.score_a, 100);
  EXPECT_EQ(room(b).pk->pk.score_b, 3);
  auto scores = events_of(EventType::pk_score);
  ASSERT_EQ(scores.size(), 2u);
  auto last = parse_object(scores.back()->data);
  ASSERT_TRUE(last.contains("scores"));
  EXPECT_EQ(json_int(last["scores"].as_object(), "a"), 100);
  EXPECT_EQ(json_int(last["scores"].as_object(), "b"), 3);
  // The gifts recorded name the PK.
  auto stored = stored_gifts(room_);
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[1].pk_id, pk.id);  // newest first: a-2, a-1, inviting
  EXPECT_EQ(stored[2].pk_id, "");
}

// ---- likes ----

using RoomLikesTest = RoomServiceFixture;

TEST_F(RoomLikesTest, LikesAddUpAndTickAnnouncesTotalAndDelta) {
  std::string id = live_room(user("ana"));
  Actor fan = user("fan");
  join(fan, id);
  clear_events();
  EXPECT_EQ(ok(svc().like(fan, id, 3, kT0)), 3);
  EXPECT_EQ(ok(svc().like(fan, id, 4, kT0)), 7);
  EXPECT_TRUE(events_.empty());  // announced in aggregate by the timer
  svc().tick(kT0 + kSecond);
  auto likes = only_event(EventType::likes);
  EXPECT_EQ(json_int(likes, "total"), 7);
  EXPECT_EQ(json_int(likes, "delta"), 7);
  EXPECT_EQ(room(id).rec.likes, 7);

  clear_events();
  EXPECT_EQ(ok(svc().like(fan, id, 5, kT0 + 2 * kSecond)), 12);
  svc().tick(kT0 + 3 * kSecond);
  likes = only_event(EventType::likes);
  EXPECT_EQ(json_int(likes, "total"), 12);
  EXPECT_EQ(json_int(likes, "delta"), 5);

  clear_events();
  svc().tick(kT0 + 4 * kSecond);
  EXPECT_TRUE(events_of(EventType::likes).empty());  // nothing new
  auto stored = store_->room(id);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->likes, 12);
}

TEST_F(RoomLikesTest, LikeCountMustBeOneToThousandAndFromAMember) {
  std::string id = live_room(user("ana"));
  Actor fan = user("fan");
  join(fan, id);
  EXPECT_TRUE(fails_with(svc().like(fan, id, 0, kT0), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(svc().like(fan, id, 1001, kT0), ErrorCode::invalid_argument));
  EXPECT_TRUE(fails_with(svc().like(user("stranger"), id, 1, kT0), ErrorCode::permission_denied));
  EXPECT_EQ(ok(svc().like(fan, id, 1000, kT0)), 1000);
}

}  // namespace
}  // namespace onair::rooms::test
