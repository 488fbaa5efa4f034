#include "rooms/room_service.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "core/log.hpp"
#include "rooms/json.hpp"

namespace onair::rooms {
namespace json = boost::json;
using bus::EventType;

namespace {

// The events API.md lists for webhooks; a webhook with no `events` gets these.
constexpr EventType kDefaultHookEvents[] = {
    EventType::room_created,  EventType::room_closed,    EventType::member_joined,
    EventType::member_left,   EventType::seat_changed,   EventType::stream_started,
    EventType::stream_stopped, EventType::pk_started,    EventType::pk_ended,
    EventType::gift_sent};

std::unexpected<Error> not_member() {
  return fail(ErrorCode::permission_denied, "join the room first");
}
std::unexpected<Error> not_owner() {
  return fail(ErrorCode::permission_denied, "only the room's owner or an admin may do this");
}

}  // namespace

RoomService::RoomService(const Config& config, store::Store& store, bus::Bus& bus, Snowflake& ids)
    : config_(config), store_(store), bus_(bus), ids_(ids) {
  for (const auto& hook : config_.webhooks) {
    if (hook.events.empty()) {
      for (auto t : kDefaultHookEvents) hooks_[t].push_back(&hook);
      continue;
    }
    for (const auto& name : hook.events) {
      EventType t;
      if (!bus::parse_event_type(name, t))
        throw std::invalid_argument("config: webhooks: unknown event " + name);
      hooks_[t].push_back(&hook);
    }
  }
}

// ---- lookups and views ------------------------------------------------------------------

Room* RoomService::find(const std::string& id) {
  auto it = rooms_.find(id);
  return it == rooms_.end() ? nullptr : &it->second;
}

const Room* RoomService::find(const std::string& id) const {
  auto it = rooms_.find(id);
  return it == rooms_.end() ? nullptr : &it->second;
}

Result<Room*> RoomService::open_room(const std::string& id) {
  if (Room* r = find(id)) return r;
  auto stored = store_.room(id);
  if (stored && *stored) return fail(ErrorCode::gone, "room " + id + " is closed");
  return fail(ErrorCode::not_found, "room " + id + " not found");
}

Result<const Room*> RoomService::open_room(const std::string& id) const {
  auto r = const_cast<RoomService*>(this)->open_room(id);
  if (!r) return std::unexpected(r.error());
  return *r;
}

std::vector<Seat> RoomService::seat_list(const Room& r) const {
  std::vector<Seat> out;
  out.reserve(r.seats.size());
  for (const auto& [i, s] : r.seats) out.push_back(s);
  return out;
}

RoomView RoomService::view(const Room& r) const {
  RoomView v{r.rec, static_cast<int64_t>(r.members.size()), seat_list(r), std::nullopt};
  if (!r.rec.pk_id.empty()) {
    if (auto it = pks_.find(r.rec.pk_id); it != pks_.end()) {
      const Pk& pk = it->second;
      std::string peer = pk.room_a == r.rec.id ? pk.room_b : pk.room_a;
      const Room* p = find(peer);
      v.pk = PkView{pk, peer, p ? p->rec.owner : ""};
    }
  }
  return v;
}

int64_t RoomService::seat_capacity(const Room& r) const {
  return r.rec.kind == "live" ? r.rec.max_seats : r.rec.max_members;
}

std::optional<int64_t> RoomService::free_seat(const Room& r) const {
  int64_t first = r.rec.kind == "live" ? 1 : 0;
  int64_t last = r.rec.kind == "live" ? r.rec.max_seats : r.rec.max_members - 1;
  for (int64_t i = first; i <= last; ++i)
    if (!r.seats.contains(i)) return i;
  return std::nullopt;
}

RoomStats RoomService::stats() const {
  RoomStats s;
  for (const auto& [id, r] : rooms_) {
    ++s.rooms;
    if (r.rec.status == "live") ++s.live_rooms;
    s.members += static_cast<int64_t>(r.members.size());
    s.seats += static_cast<int64_t>(r.seats.size());
  }
  s.pks = static_cast<int64_t>(pks_.size());
  return s;
}

// ---- recording changes ------------------------------------------------------------------

Pk RoomService::last_written_pk(const std::string& pk_id) const {
  for (auto w = batch_.writes.rbegin(); w != batch_.writes.rend(); ++w)
    if (auto* p = std::get_if<store::PkRecord>(&*w); p && p->id == pk_id) return *p;
  return {};
}

void RoomService::emit(EventType type, const std::string& room, std::string data, int64_t now,
                       const std::string& peer_room) {
  auto e = std::make_shared<bus::Event>();
  e->peer_room = peer_room;
  e->id = ids_.next_string();
  e->type = type;
  e->room = room;
  e->at_ms = now;
  e->data = std::move(data);
  if (auto it = hooks_.find(type); it != hooks_.end()) {
    json::object envelope{{"id", e->id}, {"event", bus::to_string(type)}, {"created_at", now}};
    if (!room.empty()) envelope["room"] = room;
    if (!peer_room.empty()) envelope["peer_room"] = peer_room;
    // The data is spliced in as encoded, so the body is built once for every webhook.
    std::string body = json::serialize(envelope);
    body.pop_back();
    body += ",\"data\":" + e->data + "}";
    for (const WebhookConfig* hook : it->second)
      batch_.writes.push_back(store::WebhookJob{0, hook->url, body, 0, now, now});
  }
  events_.push_back(std::move(e));
}

void RoomService::save_room(Room& r) { batch_.writes.push_back(r.rec); }

void RoomService::save_member(Room& r, const Member& m) {
  batch_.writes.push_back(
      store::MemberRecord{r.rec.id, m.user, m.name, m.role, m.joined_at, m.muted_until});
}

void RoomService::emit_seats(Room& r, const std::string& user, const std::string& action,
                             int64_t now) {
  json::array seats;
  for (const auto& [i, s] : r.seats) seats.push_back(seat_json(s));
  emit(EventType::seat_changed, r.rec.id,
       json::serialize(json::object{{"user", user}, {"action", action}, {"seats", seats}}), now);
}

void RoomService::seat_user(Room& r, int64_t index, const std::string& user, int64_t now) {
  Seat s{r.rec.id, index, user, false, false, false};
  r.seats[index] = s;
  batch_.writes.push_back(s);
  if (auto m = r.members.find(user); m != r.members.end() && r.rec.kind == "live" &&
                                      user != r.rec.owner) {
    m->second.role = "cohost";
    save_member(r, m->second);
  }
  drop_offer(r, user);
  emit_seats(r, user, "taken", now);
}

void RoomService::remove_seat(Room& r, int64_t index, const std::string& reason, int64_t now) {
  auto it = r.seats.find(index);
  if (it == r.seats.end()) return;
  std::string user = it->second.user;
  bool was_live = it->second.live;
  r.seats.erase(it);
  batch_.writes.push_back(store::DeleteSeat{r.rec.id, index});
  if (auto m = r.members.find(user); m != r.members.end() && r.rec.kind == "live") {
    m->second.role = "audience";
    save_member(r, m->second);
  }
  emit_seats(r, user, reason, now);
  if (was_live) update_status(r, now);
}

void RoomService::drop_offer(Room& r, const std::string& user) {
  if (r.offers.erase(user) > 0) batch_.writes.push_back(store::DeleteOffer{r.rec.id, user});
}

void RoomService::update_status(Room& r, int64_t now) {
  bool live = std::any_of(r.seats.begin(), r.seats.end(), [](const auto& s) { return s.second.live; });
  std::string status = live ? "live" : "idle";
  if (r.rec.status == status) return;
  r.rec.status = status;
  save_room(r);
  emit(EventType::room_updated, r.rec.id, json::serialize(room_json(view(r))), now);
}

void RoomService::remove_member(Room& r, const std::string& user, const std::string& reason,
                                int64_t now) {
  auto it = r.members.find(user);
  if (it == r.members.end()) return;
  r.members.erase(it);
  presence_.remove(r.rec.id, user);
  batch_.writes.push_back(store::DeleteMember{r.rec.id, user});
  drop_offer(r, user);
  bool owner = user == r.rec.owner;
  // A live room keeps its anchor's seat 0; other seats go with their member.
  for (const auto& [i, s] : r.seats) {
    if (s.user == user && !(owner && r.rec.kind == "live")) {
      remove_seat(r, i, "left", now);
      break;
    }
  }
  if (owner && r.rec.kind == "live") {
    r.owner_gone_since = now;
    if (!r.rec.pk_id.empty()) {
      if (auto pk = pks_.find(r.rec.pk_id); pk != pks_.end()) end_pk(pk->second, "anchor_left", now);
    }
  }
  if (r.members.empty()) r.empty_since = now;
  emit(EventType::member_left, r.rec.id,
       json::serialize(json::object{{"user", user}, {"reason", reason},
                                    {"online", static_cast<int64_t>(r.members.size())}}),
       now);
}

void RoomService::end_pk(Pk& pk, const std::string& reason, int64_t now) {
  // Only a PK that started ends; an invitation is rejected, expires or is cancelled.
  EventType type = pk.status == "active"  ? EventType::pk_ended
                   : reason == "rejected" ? EventType::pk_rejected
                   : reason == "expired"  ? EventType::pk_expired
                                          : EventType::pk_cancelled;
  if (pk.status == "active") {
    if (now < pk.ends_at) pk.ends_at = now;
    pk.winner = pk.score_a > pk.score_b   ? pk.room_a
                : pk.score_b > pk.score_a ? pk.room_b
                                          : "";
  }
  pk.status = "ended";
  pk.end_reason = reason;
  batch_.writes.push_back(pk);
  for (const auto& id : {pk.room_a, pk.room_b}) {
    if (Room* r = find(id); r && r->rec.pk_id == pk.id) {
      r->rec.pk_id.clear();
      save_room(*r);
    }
  }
  emit(type, pk.room_a, json::serialize(pk_json(pk)), now, pk.room_b);
  std::string id = pk.id;
  pks_.erase(id);
}

void RoomService::close(Room& r, const std::string& reason, int64_t now) {
  if (!r.rec.pk_id.empty()) {
    if (auto pk = pks_.find(r.rec.pk_id); pk != pks_.end()) end_pk(pk->second, "room_closed", now);
  }
  r.rec.status = "closed";
  r.rec.closed_at = now;
  for (const auto& [user, m] : r.members) presence_.remove(r.rec.id, user);
  save_room(r);
  emit(EventType::room_closed, r.rec.id,
       json::serialize(json::object{{"id", r.rec.id}, {"reason", reason}}), now);
  std::string id = r.rec.id;
  rooms_.erase(id);
}

Result<void> RoomService::flush(int64_t now) {
  bool queued_hooks = std::any_of(batch_.writes.begin(), batch_.writes.end(), [](const auto& w) {
    return std::holds_alternative<store::WebhookJob>(w);
  });
  if (auto r = store_.commit(batch_); !r) {
    batch_.writes.clear();
    events_.clear();
    spdlog::error("rooms: store commit failed, reloading state: {}", r.error().message());
    // Back to what is durable, announcing nothing: the streams this process runs are still up.
    if (auto re = load(now); !re)
      spdlog::critical("rooms: reloading state failed: {}", re.error().message());
    return fail(ErrorCode::internal, "storage failure; the change was not saved");
  }
  batch_.writes.clear();
  auto events = std::move(events_);
  events_.clear();
  for (const auto& e : events) bus_.publish(e);
  if (queued_hooks && webhooks_queued_) webhooks_queued_();
  return {};
}

Result<void> RoomService::restore(int64_t now) {
  auto loaded = load(now);
  if (!loaded) return std::unexpected(std::move(loaded.error()));
  // Streams live when the last process ended (a crash, a kill -9) went down with it and
  // nobody said so: say it now, as the media plane would have, so webhook consumers (and
  // whoever else follows the events) learn the stream ended. The seat's new state and the
  // webhook jobs are committed together, like any other change.
  for (const auto& [room_id, index] : loaded->live_seats) {
    Room* r = find(room_id);
    if (r == nullptr || !r->seats.contains(index)) continue;
    const Seat& st = r->seats.at(index);
    batch_.writes.push_back(st);
    emit(EventType::stream_stopped, room_id,
         json::serialize(json::object{{"stream", stream_name(room_id, st.user)},
                                      {"user", st.user},
                                      {"index", st.index},
                                      {"reason", "restart"}}),
         now);
    emit_seats(*r, st.user, "stopped", now);
  }
  for (const auto& id : loaded->live_rooms) {
    if (Room* r = find(id)) {
      save_room(*r);
      emit(EventType::room_updated, id, json::serialize(room_json(view(*r))), now);
    }
  }
  if (batch_.empty() && events_.empty()) return {};
  return flush(now);
}

Result<RoomService::Loaded> RoomService::load(int64_t now) {
  auto snap = store_.load();
  if (!snap) return std::unexpected(std::move(snap.error()).with_context("restoring rooms"));
  rooms_.clear();
  pks_.clear();
  presence_.clear();
  Loaded out;
  for (auto& rec : snap->rooms) {
    Room r;
    r.rec = std::move(rec);
    r.likes_reported = r.rec.likes;
    r.empty_since = now;
    std::string id = r.rec.id;
    rooms_.emplace(id, std::move(r));
  }
  for (auto& m : snap->members) {
    if (Room* r = find(m.room_id))
      r->members[m.user] = Member{m.user, m.name, m.role, m.joined_at, m.muted_until,
                                  presence_.add(m.room_id, m.user, now)};
  }
  for (auto& s : snap->seats) {
    // Streams do not survive a restart: the media plane reports them again.
    if (Room* r = find(s.room_id)) {
      if (s.live) out.live_seats.emplace_back(s.room_id, s.index);
      s.live = false;
      r->seats[s.index] = s;
    }
  }
  for (auto& o : snap->offers)
    if (Room* r = find(o.room_id)) r->offers[o.user] = o;
  for (auto& b : snap->bans)
    if (Room* r = find(b.room_id)) r->bans[b.user] = b.until;
  for (auto& pk : snap->pks) pks_[pk.id] = pk;
  for (auto& [id, r] : rooms_) {
    if (!r.members.empty()) {
      r.empty_since = 0;
      r.joined_once = true;
    }
    if (r.rec.kind == "live" && !r.members.contains(r.rec.owner)) r.owner_gone_since = now;
    if (r.rec.status == "live") {
      r.rec.status = "idle";
      out.live_rooms.push_back(id);
    }
  }
  spdlog::info("rooms: restored rooms={} pks={} interrupted_streams={}", rooms_.size(), pks_.size(),
               out.live_seats.size());
  return out;
}

// ---- rooms ------------------------------------------------------------------------------

Result<RoomView> RoomService::create_room(const Actor& a, const CreateRoom& req, int64_t now) {
  if (!a.admin() && (!a.grants.publish || a.grants.room != "*"))
    return fail(ErrorCode::permission_denied,
                "creating a room needs a token with the publish grant for all rooms");
  const auto& rc = config_.rooms;
  store::RoomRecord rec;
  rec.kind = req.kind;
  if (req.kind == "call") {
    if (req.max_members && *req.max_members != 2)
      return fail(ErrorCode::invalid_argument, "max_members: a call has exactly 2 members");
    rec.max_members = 2;
    rec.max_seats = 2;
  } else if (req.kind == "meeting") {
    int64_t n = req.max_members.value_or(rc.default_max_members);
    if (n < 2 || n > rc.max_meeting_members)
      return fail(ErrorCode::invalid_argument,
                  "max_members: a meeting has 2.." + std::to_string(rc.max_meeting_members));
    rec.max_members = n;
    rec.max_seats = n;
  } else if (req.kind == "live") {
    int64_t members = req.max_members.value_or(rc.live_max_members);
    if (members < 1 || members > rc.live_max_members)
      return fail(ErrorCode::invalid_argument,
                  "max_members: a live room has 1.." + std::to_string(rc.live_max_members));
    int64_t seats = req.max_seats.value_or(rc.default_max_seats);
    if (seats < 0 || seats > rc.max_live_seats)
      return fail(ErrorCode::invalid_argument,
                  "max_seats: a live room has 0.." + std::to_string(rc.max_live_seats) +
                      " co-host seats");
    rec.max_members = members;
    rec.max_seats = seats;
  } else {
    return fail(ErrorCode::invalid_argument, "kind: must be live, call or meeting");
  }
  if (req.kind != "live" && req.max_seats)
    return fail(ErrorCode::invalid_argument, "max_seats: only live rooms have co-host seats");

  rec.id = ids_.next_string();
  rec.title = req.title;
  rec.status = "idle";
  rec.owner = a.user;
  rec.created_at = now;
  rec.metadata = req.metadata;
  Room r;
  r.rec = rec;
  r.empty_since = now;
  auto [it, inserted] = rooms_.emplace(rec.id, std::move(r));
  Room& room = it->second;
  save_room(room);
  if (room.rec.kind == "live") {
    // The anchor holds seat 0 from creation.
    Seat s{room.rec.id, 0, a.user, false, false, false};
    room.seats[0] = s;
    batch_.writes.push_back(s);
    room.owner_gone_since = now;
  }
  RoomView v = view(room);
  emit(EventType::room_created, room.rec.id, json::serialize(room_json(v)), now);
  if (auto f = flush(now); !f) return std::unexpected(f.error());
  return v;
}

Result<RoomView> RoomService::room(const std::string& id) const {
  auto r = open_room(id);
  if (!r) return std::unexpected(r.error());
  return view(**r);
}

RoomPage RoomService::list_rooms(const std::string& kind, const std::string& status, int limit,
                                 const std::string& cursor) const {
  RoomPage page;
  auto it = cursor.empty() ? rooms_.end() : rooms_.lower_bound(cursor);
  while (it != rooms_.begin()) {
    --it;
    const Room& r = it->second;
    if (!kind.empty() && r.rec.kind != kind) continue;
    if (!status.empty() && r.rec.status != status) continue;
    if (static_cast<int>(page.rooms.size()) == limit) {
      page.next_cursor = page.rooms.back().rec.id;
      break;
    }
    page.rooms.push_back(view(r));
  }
  return page;
}

Result<RoomView> RoomService::update_room(const Actor& a, const std::string& id,
                                          const UpdateRoom& req, int64_t now) {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  if (!is_owner(a, r)) return not_owner();
  const auto& rc = config_.rooms;
  if (req.max_members) {
    int64_t lo = 2, hi = r.rec.kind == "meeting" ? rc.max_meeting_members : rc.live_max_members;
    if (r.rec.kind == "call" && *req.max_members != 2)
      return fail(ErrorCode::invalid_argument, "max_members: a call has exactly 2 members");
    if (r.rec.kind == "live") lo = 1;
    if (*req.max_members < lo || *req.max_members > hi)
      return fail(ErrorCode::invalid_argument,
                  "max_members: must be " + std::to_string(lo) + ".." + std::to_string(hi));
    if (r.rec.kind == "meeting") {
      for (const auto& [i, s] : r.seats)
        if (i >= *req.max_members)
          return fail(ErrorCode::conflict, "max_members: seat " + std::to_string(i) + " is taken");
    }
  }
  if (req.max_seats) {
    if (r.rec.kind != "live")
      return fail(ErrorCode::invalid_argument, "max_seats: only live rooms have co-host seats");
    if (*req.max_seats < 0 || *req.max_seats > rc.max_live_seats)
      return fail(ErrorCode::invalid_argument,
                  "max_seats: must be 0.." + std::to_string(rc.max_live_seats));
    for (const auto& [i, s] : r.seats)
      if (i > *req.max_seats)
        return fail(ErrorCode::conflict, "max_seats: seat " + std::to_string(i) + " is taken");
  }
  if (req.title) r.rec.title = *req.title;
  if (req.metadata) r.rec.metadata = *req.metadata;
  if (req.max_members) {
    r.rec.max_members = *req.max_members;
    if (r.rec.kind == "meeting") r.rec.max_seats = *req.max_members;
  }
  if (req.max_seats) r.rec.max_seats = *req.max_seats;
  save_room(r);
  RoomView v = view(r);
  emit(EventType::room_updated, r.rec.id, json::serialize(room_json(v)), now);
  if (auto f = flush(now); !f) return std::unexpected(f.error());
  return v;
}

Result<void> RoomService::close_room(const Actor& a, const std::string& id, int64_t now) {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  if (!is_owner(a, **found)) return not_owner();
  close(**found, "closed", now);
  return flush(now);
}

// ---- members ----------------------------------------------------------------------------

Result<JoinResult> RoomService::join(const Actor& a, const std::string& id, int64_t now) {
  if (!a.grants.allows_room(id))
    return fail(ErrorCode::permission_denied, "the token does not grant room " + id);
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  if (auto ban = r.bans.find(a.user); ban != r.bans.end() && ban->second > now)
    return fail(ErrorCode::permission_denied, "you were removed from this room; retry later");
  if (auto m = r.members.find(a.user); m != r.members.end()) {
    // Joining again (a reconnecting app) is not an error: it refreshes the member.
    m->second.seen->store(now, std::memory_order_relaxed);
    const Member& mm = m->second;
    return JoinResult{view(r), {mm.user, mm.name, mm.role, mm.joined_at, mm.muted_until}};
  }
  bool owner = a.user == r.rec.owner;
  if (!owner && static_cast<int64_t>(r.members.size()) >= r.rec.max_members)
    return fail(ErrorCode::conflict, "room is full");
  if (r.rec.kind != "live" && static_cast<int64_t>(r.members.size()) >= r.rec.max_members)
    return fail(ErrorCode::conflict, "room is full");

  Member m;
  m.user = a.user;
  m.name = a.name.empty() ? a.user : a.name;
  m.role = r.rec.kind != "live" ? "member" : owner ? "anchor" : "audience";
  m.joined_at = now;
  m.seen = presence_.add(r.rec.id, m.user, now);
  r.members[m.user] = m;
  r.empty_since = 0;
  r.joined_once = true;
  if (owner) r.owner_gone_since = 0;
  save_member(r, m);
  emit(EventType::member_joined, r.rec.id,
       json::serialize(json::object{{"user", m.user}, {"name", m.name}, {"role", m.role},
                                    {"online", static_cast<int64_t>(r.members.size())}}),
       now);
  if (auto f = flush(now); !f) return std::unexpected(f.error());
  Room* after = find(id);
  return JoinResult{view(*after), {m.user, m.name, m.role, m.joined_at, m.muted_until}};
}

Result<void> RoomService::leave(const Actor& a, const std::string& id, int64_t now) {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  if (!r.members.contains(a.user)) return not_member();
  remove_member(r, a.user, "left", now);
  return flush(now);
}

Result<void> RoomService::heartbeat(const Actor& a, const std::string& id, int64_t now) {
  Room* r = find(id);
  if (r == nullptr) {
    auto found = open_room(id);
    return std::unexpected(found.error());
  }
  auto m = r->members.find(a.user);
  if (m == r->members.end())
    return fail(ErrorCode::not_found, "not a member of room " + id + "; join again");
  m->second.seen->store(now, std::memory_order_relaxed);
  return {};
}

Result<MemberPage> RoomService::members(const std::string& id, int limit,
                                        const std::string& cursor) const {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  const Room& r = **found;
  MemberPage page;
  for (auto it = r.members.upper_bound(cursor); it != r.members.end(); ++it) {
    if (static_cast<int>(page.members.size()) == limit) {
      page.next_cursor = page.members.back().user;
      break;
    }
    const Member& m = it->second;
    page.members.push_back({m.user, m.name, m.role, m.joined_at, m.muted_until});
  }
  return page;
}

Result<MemberView> RoomService::member(const std::string& id, const std::string& user) const {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  auto it = (*found)->members.find(user);
  if (it == (*found)->members.end()) return fail(ErrorCode::not_found, "not a member");
  const Member& m = it->second;
  return MemberView{m.user, m.name, m.role, m.joined_at, m.muted_until};
}

Result<RoomService::Restrictions> RoomService::restrictions(const std::string& id, int64_t now) const {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  Restrictions out;
  for (const auto& [user, m] : (*found)->members)
    if (m.muted_until > now) out.muted.emplace_back(user, m.muted_until);
  for (const auto& [user, until] : (*found)->bans)
    if (until > now) out.banned.emplace_back(user, until);
  return out;
}

Result<void> RoomService::kick(const Actor& a, const std::string& id, const std::string& user,
                               int64_t now) {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  if (!is_owner(a, r)) return not_owner();
  if (user == r.rec.owner) return fail(ErrorCode::conflict, "the owner cannot be kicked");
  if (!r.members.contains(user)) return fail(ErrorCode::not_found, "user " + user + " is not in the room");
  int64_t until = now + int64_t{config_.rooms.kick_ban_s} * 1000;
  r.bans[user] = until;
  batch_.writes.push_back(store::BanRecord{r.rec.id, user, until});
  remove_member(r, user, "kicked", now);
  return flush(now);
}

Result<MemberView> RoomService::mute(const Actor& a, const std::string& id, const std::string& user,
                                     int64_t seconds, int64_t now) {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  if (!is_owner(a, r)) return not_owner();
  auto it = r.members.find(user);
  if (it == r.members.end()) return fail(ErrorCode::not_found, "user " + user + " is not in the room");
  if (seconds < 0 || seconds > 30 * 24 * 3600)
    return fail(ErrorCode::invalid_argument, "seconds: must be 0..2592000 (0 unmutes)");
  Member& m = it->second;
  m.muted_until = seconds == 0 ? 0 : now + seconds * 1000;
  save_member(r, m);
  emit(EventType::member_muted, r.rec.id,
       json::serialize(json::object{{"user", user}, {"muted_until", m.muted_until}}), now);
  if (auto f = flush(now); !f) return std::unexpected(f.error());
  return MemberView{m.user, m.name, m.role, m.joined_at, m.muted_until};
}

// ---- seats ------------------------------------------------------------------------------

Result<std::vector<Seat>> RoomService::seats(const std::string& id) const {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  return seat_list(**found);
}

Result<std::vector<Offer>> RoomService::offers(const Actor& a, const std::string& id) const {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  if (!is_owner(a, **found)) return not_owner();
  std::vector<Offer> out;
  for (const auto& [user, o] : (*found)->offers) out.push_back(o);
  return out;
}

Result<Seat> RoomService::take_seat(const Actor& a, const std::string& id, int64_t now) {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  if (r.rec.kind == "live")
    return fail(ErrorCode::invalid_argument,
                "a live room's seats are taken through seat requests and invitations");
  if (!r.members.contains(a.user)) return not_member();
  if (!a.grants.publish) return fail(ErrorCode::permission_denied, "the token may not publish");
  for (const auto& [i, s] : r.seats)
    if (s.user == a.user) return s;  // already seated: idempotent
  auto index = free_seat(r);
  if (!index) return fail(ErrorCode::conflict, "all seats are taken");
  seat_user(r, *index, a.user, now);
  Seat s = r.seats[*index];
  if (auto f = flush(now); !f) return std::unexpected(f.error());
  return s;
}

Result<Offer> RoomService::request_seat(const Actor& a, const std::string& id, int64_t now) {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  if (r.rec.kind != "live")
    return fail(ErrorCode::invalid_argument, "seat requests are for live rooms; take a seat");
  if (!r.members.contains(a.user)) return not_member();
  if (!a.grants.publish) return fail(ErrorCode::permission_denied, "the token may not publish");
  for (const auto& [i, s] : r.seats)
    if (s.user == a.user) return fail(ErrorCode::conflict, "you already hold a seat");
  if (auto o = r.offers.find(a.user); o != r.offers.end()) {
    if (o->second.kind == "request") return o->second;  // asking twice is one request
    return fail(ErrorCode::conflict, "you have an invitation to answer");
  }
  if (!free_seat(r)) return fail(ErrorCode::conflict, "all seats are taken");
  Offer o{r.rec.id, a.user, "request", now + int64_t{config_.rooms.seat_offer_timeout_s} * 1000};
  r.offers[a.user] = o;
  batch_.writes.push_back(o);
  const Member& m = r.members[a.user];
  emit(EventType::seat_request, r.rec.id,
       json::serialize(json::object{{"user", a.user}, {"name", m.name}, {"expires_at", o.expires_at}}),
       now);
  if (auto f = flush(now); !f) return std::unexpected(f.error());
  return o;
}

Result<std::optional<Seat>> RoomService::answer_request(const Actor& a, const std::string& id,
                                                        const std::string& user, bool accept,
                                                        int64_t now) {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  if (!is_owner(a, r)) return not_owner();
  auto o = r.offers.find(user);
  if (o == r.offers.end() || o->second.kind != "request" || o->second.expires_at <= now)
    return fail(ErrorCode::not_found, "no seat request from " + user);
  if (!accept) {
    drop_offer(r, user);
    emit(EventType::seat_request_rejected, r.rec.id,
         json::serialize(json::object{{"user", user}, {"reason", "rejected"}}), now);
    if (auto f = flush(now); !f) return std::unexpected(f.error());
    return std::optional<Seat>();
  }
  auto index = free_seat(r);
  if (!index) return fail(ErrorCode::conflict, "all seats are taken");
  seat_user(r, *index, user, now);
  Seat s = r.seats[*index];
  if (auto f = flush(now); !f) return std::unexpected(f.error());
  return std::optional<Seat>(s);
}

Result<Offer> RoomService::invite(const Actor& a, const std::string& id, const std::string& user,
                                  int64_t now) {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  if (!is_owner(a, r)) return not_owner();
  if (r.rec.kind != "live")
    return fail(ErrorCode::invalid_argument, "seat invitations are for live rooms");
  if (!r.members.contains(user))
    return fail(ErrorCode::not_found, "user " + user + " is not in the room");
  for (const auto& [i, s] : r.seats)
    if (s.user == user) return fail(ErrorCode::conflict, user + " already holds a seat");
  if (auto o = r.offers.find(user); o != r.offers.end()) {
    if (o->second.kind == "invitation") return o->second;
    return fail(ErrorCode::conflict, user + " has asked for a seat: accept the request");
  }
  if (!free_seat(r)) return fail(ErrorCode::conflict, "all seats are taken");
  Offer o{r.rec.id, user, "invitation", now + int64_t{config_.rooms.seat_offer_timeout_s} * 1000};
  r.offers[user] = o;
  batch_.writes.push_back(o);
  emit(EventType::seat_invitation, r.rec.id,
       json::serialize(json::object{{"user", user}, {"from", a.user}, {"expires_at", o.expires_at}}),
       now);
  if (auto f = flush(now); !f) return std::unexpected(f.error());
  return o;
}

Result<std::optional<Seat>> RoomService::answer_invitation(const Actor& a, const std::string& id,
                                                           bool accept, int64_t now) {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  auto o = r.offers.find(a.user);
  if (o == r.offers.end() || o->second.kind != "invitation" || o->second.expires_at <= now)
    return fail(ErrorCode::not_found, "no seat invitation for you");
  if (!accept) {
    drop_offer(r, a.user);
    emit(EventType::seat_invitation_rejected, r.rec.id,
         json::serialize(json::object{{"user", a.user}, {"reason", "rejected"}}), now);
    if (auto f = flush(now); !f) return std::unexpected(f.error());
    return std::optional<Seat>();
  }
  if (!r.members.contains(a.user)) return not_member();
  if (!a.grants.publish) return fail(ErrorCode::permission_denied, "the token may not publish");
  auto index = free_seat(r);
  if (!index) return fail(ErrorCode::conflict, "all seats are taken");
  seat_user(r, *index, a.user, now);
  Seat s = r.seats[*index];
  if (auto f = flush(now); !f) return std::unexpected(f.error());
  return std::optional<Seat>(s);
}

Result<void> RoomService::leave_seat(const Actor& a, const std::string& id, const std::string& user,
                                     int64_t now) {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  if (a.user != user && !is_owner(a, r))
    return fail(ErrorCode::permission_denied, "only the seat's user or the owner may free it");
  for (const auto& [i, s] : r.seats) {
    if (s.user != user) continue;
    if (r.rec.kind == "live" && i == 0)
      return fail(ErrorCode::conflict, "the anchor's seat cannot be freed; close the room");
    remove_seat(r, i, a.user == user ? "left" : "removed", now);
    return flush(now);
  }
  return fail(ErrorCode::not_found, user + " holds no seat");
}

Result<Seat> RoomService::update_seat(const Actor& a, const std::string& id, const std::string& user,
                                      std::optional<bool> audio_muted,
                                      std::optional<bool> video_muted, int64_t now) {
  auto found = open_room(id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  if (a.user != user && !is_owner(a, r))
    return fail(ErrorCode::permission_denied, "only the seat's user or the owner may change it");
  for (auto& [i, s] : r.seats) {
    if (s.user != user) continue;
    if (audio_muted) s.audio_muted = *audio_muted;
    if (video_muted) s.video_muted = *video_muted;
    batch_.writes.push_back(s);
    Seat copy = s;
    emit_seats(r, user, "updated", now);
    if (auto f = flush(now); !f) return std::unexpected(f.error());
    return copy;
  }
  return fail(ErrorCode::not_found, user + " holds no seat");
}

Result<void> RoomService::set_stream_live(const std::string& stream, bool live, int64_t now) {
  std::string room_id, user;
  if (!parse_stream_name(stream, room_id, user))
    return fail(ErrorCode::not_found, "stream " + stream + " belongs to no room");
  Room* r = find(room_id);
  if (r == nullptr) return fail(ErrorCode::not_found, "room " + room_id + " is not open");
  for (auto& [i, s] : r->seats) {
    if (s.user != user) continue;
    if (s.live == live) return {};
    s.live = live;
    batch_.writes.push_back(s);
    emit(live ? EventType::stream_started : EventType::stream_stopped, r->rec.id,
         json::serialize(json::object{{"stream", stream}, {"user", user}, {"index", i}}), now);
    emit_seats(*r, user, live ? "live" : "stopped", now);
    update_status(*r, now);
    return flush(now);
  }
  return fail(ErrorCode::permission_denied, user + " holds no seat in room " + room_id);
}

// ---- PK ---------------------------------------------------------------------------------

Result<Pk> RoomService::pk_invite(const Actor& a, const std::string& from_room,
                                  const std::string& to_room, int64_t now) {
  if (from_room == to_room) return fail(ErrorCode::invalid_argument, "to_room: must differ from from_room");
  auto from = open_room(from_room);
  if (!from) return std::unexpected(std::move(from.error()).with_context("from_room"));
  auto to = open_room(to_room);
  if (!to) return std::unexpected(std::move(to.error()).with_context("to_room"));
  Room& ra = **from;
  Room& rb = **to;
  if (!is_owner(a, ra)) return fail(ErrorCode::permission_denied, "only the anchor of from_room may invite");
  if (ra.rec.kind != "live" || rb.rec.kind != "live")
    return fail(ErrorCode::invalid_argument, "PK is between two live rooms");
  if (!ra.rec.pk_id.empty()) return fail(ErrorCode::conflict, "from_room is already in a PK");
  if (!rb.rec.pk_id.empty()) return fail(ErrorCode::conflict, "to_room is already in a PK");
  if (!rb.members.contains(rb.rec.owner))
    return fail(ErrorCode::conflict, "the anchor of to_room is not in the room");
  Pk pk;
  pk.id = ids_.next_string();
  pk.room_a = ra.rec.id;
  pk.room_b = rb.rec.id;
  pk.status = "inviting";
  pk.created_at = now;
  pk.expires_at = now + int64_t{config_.pk.invite_timeout_s} * 1000;
  pks_[pk.id] = pk;
  ra.rec.pk_id = pk.id;
  rb.rec.pk_id = pk.id;
  save_room(ra);
  save_room(rb);
  batch_.writes.push_back(pk);
  emit(EventType::pk_invitation, pk.room_a, json::serialize(pk_json(pk)), now, pk.room_b);
  if (auto f = flush(now); !f) return std::unexpected(f.error());
  return pk;
}

Result<Pk> RoomService::pk_answer(const Actor& a, const std::string& pk_id, bool accept,
                                  int64_t now) {
  auto it = pks_.find(pk_id);
  if (it == pks_.end()) return fail(ErrorCode::not_found, "no open PK " + pk_id);
  Pk& pk = it->second;
  if (pk.status != "inviting") return fail(ErrorCode::conflict, "the PK has already started");
  if (pk.expires_at <= now) return fail(ErrorCode::not_found, "the PK invitation expired");
  Room* rb = find(pk.room_b);
  if (rb == nullptr || !is_owner(a, *rb))
    return fail(ErrorCode::permission_denied, "only the invited anchor may answer");
  if (!accept) {
    end_pk(pk, "rejected", now);
    Pk copy = last_written_pk(pk_id);
    if (auto f = flush(now); !f) return std::unexpected(f.error());
    return copy;
  }
  pk.status = "active";
  pk.started_at = now;
  pk.ends_at = now + int64_t{config_.pk.duration_s} * 1000;
  batch_.writes.push_back(pk);
  Pk copy = pk;
  emit(EventType::pk_started, pk.room_a, json::serialize(pk_json(pk)), now, pk.room_b);
  if (auto f = flush(now); !f) return std::unexpected(f.error());
  return copy;
}

Result<Pk> RoomService::pk_end(const Actor& a, const std::string& pk_id, int64_t now) {
  auto it = pks_.find(pk_id);
  if (it == pks_.end()) return fail(ErrorCode::not_found, "no open PK " + pk_id);
  Pk pk = it->second;
  const Room* ra = find(pk.room_a);
  const Room* rb = find(pk.room_b);
  bool allowed = a.admin() || (ra && is_owner(a, *ra)) || (rb && is_owner(a, *rb));
  if (!allowed) return fail(ErrorCode::permission_denied, "only one of the two anchors may end a PK");
  bool active = pk.status == "active";
  end_pk(it->second, active ? "ended" : "cancelled", now);
  Pk copy = last_written_pk(pk_id);
  if (auto f = flush(now); !f) return std::unexpected(f.error());
  return copy;
}

Result<Pk> RoomService::pk(const std::string& pk_id) const {
  auto it = pks_.find(pk_id);
  if (it == pks_.end()) return fail(ErrorCode::not_found, "no open PK " + pk_id);
  return it->second;
}

// ---- gifts and likes --------------------------------------------------------------------

Result<GiftPlan> RoomService::plan_gift(const Actor& a, const std::string& room_id,
                                       const SendGift& req, int64_t now) {
  if (req.biz_id.empty() || req.biz_id.size() > 128)
    return fail(ErrorCode::invalid_argument, "biz_id: required, at most 128 characters");
  if (pending_biz_.contains(req.biz_id))
    return fail(ErrorCode::conflict, "a gift with this biz_id is being paid for; retry shortly");
  auto existing = store_.gift_by_biz_id(req.biz_id);
  if (!existing) return std::unexpected(std::move(existing.error()).with_context("looking up biz_id"));
  if (*existing) {
    if ((*existing)->from_user != a.user)
      return fail(ErrorCode::conflict, "biz_id: already used by another sender");
    return GiftPlan{**existing, {}, {}};
  }
  auto found = open_room(room_id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  const GiftItem* item = nullptr;
  for (const auto& g : config_.gifts.catalog)
    if (g.id == req.gift_id) item = &g;
  if (item == nullptr) return fail(ErrorCode::invalid_argument, "gift_id: not in the catalog");
  if (req.amount < 1 || req.amount > config_.gifts.max_amount)
    return fail(ErrorCode::invalid_argument,
                "amount: must be 1.." + std::to_string(config_.gifts.max_amount));
  if (!a.admin() && !r.members.contains(a.user)) return not_member();
  std::string to = req.to.empty() ? r.rec.owner : req.to;
  if (to == a.user) return fail(ErrorCode::invalid_argument, "to: cannot send a gift to yourself");
  if (to != r.rec.owner && !r.members.contains(to))
    return fail(ErrorCode::not_found, "to: user " + to + " is not in the room");
  if (item->price > 0 && req.amount > std::numeric_limits<int64_t>::max() / item->price)
    return fail(ErrorCode::invalid_argument, "amount: too large");

  Gift g;
  g.id = ids_.next_string();
  g.biz_id = req.biz_id;
  g.room_id = r.rec.id;
  g.from_user = a.user;
  auto m = r.members.find(a.user);
  g.from_name = m != r.members.end() ? m->second.name : (a.name.empty() ? a.user : a.name);
  g.to_user = to;
  g.gift_id = item->id;
  g.amount = req.amount;
  g.value = item->price * req.amount;
  g.created_at = now;
  pending_biz_.insert(g.biz_id);
  return GiftPlan{std::nullopt, g, r.rec.owner};
}

void RoomService::abandon_gift(const Gift& pending) { pending_biz_.erase(pending.biz_id); }

Result<Gift> RoomService::complete_gift(const Gift& pending, int64_t now) {
  pending_biz_.erase(pending.biz_id);
  Gift g = pending;
  g.created_at = now;
  // The payment went through: the gift is recorded even if the room closed meanwhile.
  Room* r = find(g.room_id);
  if (r != nullptr && !r->rec.pk_id.empty() && g.to_user == r->rec.owner) {
    if (auto it = pks_.find(r->rec.pk_id); it != pks_.end() && it->second.status == "active") {
      Pk& pk = it->second;
      (pk.room_a == r->rec.id ? pk.score_a : pk.score_b) += g.value;
      g.pk_id = pk.id;
      batch_.writes.push_back(pk);
      emit(EventType::pk_score, pk.room_a,
           json::serialize(json::object{{"id", pk.id},
                                        {"rooms", json::array{json::string(pk.room_a), json::string(pk.room_b)}},
                                        {"scores", json::object{{"a", pk.score_a}, {"b", pk.score_b}}}}),
           now, pk.room_b);
    }
  }
  batch_.writes.insert(batch_.writes.begin(), g);
  emit(EventType::gift_sent, g.room_id, json::serialize(gift_json(g)), now);
  if (auto f = flush(now); !f) return std::unexpected(f.error());
  return g;
}

Result<int64_t> RoomService::like(const Actor& a, const std::string& room_id, int64_t count,
                                  int64_t now) {
  (void)now;
  if (count < 1 || count > 1000) return fail(ErrorCode::invalid_argument, "count: must be 1..1000");
  auto found = open_room(room_id);
  if (!found) return std::unexpected(found.error());
  Room& r = **found;
  if (!a.admin() && !r.members.contains(a.user)) return not_member();
  // Likes are counted in memory and written and announced in aggregate by tick().
  r.rec.likes += count;
  return r.rec.likes;
}

// ---- timers -----------------------------------------------------------------------------

void RoomService::tick(int64_t now) {
  const auto& rc = config_.rooms;
  int64_t member_timeout = int64_t{rc.member_timeout_s} * 1000;
  std::vector<std::pair<std::string, std::string>> to_close;
  for (auto& [id, r] : rooms_) {
    std::vector<std::string> gone;
    for (const auto& [user, m] : r.members)
      if (now - m.seen->load(std::memory_order_relaxed) >= member_timeout) gone.push_back(user);
    for (const auto& user : gone) remove_member(r, user, "timeout", now);

    std::vector<Offer> expired;
    for (const auto& [user, o] : r.offers)
      if (o.expires_at <= now) expired.push_back(o);
    for (const auto& o : expired) {
      drop_offer(r, o.user);
      emit(o.kind == "request" ? EventType::seat_request_rejected
                               : EventType::seat_invitation_rejected,
           r.rec.id, json::serialize(json::object{{"user", o.user}, {"reason", "expired"}}), now);
    }
    std::erase_if(r.bans, [&](const auto& b) { return b.second <= now; });

    if (r.rec.likes != r.likes_reported) {
      int64_t delta = r.rec.likes - r.likes_reported;
      r.likes_reported = r.rec.likes;
      save_room(r);
      emit(EventType::likes, r.rec.id,
           json::serialize(json::object{{"total", r.rec.likes}, {"delta", delta}}), now);
    }

    // A live room that has had people closes by the anchor-gone rule; before anyone joined
    // (and for calls and meetings, whenever empty) by the idle rule.
    bool idle_rule = r.rec.kind != "live" || !r.joined_once;
    if (idle_rule && r.members.empty() && r.empty_since != 0 &&
        now - r.empty_since >= int64_t{rc.idle_room_timeout_s} * 1000) {
      to_close.emplace_back(id, "idle");
    } else if (r.rec.kind == "live" && r.owner_gone_since != 0 &&
               now - r.owner_gone_since >= int64_t{rc.anchor_gone_timeout_s} * 1000) {
      to_close.emplace_back(id, "anchor_gone");
    }
  }
  for (const auto& [id, reason] : to_close)
    if (Room* r = find(id)) close(*r, reason, now);

  std::vector<std::string> expired_pks, finished_pks;
  for (const auto& [id, pk] : pks_) {
    if (pk.status == "inviting" && pk.expires_at <= now) expired_pks.push_back(id);
    if (pk.status == "active" && pk.ends_at <= now) finished_pks.push_back(id);
  }
  for (const auto& id : expired_pks)
    if (auto it = pks_.find(id); it != pks_.end()) end_pk(it->second, "expired", now);
  for (const auto& id : finished_pks)
    if (auto it = pks_.find(id); it != pks_.end()) end_pk(it->second, "time_up", now);

  if (!batch_.empty() || !events_.empty()) {
    if (auto f = flush(now); !f) spdlog::error("rooms: timers: {}", f.error().message());
  }
}

}  // namespace onair::rooms
