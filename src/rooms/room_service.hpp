#pragma once
// RoomService: the one owner of room state (rooms, members, seats, seat offers, PKs, likes
// and the gift ledger's live side). Single-threaded by contract: the application runs every
// call on one strand (RoomStrand); handlers only call it.
//
// Every operation validates first and mutates only once it knows it will succeed; the
// changes it made are then written to the Store in one transaction (with the webhook jobs
// its events produce) before the call returns, and only then are its events published on
// the bus. If the store refuses, the service reloads its state from the store, so memory
// never runs ahead of what is durable. Heartbeats stay in memory.
//
// Time comes in as `now` (Unix ms) so the state machines are testable without clocks.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bus/bus.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "rooms/model.hpp"
#include "rooms/presence.hpp"
#include "store/store.hpp"

namespace onair::rooms {

struct RoomStats {
  int64_t rooms = 0;
  int64_t live_rooms = 0;
  int64_t members = 0;
  int64_t seats = 0;
  int64_t pks = 0;
};

class RoomService {
 public:
  RoomService(const Config& config, store::Store& store, bus::Bus& bus, Snowflake& ids);

  // Loads rooms, people and PKs from the store, at start-up. Members come back as if they
  // had just sent a heartbeat. Streams do not survive the process: seats that were live
  // come back not live, with stream_stopped (reason "restart"), seat_changed and
  // room_updated, so webhook consumers learn that the stream ended.
  Result<void> restore(int64_t now);

  // Called after each commit that queued webhook jobs (the dispatcher wakes up).
  void on_webhooks_queued(std::function<void()> fn) { webhooks_queued_ = std::move(fn); }

  // Rooms
  Result<RoomView> create_room(const Actor& a, const CreateRoom& req, int64_t now);
  Result<RoomView> room(const std::string& id) const;
  RoomPage list_rooms(const std::string& kind, const std::string& status, int limit,
                      const std::string& cursor) const;
  Result<RoomView> update_room(const Actor& a, const std::string& id, const UpdateRoom& req,
                               int64_t now);
  Result<void> close_room(const Actor& a, const std::string& id, int64_t now);

  // Members
  Result<JoinResult> join(const Actor& a, const std::string& id, int64_t now);
  Result<void> leave(const Actor& a, const std::string& id, int64_t now);
  Result<void> heartbeat(const Actor& a, const std::string& id, int64_t now);
  // Thread-safe (the one call that does not need the strand): records a heartbeat of a
  // present member. False when `user` is not a member of open room `id`; call heartbeat()
  // on the strand then, for the precise error.
  bool touch(const std::string& id, const std::string& user, int64_t now) const {
    return presence_.touch(id, user, now);
  }
  Result<MemberPage> members(const std::string& id, int limit, const std::string& cursor) const;
  Result<void> kick(const Actor& a, const std::string& id, const std::string& user, int64_t now);
  Result<MemberView> mute(const Actor& a, const std::string& id, const std::string& user,
                          int64_t seconds, int64_t now);
  // The member record of `user` (realtime checks mutes).
  Result<MemberView> member(const std::string& id, const std::string& user) const;
  // What the realtime channel of an open room must enforce from the start: members muted
  // and users banned after a kick, each with until when (Unix ms).
  struct Restrictions {
    std::vector<std::pair<std::string, int64_t>> muted, banned;
  };
  Result<Restrictions> restrictions(const std::string& id, int64_t now) const;

  // Seats
  Result<std::vector<Seat>> seats(const std::string& id) const;
  // Pending seat requests and invitations (owner or admin).
  Result<std::vector<Offer>> offers(const Actor& a, const std::string& id) const;
  Result<Seat> take_seat(const Actor& a, const std::string& id, int64_t now);
  Result<Offer> request_seat(const Actor& a, const std::string& id, int64_t now);
  Result<std::optional<Seat>> answer_request(const Actor& a, const std::string& id,
                                             const std::string& user, bool accept, int64_t now);
  Result<Offer> invite(const Actor& a, const std::string& id, const std::string& user,
                       int64_t now);
  Result<std::optional<Seat>> answer_invitation(const Actor& a, const std::string& id,
                                                bool accept, int64_t now);
  Result<void> leave_seat(const Actor& a, const std::string& id, const std::string& user,
                          int64_t now);
  Result<Seat> update_seat(const Actor& a, const std::string& id, const std::string& user,
                           std::optional<bool> audio_muted, std::optional<bool> video_muted,
                           int64_t now);
  // The media plane reports a seat's stream going up or down.
  Result<void> set_stream_live(const std::string& stream, bool live, int64_t now);

