// RoomService: what it announces on the bus, and the webhook jobs it queues in the store
// (API.md "Webhooks").
#include "room_fixture.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace onair::rooms::test {
namespace {

using bus::EventType;
using RoomEventsTest = RoomServiceFixture;

const std::set<std::string> kDefaultHookEvents = {
    "room_created", "room_closed",    "member_joined", "member_left", "seat_changed",
    "stream_started", "stream_stopped", "pk_started",  "pk_ended",    "gift_sent"};

TEST_F(RoomEventsTest, CreatingRoomAnnouncesIt) {
  std::string id = create(user("ana"), "live");
  EXPECT_EQ(event_types(), std::vector<std::string>{"room_created"});
  auto created = only_event(EventType::room_created);
  EXPECT_EQ(json_str(created, "id"), id);
  EXPECT_EQ(json_str(created, "owner"), "ana");
  EXPECT_EQ(events_.front()->room, id);
  EXPECT_EQ(events_.front()->at_ms, kT0);
}

TEST_F(RoomEventsTest, JoinAnnouncesMemberJoined) {
  std::string id = live_room(user("ana"));
  clear_events();
  join(user("fan"), id, kT0 + kSecond);
  EXPECT_EQ(event_types(), std::vector<std::string>{"member_joined"});
  auto joined = only_event(EventType::member_joined);
  EXPECT_EQ(json_str(joined, "user"), "fan");
  EXPECT_EQ(json_str(joined, "name"), "fan name");
  EXPECT_EQ(json_str(joined, "role"), "audience");
  EXPECT_EQ(json_int(joined, "online"), 2);
  EXPECT_EQ(events_.front()->room, id);
  EXPECT_EQ(events_.front()->at_ms, kT0 + kSecond);
}

TEST_F(RoomEventsTest, SeatRequestAndAcceptAnnounceRequestThenSeatChanged) {
  Actor anchor = user("ana");
  std::string id = live_room(anchor);
  join(user("fan"), id);
  clear_events();
  ok(svc().request_seat(user("fan"), id, kT0));
  EXPECT_EQ(event_types(), std::vector<std::string>{"seat_request"});
  clear_events();
  ok(svc().answer_request(anchor, id, "fan", true, kT0));
  EXPECT_EQ(event_types(), std::vector<std::string>{"seat_changed"});
  auto changed = only_event(EventType::seat_changed);
  EXPECT_EQ(json_str(changed, "user"), "fan");
  EXPECT_EQ(json_str(changed, "action"), "taken");
  ASSERT_TRUE(changed.contains("seats") && changed["seats"].is_array());
  const auto& list = changed["seats"].as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(json_str(list[1].as_object(), "user"), "fan");
  EXPECT_EQ(json_int(list[1].as_object(), "index"), 1);
}

TEST_F(RoomEventsTest, GiftAnnouncesGiftSent) {
  std::string id = live_room(user("ana"));
  join(user("fan"), id);
  clear_events();
  SendGift req;
  req.gift_id = 1;
  req.amount = 2;
  req.biz_id = "biz-1";
  GiftPlan p = ok(svc().plan_gift(user("fan"), id, req, kT0));
  EXPECT_TRUE(events_.empty());  // planning announces nothing
  ok(svc().complete_gift(p.pending, kT0));
  EXPECT_EQ(event_types(), std::vector<std::string>{"gift_sent"});
  auto sent = only_event(EventType::gift_sent);
  EXPECT_EQ(json_str(sent, "from"), "fan");
  EXPECT_EQ(json_str(sent, "to"), "ana");
  EXPECT_EQ(json_int(sent, "amount"), 2);
  EXPECT_EQ(json_int(sent, "value"), 2);
}

TEST_F(RoomEventsTest, StreamGoingLiveAnnouncesStreamAndRoomStatus) {
  std::string id = live_room(user("ana"));
  clear_events();
  ok(svc().set_stream_live(stream_name(id, "ana"), true, kT0));
  EXPECT_EQ(event_types(),
            (std::vector<std::string>{"stream_started", "seat_changed", "room_updated"}));
  EXPECT_EQ(room(id).rec.status, "live");
  EXPECT_TRUE(seats(id)[0].live);
  clear_events();
  ok(svc().set_stream_live(stream_name(id, "ana"), false, kT0));
  EXPECT_EQ(event_types(),
            (std::vector<std::string>{"stream_stopped", "seat_changed", "room_updated"}));
  EXPECT_EQ(room(id).rec.status, "idle");
}

// Runs one of each default webhook event (and some that are not), returning the bus events.
class RoomWebhookTest : public RoomServiceFixture {
 protected:
  void run_story() {
    Actor ana = user("ana"), bob = user("bob"), fan = user("fan");
    std::string a = live_room(ana);                       // room_created, member_joined
    std::string b = live_room(bob);
    join(fan, a);
    seat_by_request(ana, fan, a);                         // seat_request, seat_changed
    ok(svc().set_stream_live(stream_name(a, "fan"), true, kT0));   // stream_started
    ok(svc().set_stream_live(stream_name(a, "fan"), false, kT0));  // stream_stopped
    ok(svc().like(fan, a, 5, kT0));
    svc().tick(kT0 + kSecond);                            // likes
    Pk pk = ok(svc().pk_invite(ana, a, b, kT0 + kSecond));  // pk_invitation
    ok(svc().pk_answer(bob, pk.id, true, kT0 + kSecond));   // pk_started
    SendGift g;
    g.gift_id = 2;
    g.biz_id = "biz-1";
    GiftPlan p = ok(svc().plan_gift(fan, a, g, kT0 + kSecond));
    ok(svc().complete_gift(p.pending, kT0 + kSecond));  // gift_sent, pk_score
    ok(svc().pk_end(ana, pk.id, kT0 + kSecond));        // pk_ended
    ok(svc().leave(fan, a, kT0 + kSecond));             // seat_changed, member_left
    ok(svc().close_room(ana, a, kT0 + 2 * kSecond));    // room_closed
  }

