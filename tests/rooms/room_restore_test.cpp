// RoomService::restore: a new service over the same store brings back what the old one
// committed: rooms, members, seats, offers, bans, PKs with their scores; closed rooms stay
// closed.
#include "room_fixture.hpp"

#include <limits>
#include <set>

namespace onair::rooms::test {
namespace {

using bus::EventType;

class RoomRestoreTest : public RoomServiceFixture {
 protected:
  // Replaces the service with a new one over the same store and restores it at `now`.
  void restart(int64_t now) {
    start_service();
    ASSERT_TRUE(svc().restore(now));
    clear_events();
  }

  Actor ana_ = user("ana");
  Actor bob_ = user("bob");
};

TEST_F(RoomRestoreTest, BringsBackRoomsMembersSeatsAndOffers) {
  std::string a = live_room(ana_, kT0, 4);
  for (const char* u : {"cohost", "asker", "invitee", "viewer"}) join(user(u), a);
  seat_by_request(ana_, user("cohost"), a);
  ok(svc().update_seat(user("cohost"), a, "cohost", true, std::nullopt, kT0));
  ok(svc().request_seat(user("asker"), a, kT0));
  ok(svc().invite(ana_, a, "invitee", kT0));
  ok(svc().like(user("viewer"), a, 9, kT0));
  svc().tick(kT0 + kSecond);  // writes the likes
  UpdateRoom upd;
  upd.title = "renamed";
  upd.metadata = R"({"topic":"cats"})";
  ok(svc().update_room(ana_, a, upd, kT0 + kSecond));
  std::string m = create(user("olga"), "meeting", kT0, 3);
  join(user("olga"), m);
  ok(svc().take_seat(user("olga"), m, kT0));

  restart(kT0 + 2 * kSecond);

  RoomView va = room(a);
  EXPECT_EQ(va.rec.kind, "live");
  EXPECT_EQ(va.rec.owner, "ana");
  EXPECT_EQ(va.rec.title, "renamed");
  EXPECT_EQ(va.rec.metadata, R"({"topic":"cats"})");
  EXPECT_EQ(va.rec.max_seats, 4);
  EXPECT_EQ(va.rec.likes, 9);
  EXPECT_EQ(va.online, 5);
  ASSERT_EQ(va.seats.size(), 2u);
  EXPECT_EQ(va.seats[0].user, "ana");
  EXPECT_EQ(va.seats[1].user, "cohost");
  EXPECT_EQ(va.seats[1].index, 1);
  EXPECT_TRUE(va.seats[1].audio_muted);
  EXPECT_FALSE(va.seats[1].video_muted);
  EXPECT_EQ(role_of(a, "ana"), "anchor");
  EXPECT_EQ(role_of(a, "cohost"), "cohost");
  EXPECT_EQ(role_of(a, "viewer"), "audience");
  EXPECT_EQ(ok(svc().member(a, "viewer")).joined_at, kT0);

  RoomView vm = room(m);
  EXPECT_EQ(vm.rec.kind, "meeting");
  EXPECT_EQ(vm.rec.max_members, 3);
  ASSERT_EQ(vm.seats.size(), 1u);
  EXPECT_EQ(vm.seats[0].user, "olga");
  EXPECT_EQ(svc().stats().rooms, 2);

  // The pending request and invitation can still be answered.
  auto asked = ok(svc().answer_request(ana_, a, "asker", true, kT0 + 3 * kSecond));
  ASSERT_TRUE(asked.has_value());
  EXPECT_EQ(asked->index, 2);
  auto invited = ok(svc().answer_invitation(user("invitee"), a, true, kT0 + 3 * kSecond));
  ASSERT_TRUE(invited.has_value());
  EXPECT_EQ(invited->index, 3);
  // Likes continue from the restored total without announcing the old ones again.
  svc().tick(kT0 + 4 * kSecond);
  EXPECT_TRUE(events_of(EventType::likes).empty());
  EXPECT_EQ(ok(svc().like(user("viewer"), a, 1, kT0 + 4 * kSecond)), 10);
}

// After a crash (no clean unpublish), seats that were live come back not live and the
// restarted service says so: stream_stopped (reason "restart") for each, with a webhook
// job committed for it, seat_changed and room_updated. Said once: the next restart is quiet.
TEST_F(RoomRestoreTest, StreamsLiveAtTheCrashAreAnnouncedStopped) {
  cfg_.webhooks = {WebhookConfig{"http://hooks.example/onair", "s3cret", {"stream_stopped"}}};
  start_service();
  std::string a = live_room(ana_);
  join(bob_, a);
  seat_by_request(ana_, bob_, a);
  std::string m = create(user("olga"), "meeting");
  join(user("olga"), m);
  ok(svc().take_seat(user("olga"), m, kT0));
  ok(svc().set_stream_live(stream_name(a, "ana"), true, kT0));
  ok(svc().set_stream_live(stream_name(a, "bob"), true, kT0));
  ok(svc().set_stream_live(stream_name(a, "bob"), false, kT0 + kSecond));  // stopped cleanly
  ok(svc().set_stream_live(stream_name(m, "olga"), true, kT0));
  ASSERT_EQ(room(a).rec.status, "live");
  auto before = store_->due_webhooks(std::numeric_limits<int64_t>::max(), 1000);
  ASSERT_TRUE(before);
  ASSERT_EQ(before->size(), 1u);  // bob's clean stop
  clear_events();

  start_service();  // the old service is gone without a word, as in kill -9
  ASSERT_TRUE(svc().restore(kT0 + 5 * kSecond));

  auto stopped = events_of(EventType::stream_stopped);
  ASSERT_EQ(stopped.size(), 2u);
  std::set<std::string> streams;
  for (const auto& e : stopped) {
    auto data = parse_object(e->data);
    streams.insert(json_str(data, "stream"));
    EXPECT_EQ(json_str(data, "reason"), "restart");
    EXPECT_EQ(e->at_ms, kT0 + 5 * kSecond);
  }
  EXPECT_EQ(streams, (std::set<std::string>{stream_name(a, "ana"), stream_name(m, "olga")}));
  EXPECT_EQ(events_of(EventType::seat_changed).size(), 2u);
  ASSERT_EQ(events_of(EventType::room_updated).size(), 2u);
  EXPECT_EQ(room(a).rec.status, "idle");
  EXPECT_FALSE(room(a).seats[0].live);
  auto jobs = store_->due_webhooks(std::numeric_limits<int64_t>::max(), 1000);
  ASSERT_TRUE(jobs);
  ASSERT_EQ(jobs->size(), 3u);
  int restarts = 0;
  for (const auto& job : *jobs) {
    auto body = parse_object(job.body);
    EXPECT_EQ(json_str(body, "event"), "stream_stopped");
    restarts += body["data"].as_object().contains("reason");
  }
  EXPECT_EQ(restarts, 2);

  // The new state was committed: another restart has nothing to announce.
  clear_events();
  start_service();
  ASSERT_TRUE(svc().restore(kT0 + 6 * kSecond));
  EXPECT_TRUE(events_of(EventType::stream_stopped).empty());
  EXPECT_TRUE(events_of(EventType::room_updated).empty());
  EXPECT_EQ(svc().stats().live_rooms, 0);
}

TEST_F(RoomRestoreTest, RestoredOffersStillExpireOnTime) {
  std::string a = live_room(ana_);
  join(user("asker"), a);
  ok(svc().request_seat(user("asker"), a, kT0));
  restart(kT0 + 10 * kSecond);
  const int64_t expiry = kT0 + int64_t{cfg_.rooms.seat_offer_timeout_s} * kSecond;
  beat(kT0 + 20 * kSecond, a, {ana_, user("asker")});
  svc().tick(expiry - 1);
  EXPECT_TRUE(events_of(EventType::seat_request_rejected).empty());
  svc().tick(expiry);
  EXPECT_EQ(json_str(only_event(EventType::seat_request_rejected), "reason"), "expired");
}

TEST_F(RoomRestoreTest, RestoredMembersCountAsJustSeen) {
  const int64_t timeout = int64_t{cfg_.rooms.member_timeout_s} * kSecond;
  std::string m = create(user("olga"), "meeting");
  join(user("bob"), m, kT0);
  const int64_t restart_at = kT0 + timeout + 5 * kSecond;  // longer than a member timeout
  restart(restart_at);
  svc().tick(restart_at + timeout - 1);
  EXPECT_TRUE(svc().member(m, "bob").has_value());
  svc().tick(restart_at + timeout);
  EXPECT_TRUE(fails_with(svc().member(m, "bob"), ErrorCode::not_found));
}

TEST_F(RoomRestoreTest, BringsBackActivePkWithScores) {
  std::string a = live_room(ana_);
  std::string b = live_room(bob_);
  join(user("fan-a"), a);
  join(user("fan-b"), b);
  Pk pk = ok(svc().pk_invite(ana_, a, b, kT0));
  ok(svc().pk_answer(bob_, pk.id, true, kT0));
  SendGift to_ana;
  to_ana.gift_id = 2;
  to_ana.amount = 2;
  to_ana.biz_id = "a-1";
  ok(svc().complete_gift(ok(svc().plan_gift(user("fan-a"), a, to_ana, kT0)).pending, kT0));
  SendGift to_bob;
  to_bob.gift_id = 1;
  to_bob.amount = 7;
  to_bob.biz_id = "b-1";
  ok(svc().complete_gift(ok(svc().plan_gift(user("fan-b"), b, to_bob, kT0)).pending, kT0));

  restart(kT0 + kSecond);

  Pk back = ok(svc().pk(pk.id));
  EXPECT_EQ(back.status, "active");
  EXPECT_EQ(back.room_a, a);
  EXPECT_EQ(back.room_b, b);
  EXPECT_EQ(back.score_a, 100);
  EXPECT_EQ(back.score_b, 7);
  EXPECT_EQ(back.started_at, kT0);
  EXPECT_EQ(back.ends_at, kT0 + int64_t{cfg_.pk.duration_s} * kSecond);
  RoomView va = room(a);
  RoomView vb = room(b);
  ASSERT_TRUE(va.pk.has_value());
  ASSERT_TRUE(vb.pk.has_value());
  EXPECT_EQ(va.pk->peer_room, b);
  EXPECT_EQ(va.pk->peer_anchor, "bob");
  EXPECT_EQ(vb.pk->peer_anchor, "ana");
  EXPECT_EQ(svc().stats().pks, 1);

  // Gifts keep counting, and a repeated biz_id is still answered from the store.
  SendGift more = to_bob;
  more.biz_id = "b-2";
  ok(svc().complete_gift(ok(svc().plan_gift(user("fan-b"), b, more, kT0 + kSecond)).pending,
                         kT0 + kSecond));
  EXPECT_EQ(ok(svc().pk(pk.id)).score_b, 14);
  auto repeat = ok(svc().plan_gift(user("fan-a"), a, to_ana, kT0 + kSecond));
  ASSERT_TRUE(repeat.done.has_value());
  EXPECT_EQ(repeat.done->biz_id, "a-1");

  // And the restored PK still ends on time, with the winner from the restored scores.
  const int64_t end = back.ends_at;
  beat(end, a, {ana_, user("fan-a")});
  beat(end, b, {bob_, user("fan-b")});
  svc().tick(end);
  auto ended = only_event(EventType::pk_ended);
  EXPECT_EQ(json_str(ended, "end_reason"), "time_up");
  EXPECT_EQ(json_str(ended, "winner"), a);
}

TEST_F(RoomRestoreTest, BringsBackPkInvitation) {
  std::string a = live_room(ana_);
  std::string b = live_room(bob_);
  Pk pk = ok(svc().pk_invite(ana_, a, b, kT0));
  restart(kT0 + kSecond);
  EXPECT_EQ(ok(svc().pk(pk.id)).status, "inviting");
  ASSERT_TRUE(room(b).pk.has_value());
  EXPECT_EQ(ok(svc().pk_answer(bob_, pk.id, true, kT0 + 2 * kSecond)).status, "active");
}

TEST_F(RoomRestoreTest, ClosedRoomIsNotRestored) {
  std::string open = create(user("olga"), "meeting");
  join(user("olga"), open);
  std::string closed = live_room(ana_);
  join(user("fan"), closed);
  ok(svc().close_room(ana_, closed, kT0 + kSecond));
  std::string idle = create(user("olga"), "call", kT0);
  beat(kT0 + 15 * kSecond, open, {user("olga")});
  svc().tick(kT0 + int64_t{cfg_.rooms.idle_room_timeout_s} * kSecond);  // closes `idle`

  restart(kT0 + 40 * kSecond);
  EXPECT_TRUE(svc().room(open).has_value());
  EXPECT_TRUE(fails_with(svc().room(closed), ErrorCode::gone));
  EXPECT_TRUE(fails_with(svc().room(idle), ErrorCode::gone));
  EXPECT_TRUE(fails_with(svc().join(user("fan"), closed, kT0 + 40 * kSecond), ErrorCode::gone));
  EXPECT_EQ(svc().stats().rooms, 1);
  auto page = svc().list_rooms("", "", 10, "");
  ASSERT_EQ(page.rooms.size(), 1u);
  EXPECT_EQ(page.rooms[0].rec.id, open);
}

TEST_F(RoomRestoreTest, PkEndedBeforeRestartStaysEnded) {
  std::string a = live_room(ana_);
  std::string b = live_room(bob_);
  Pk pk = ok(svc().pk_invite(ana_, a, b, kT0));
  ok(svc().pk_answer(bob_, pk.id, true, kT0));
  ok(svc().pk_end(ana_, pk.id, kT0 + kSecond));
  restart(kT0 + 2 * kSecond);
  EXPECT_TRUE(fails_with(svc().pk(pk.id), ErrorCode::not_found));
  EXPECT_FALSE(room(a).pk.has_value());
  EXPECT_FALSE(room(b).pk.has_value());
  EXPECT_EQ(ok(svc().pk_invite(bob_, b, a, kT0 + 3 * kSecond)).status, "inviting");
}

TEST_F(RoomRestoreTest, KickBanSurvivesRestart) {
  std::string m = create(user("olga"), "meeting");
  join(user("olga"), m);
  join(user("bob"), m);
  ok(svc().kick(user("olga"), m, "bob", kT0));
  restart(kT0 + kSecond);
  EXPECT_TRUE(
      fails_with(svc().join(user("bob"), m, kT0 + 2 * kSecond), ErrorCode::permission_denied));
  EXPECT_EQ(join(user("bob"), m, kT0 + int64_t{cfg_.rooms.kick_ban_s} * kSecond).user, "bob");
}

}  // namespace
}  // namespace onair::rooms::test