  // PK
  Result<Pk> pk_invite(const Actor& a, const std::string& from_room, const std::string& to_room,
                       int64_t now);
  Result<Pk> pk_answer(const Actor& a, const std::string& pk_id, bool accept, int64_t now);
  Result<Pk> pk_end(const Actor& a, const std::string& pk_id, int64_t now);
  Result<Pk> pk(const std::string& pk_id) const;

  // Gifts: plan (validate, price, idempotency), pay elsewhere, then complete or abandon.
  Result<GiftPlan> plan_gift(const Actor& a, const std::string& room_id, const SendGift& req,
                             int64_t now);
  Result<Gift> complete_gift(const Gift& pending, int64_t now);
  void abandon_gift(const Gift& pending);

  Result<int64_t> like(const Actor& a, const std::string& room_id, int64_t count, int64_t now);

  // Timers: heartbeats, idle rooms, absent anchors, offers, PK deadlines, bans, likes.
  void tick(int64_t now);

  RoomStats stats() const;

 private:
  Room* find(const std::string& id);
  const Room* find(const std::string& id) const;
  Result<Room*> open_room(const std::string& id);
  Result<const Room*> open_room(const std::string& id) const;
  // The owner acts for a room only with a token that grants it: a token scoped to another
  // room "sees and joins only that room" (API.md), for writes as for reads.
  bool is_owner(const Actor& a, const Room& r) const {
    return a.admin() || (a.user == r.rec.owner && a.grants.allows_room(r.rec.id));
  }
  RoomView view(const Room& r) const;
  // What load() found live in the store (now marked not live in memory only).
  struct Loaded {
    std::vector<std::pair<std::string, int64_t>> live_seats;  // room id, seat index
    std::vector<std::string> live_rooms;
  };
  // Replaces the state with the store's, announcing nothing (restore() and the reload
  // after a failed commit).
  Result<Loaded> load(int64_t now);
  std::vector<Seat> seat_list(const Room& r) const;
  std::optional<int64_t> free_seat(const Room& r) const;
  int64_t seat_capacity(const Room& r) const;

  // Mutations: each changes memory, records the write and the event.
  void save_room(Room& r);
  void save_member(Room& r, const Member& m);
  void seat_user(Room& r, int64_t index, const std::string& user, int64_t now);
  void remove_member(Room& r, const std::string& user, const std::string& reason, int64_t now);
  void remove_seat(Room& r, int64_t index, const std::string& reason, int64_t now);
  void drop_offer(Room& r, const std::string& user);
  void close(Room& r, const std::string& reason, int64_t now);
  void end_pk(Pk& pk, const std::string& reason, int64_t now);
  void update_status(Room& r, int64_t now);
  void emit(bus::EventType type, const std::string& room, std::string data, int64_t now,
            const std::string& peer_room = {});
  // The PK row most recently recorded in this operation's batch.
  Pk last_written_pk(const std::string& pk_id) const;
  void emit_seats(Room& r, const std::string& user, const std::string& action, int64_t now);

  // Commits what the current operation recorded, then publishes its events. On failure
  // the state is reloaded from the store.
  Result<void> flush(int64_t now);

  const Config& config_;
  store::Store& store_;
  bus::Bus& bus_;
  Snowflake& ids_;
  std::function<void()> webhooks_queued_;
  std::map<bus::EventType, std::vector<const WebhookConfig*>> hooks_;

  Presence presence_;
  std::map<std::string, Room, IdLess> rooms_;
  std::map<std::string, Pk> pks_;  // inviting and active
  std::set<std::string> pending_biz_;

  store::Batch batch_;
  std::vector<bus::EventPtr> events_;
};

}  // namespace onair::rooms