  std::vector<store::WebhookJob> queued() {
    auto jobs = store_->due_webhooks(std::numeric_limits<int64_t>::max(), 1000);
    EXPECT_TRUE(jobs) << jobs.error().message();
    return jobs ? *jobs : std::vector<store::WebhookJob>{};
  }
};

TEST_F(RoomWebhookTest, WebhookWithoutEventListQueuesAJobPerDefaultEvent) {
  cfg_.webhooks = {WebhookConfig{"http://hooks.example/onair", "s3cret", {}}};
  start_service();
  int wakeups = 0;
  svc().on_webhooks_queued([&] { ++wakeups; });
  run_story();

  // What the jobs should be: one per bus event of a default type, with that event's id.
  std::map<std::string, std::string> expected;  // event id -> type
  std::set<std::string> seen_types;
  for (const auto& e : events_) {
    std::string type(bus::to_string(e->type));
    seen_types.insert(type);
    if (kDefaultHookEvents.contains(type)) expected[e->id] = type;
  }
  ASSERT_TRUE(std::includes(seen_types.begin(), seen_types.end(), kDefaultHookEvents.begin(),
                            kDefaultHookEvents.end()))
      << "the story must produce every default event";
  ASSERT_TRUE(seen_types.contains("likes") && seen_types.contains("pk_invitation") &&
              seen_types.contains("seat_request") && seen_types.contains("pk_score"));

  auto jobs = queued();
  EXPECT_EQ(jobs.size(), expected.size());
  std::set<std::string> job_types;
  for (const auto& job : jobs) {
    EXPECT_EQ(job.url, "http://hooks.example/onair");
    EXPECT_EQ(job.attempts, 0);
    auto body = parse_object(job.body);
    std::string id = json_str(body, "id");
    std::string event = json_str(body, "event");
    EXPECT_GE(json_int(body, "created_at"), kT0);
    EXPECT_FALSE(json_str(body, "room").empty()) << job.body;
    ASSERT_TRUE(body.contains("data") && body["data"].is_object()) << job.body;
    EXPECT_TRUE(kDefaultHookEvents.contains(event)) << event << " is not a default event";
    auto it = expected.find(id);
    ASSERT_NE(it, expected.end()) << "job for no bus event: " << job.body;
    EXPECT_EQ(it->second, event);
    job_types.insert(event);
    expected.erase(it);  // each event once
  }
  EXPECT_EQ(job_types, kDefaultHookEvents);
  EXPECT_TRUE(expected.empty()) << expected.size() << " events without a job";
  EXPECT_GT(wakeups, 0);
}

TEST_F(RoomWebhookTest, WebhookBodyCarriesTheEventData) {
  cfg_.webhooks = {WebhookConfig{"http://hooks.example/onair", "", {}}};
  start_service();
  std::string id = create(user("olga"), "meeting");
  join(user("bob"), id, kT0 + kSecond);
  auto jobs = queued();
  ASSERT_EQ(jobs.size(), 2u);
  auto joined = parse_object(jobs[1].body);
  EXPECT_EQ(json_str(joined, "event"), "member_joined");
  EXPECT_EQ(json_str(joined, "room"), id);
  EXPECT_EQ(json_int(joined, "created_at"), kT0 + kSecond);
  EXPECT_EQ(jobs[1].created_at, kT0 + kSecond);
  EXPECT_EQ(jobs[1].next_at, kT0 + kSecond);  // due at once
  auto data = joined["data"].as_object();
  EXPECT_EQ(json_str(data, "user"), "bob");
  EXPECT_EQ(json_int(data, "online"), 1);
}

TEST_F(RoomWebhookTest, WebhookWithEventListQueuesOnlyThoseEvents) {
  cfg_.webhooks = {WebhookConfig{"http://all.example/", "", {}},
                   WebhookConfig{"http://gifts.example/", "", {"gift_sent", "likes"}}};
  start_service();
  run_story();
  std::multiset<std::string> gift_hook;
  size_t all = 0;
  for (const auto& job : queued()) {
    if (job.url == "http://gifts.example/")
      gift_hook.insert(json_str(parse_object(job.body), "event"));
    else
      ++all;
  }
  EXPECT_EQ(gift_hook, (std::multiset<std::string>{"gift_sent", "likes"}));
  EXPECT_GE(all, kDefaultHookEvents.size());
}

TEST_F(RoomWebhookTest, NoWebhooksQueueNothing) {
  run_story();
  EXPECT_TRUE(queued().empty());
}

TEST_F(RoomWebhookTest, UnknownWebhookEventIsAConfigError) {
  cfg_.webhooks = {WebhookConfig{"http://hooks.example/", "", {"gift_sent", "gifts_sent"}}};
  EXPECT_THROW(start_service(), std::invalid_argument);
}

}  // namespace
}  // namespace onair::rooms::test
