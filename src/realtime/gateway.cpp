#include "realtime/gateway.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <unordered_map>

#include "auth/crypto.hpp"
#include "core/async.hpp"
#include "core/ids.hpp"
#include "core/metrics.hpp"
#include "realtime/channel.hpp"
#include "realtime/inbox.hpp"
#include "realtime/messages.hpp"
#include "realtime/session.hpp"
#include "realtime/word_filter.hpp"

namespace onair::realtime {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

int64_t now_ms() { return unix_ms(); }
int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Metrics {
  Gauge& connections = metrics().gauge("onair_rt_connections", "Realtime WebSocket connections");
  Gauge& subscriptions = metrics().gauge("onair_rt_subscriptions", "Room subscriptions of realtime connections");
  Counter& deliveries = metrics().counter("onair_rt_deliveries_total", "Messages delivered to connections");
  Counter& sampled = metrics().counter("onair_rt_drops_total", "Messages not delivered", {{"reason", "sampled"}});
  Counter& slow = metrics().counter("onair_rt_drops_total", "Messages not delivered", {{"reason", "slow"}});
  Counter& refused =
      metrics().counter("onair_rt_refusals_total", "Client messages refused (muted, rate, permission)");
  Histogram& batch_size = metrics().histogram("onair_rt_batch_messages", "Messages per room batch",
                                              {1, 2, 5, 10, 20, 50, 100, 200, 500});
  Histogram& latency = metrics().histogram("onair_rt_delivery_seconds",
                                           "From a message's arrival to its batch queued at every subscriber",
                                           {0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 1});
};
Metrics& m() {
  static Metrics x;
  return x;
}

// What a channel is waiting for before it can admit client messages: whether the room
// exists, and its mutes and bans (one call to the rooms strand per new channel).
enum class ChannelState { loading, ready, missing };

// The realtime event name of a bus event ("" = not sent to the room).
std::string_view message_type(bus::EventType t) {
  switch (t) {
    case bus::EventType::room_created:
      return "";
    case bus::EventType::gift_sent:
      return "gift";
    default:
      return bus::to_string(t);
  }
}

}  // namespace

struct ChannelSlot {
  ChannelSlot(std::string room, const RealtimeConfig& c, asio::io_context& io)
      : channel(std::move(room), c, now_ms()), timer(io) {}
  RoomChannel channel;
  asio::steady_timer timer;
  bool armed = false;
  ChannelState state = ChannelState::loading;
  std::vector<std::function<void(bool)>> waiting;
  int64_t idle_since_ms = 0;
  size_t online_sent = 0;
  int64_t online_sent_ms = 0;
};

struct Gateway::Loop {
  Loop(size_t i, asio::io_context& c) : index(i), io(c), sweep_timer(c) {}
  size_t index;
  asio::io_context& io;
  std::vector<Session*> sessions;
  std::unordered_map<std::string, std::vector<Session*>> rooms;  // subscribers on this loop
  std::unordered_map<std::string, std::vector<Session*>> users;  // connections on this loop
  // Homed here:
  std::unordered_map<std::string, std::unique_ptr<ChannelSlot>> channels;
  std::unordered_map<std::string, UserInbox> inboxes;
  asio::steady_timer sweep_timer;
  bool stopped = false;
};

namespace {
thread_local Gateway::Loop* this_loop = nullptr;

// Swap-removes `s` from `list` at `slot`, fixing the slot of the one moved there.
template <class FixSlot>
void remove_at(std::vector<Session*>& list, uint32_t slot, FixSlot fix) {
  if (slot >= list.size()) return;
  if (slot + 1 != list.size()) {
    list[slot] = list.back();
    fix(list[slot], slot);
  }
  list.pop_back();
}
}  // namespace

Gateway::Gateway(const Config& config, EventLoops& loops, const auth::TokenKeys& keys, bus::Bus& bus,
                 rooms::RoomStrand& rooms)
    : config_(config), loops_(loops), keys_(keys), bus_(bus), rooms_(rooms) {
  words_ = std::make_unique<WordFilter>(config.realtime.words, config.realtime.filter == "reject"
                                                                   ? WordFilter::Action::reject
                                                                   : WordFilter::Action::mask);
  for (size_t i = 0; i < loops.size(); ++i) loops_state_.push_back(std::make_unique<Loop>(i, loops.at(i)));
  m();
}

Gateway::~Gateway() {
  if (bus_sub_) bus_.unsubscribe(bus_sub_);
}

Gateway::Loop& Gateway::loop_of_this_thread() {
  if (!this_loop) {
    for (auto& l : loops_state_)
      if (l->io.get_executor().running_in_this_thread()) this_loop = l.get();
  }
  return *this_loop;
}

size_t Gateway::home_of(const std::string& id) const { return std::hash<std::string>{}(id) % loops_state_.size(); }

void Gateway::start() {
  for (auto& l : loops_state_) {
    Loop* lp = l.get();
    asio::post(lp->io, [this, lp] {
      this_loop = lp;
      schedule_sweep(*lp);
    });
  }
  bus_sub_ = bus_.subscribe([this](const bus::EventPtr& e) { on_event(e); });
}

void Gateway::stop() {
  stopping_ = true;
  if (bus_sub_) {
    bus_.unsubscribe(bus_sub_);
    bus_sub_ = 0;
  }
  // Shared: a loop that runs this after the wait below has given up must not touch the stack.
  auto done = std::make_shared<std::atomic<size_t>>(0);
  for (auto& l : loops_state_) {
    Loop* lp = l.get();
    asio::post(lp->io, [lp, done] {
      lp->stopped = true;
      lp->sweep_timer.cancel();
      for (auto& [room, slot] : lp->channels) slot->timer.cancel();
      auto sessions = lp->sessions;
      for (Session* s : sessions) s->close(ws::close_code::going_away, "server shutting down");
      done->fetch_add(1);
    });
  }
  // The loops still run; wait until each has started the close handshakes, then give the
  // close frames a moment to leave.
  for (int i = 0; i < 200 && done->load() < loops_state_.size(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

// ---- the WebSocket upgrade -------------------------------------------------------------

asio::awaitable<std::optional<http::Response>> Gateway::upgrade(http::Request& req, asio::ip::tcp::socket& socket) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = char(std::tolower(uint8_t(c)));
    return out;
  };
  if (lower(req.header("upgrade")) != "websocket" || lower(req.header("connection")).find("upgrade") == std::string::npos)
    co_return http::Response::error(Error{ErrorCode::invalid_argument, "this is a WebSocket endpoint: send Upgrade: websocket"});
  if (req.header("sec-websocket-version") != "13") {
    auto r = http::Response::error(Error{ErrorCode::invalid_argument, "WebSocket version 13 only"});
    r.status = 426;
    r.headers.emplace_back("Sec-WebSocket-Version", "13");
    co_return r;
  }
  std::string_view key = req.header("sec-websocket-key");
  if (key.size() != 24) co_return http::Response::error(Error{ErrorCode::invalid_argument, "bad Sec-WebSocket-Key"});
  if (stopping_) co_return http::Response::error(Error{ErrorCode::unavailable, "shutting down"});

  std::string head =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nServer: onair\r\n"
      "Sec-WebSocket-Accept: " +
      ws::accept_key(key) + "\r\n\r\n";
  auto [ec, n] = co_await asio::async_write(socket, asio::buffer(head), asio::as_tuple(asio::use_awaitable));
  if (ec) co_return std::nullopt;

  // A token on the URL authenticates at once; a bad one is refused with 4001 (browsers do
  // not show an HTTP status of a failed upgrade, a close code they do).
  std::optional<auth::Claims> claims;
  std::string refusal;
  if (auto token = req.query_param("token")) {
    auto c = keys_.verify(*token, now_ms() / 1000, config_.auth.leeway_s);
    if (c) {
      claims = std::move(*c);
    } else {
      refusal = c.error().message();
    }
  }
  auto session = std::make_shared<Session>(*this, std::move(socket), auth::random_hex(8), now_ms());
  Loop& l = loop_of_this_thread();
  session->loop_slot = uint32_t(l.sessions.size());
  l.sessions.push_back(session.get());
  connections_.fetch_add(1);
  m().connections.add(1);
  session->start(std::move(claims));
  if (!refusal.empty()) session->close(ws::close_code::unauthenticated, refusal);
  co_return std::nullopt;
}

void Gateway::on_authenticated(Session& s) {
  Loop& l = loop_of_this_thread();
  auto& list = l.users[s.user()];
  s.user_slot = uint32_t(list.size());
  list.push_back(&s);
  size_t home = home_of(s.user());
  asio::post(loop(home).io, [this, home, user = s.user(), from = l.index] {
    auto& inbox = loop(home).inboxes.try_emplace(user, now_ms()).first->second;
    auto& counts = inbox.loop_connections();
    if (counts.size() <= from) counts.resize(from + 1, 0);
    ++counts[from];
  });
}

void Gateway::on_closed(Session& s) {
  Loop& l = loop_of_this_thread();
  remove_at(l.sessions, s.loop_slot, [](Session* moved, uint32_t slot) { moved->loop_slot = slot; });
  connections_.fetch_sub(1);
  m().connections.add(-1);
  for (auto& [room, slot] : s.rooms) {
    if (slot == Session::kPending) continue;  // the subscribe's answer sees the session finished
    auto it = l.rooms.find(room);
    if (it != l.rooms.end()) {
      const std::string& r = room;
      remove_at(it->second, slot, [&](Session* moved, uint32_t at) {
        for (auto& e : moved->rooms)
          if (e.first == r) e.second = at;
      });
      if (it->second.empty()) l.rooms.erase(it);
    }
    m().subscriptions.add(-1);
    size_t home = home_of(room);
    asio::post(loop(home).io, [this, home, room = room, from = l.index] {
      auto& chans = loop(home).channels;
      if (auto c = chans.find(room); c != chans.end()) c->second->channel.remove_subscriber(from);
    });
  }
  s.rooms.clear();
  if (s.authenticated()) {
    auto it = l.users.find(s.user());
    if (it != l.users.end()) {
      remove_at(it->second, s.user_slot, [](Session* moved, uint32_t slot) { moved->user_slot = slot; });
      if (it->second.empty()) l.users.erase(it);
    }
    size_t home = home_of(s.user());
    asio::post(loop(home).io, [this, home, user = s.user(), from = l.index] {
      auto& inboxes = loop(home).inboxes;
      if (auto it = inboxes.find(user); it != inboxes.end()) {
        auto& counts = it->second.loop_connections();
        if (from < counts.size() && counts[from] > 0) --counts[from];
      }
    });
  }
}

// ---- channels ---------------------------------------------------------------------------

RoomChannel& Gateway::channel(Loop& home, const std::string& room, bool& created) {
  auto [it, fresh] = home.channels.try_emplace(room);
  created = fresh;
  if (fresh) {
    it->second = std::make_unique<ChannelSlot>(room, config_.realtime, home.io);
    it->second->idle_since_ms = now_ms();
    // Ask the rooms service whether the room is open, and for its mutes and bans.
    Loop* hp = &home;
    asio::post(rooms_.executor(), [this, hp, room] {
      auto r = rooms_.service().restrictions(room, now_ms());
      asio::post(hp->io, [hp, room, r = std::move(r)]() mutable {
        auto it = hp->channels.find(room);
        if (it == hp->channels.end()) return;
        ChannelSlot& slot = *it->second;
        bool exists = r.has_value();
        if (exists) {
          for (auto& [user, until] : r->muted) slot.channel.set_muted(user, until);
          for (auto& [user, until] : r->banned) slot.channel.ban(user, until);
        }
        // Events may have made it ready already (the room exists then).
        if (slot.state == ChannelState::loading) slot.state = exists ? ChannelState::ready : ChannelState::missing;
        auto waiting = std::move(slot.waiting);
        for (auto& fn : waiting) fn(slot.state == ChannelState::ready);
      });
    });
  }
  return it->second->channel;
}

void Gateway::with_room_ready(Loop& home, const std::string& room, std::function<void(bool)> fn) {
  bool created = false;
  channel(home, room, created);
  ChannelSlot& slot = *home.channels[room];
  if (slot.state == ChannelState::loading) {
    slot.waiting.push_back(std::move(fn));
    return;
  }
  fn(slot.state == ChannelState::ready);
}

void Gateway::arm_batch(Loop& home, const std::string& room) {
  ChannelSlot& slot = *home.channels[room];
  if (slot.channel.pending() >= config_.realtime.batch_max) {
    if (slot.armed) {
      slot.timer.cancel();
      slot.armed = false;
    }
    flush_batch(home, room);
    return;
  }
  if (slot.armed) return;
  slot.armed = true;
  slot.timer.expires_after(std::chrono::milliseconds(config_.realtime.batch_ms));
  Loop* hp = &home;
  slot.timer.async_wait([this, hp, room](boost::system::error_code ec) {
    if (ec) return;
    auto it = hp->channels.find(room);
    if (it == hp->channels.end()) return;
    it->second->armed = false;
    flush_batch(*hp, room);
  });
}

void Gateway::flush_batch(Loop& home, const std::string& room) {
  auto it = home.channels.find(room);
  if (it == home.channels.end()) return;
  RoomChannel& ch = it->second->channel;
  OutFramePtr f = ch.close_batch();
  if (!f) return;
  m().batch_size.observe(double(f->count));
  const auto& per_loop = ch.loop_subscribers();
  for (size_t i = 0; i < per_loop.size(); ++i) {
    if (per_loop[i] == 0) continue;
    if (i == home.index) {
      deliver(home, room, f);
    } else {
      asio::post(loop(i).io, [this, i, room, f] { deliver(loop(i), room, f); });
    }
  }
}

void Gateway::deliver(Loop& l, const std::string& room, const OutFramePtr& f) {
  auto it = l.rooms.find(room);
  if (it == l.rooms.end()) return;
  // Per subscriber: a reference queued and a write started; no copy, no encode.
  for (Session* s : it->second) s->send(f);
  m().deliveries.inc(uint64_t(f->count) * it->second.size());
  if (f->closed_ns) m().latency.observe(double(steady_ns() - f->closed_ns) / 1e9);
}

void Gateway::deliver_user(Loop& l, const std::string& user, const OutFramePtr& f) {
  auto it = l.users.find(user);
  if (it == l.users.end()) return;
  for (Session* s : it->second) s->send(f);
  m().deliveries.inc(it->second.size());
}

// ---- client requests --------------------------------------------------------------------

namespace {
// Runs `fn(session)` on the session's loop if it is still there.
void reply(asio::io_context& io, std::weak_ptr<Session> weak, std::function<void(Session&)> fn) {
  asio::post(io, [weak = std::move(weak), fn = std::move(fn)] {
    if (auto s = weak.lock(); s && !s->finished()) fn(*s);
  });
}
}  // namespace

void Gateway::subscribe(Session& s, const std::string& room, std::optional<uint64_t> since, std::string id_json) {
  Loop& l = loop_of_this_thread();
  bool already = false;
  for (auto& e : s.rooms) already |= e.first == room;
  if (!already) s.rooms.emplace_back(room, Session::kPending);
  size_t home = home_of(room), from = l.index;
  std::weak_ptr<Session> weak = s.weak_from_this();
  std::string user = s.user();
  asio::post(loop(home).io, [=, this] {
    Loop& h = loop(home);
    with_room_ready(h, room, [=, this, &h](bool exists) {
      RoomChannel& ch = h.channels[room]->channel;
      auto refuse = [&](std::string code, std::string message) {
        reply(loop(from).io, weak, [=](Session& s) {
          if (!already) std::erase_if(s.rooms, [&](const auto& e) { return e.first == room; });
          s.send_text(error_json(id_json, code, message));
        });
      };
      if (!exists) return refuse("not_found", "room " + room + " is not open");
      if (ch.banned(user, now_ms())) return refuse("permission_denied", "kicked from room " + room + " for a while");
      if (!already) ch.add_subscriber(from);
      h.channels[room]->idle_since_ms = 0;
      std::vector<std::string> frames;
      frames.push_back(subscribed_json(room, ch.seq()));
      if (since) {
        auto missed = ch.since(*since);
        if (missed.gap) frames.push_back(gap_json(room, missed.gap->first, missed.gap->second));
        if (!missed.messages.empty()) frames.push_back(batch_json(room, missed.messages));
      }
      asio::post(loop(from).io, [=, this] {
        auto s = weak.lock();
        if (!s || s->finished()) {
          if (!already) {
            asio::post(loop(home).io, [this, home, room, from] {
              auto& chans = loop(home).channels;
              if (auto c = chans.find(room); c != chans.end()) c->second->channel.remove_subscriber(from);
            });
          }
          return;
        }
        if (!already) {
          Loop& sl = loop(from);
          auto& list = sl.rooms[room];
          for (auto& e : s->rooms)
            if (e.first == room) e.second = uint32_t(list.size());
          list.push_back(s.get());
          m().subscriptions.add(1);
        }
        for (const auto& f : frames) s->send_text(f);
        if (!id_json.empty()) s->send_text(ack_json(id_json, 0));
      });
    });
  });
}

void Gateway::unsubscribe(Session& s, const std::string& room, std::string id_json) {
  Loop& l = loop_of_this_thread();
  auto e = std::find_if(s.rooms.begin(), s.rooms.end(), [&](const auto& r) { return r.first == room; });
  if (e == s.rooms.end() || e->second == Session::kPending) {
    s.send_text(error_json(id_json, "not_found", "not subscribed to room " + room));
    return;
  }
  uint32_t slot = e->second;
  s.rooms.erase(e);
  if (auto it = l.rooms.find(room); it != l.rooms.end()) {
    remove_at(it->second, slot, [&](Session* moved, uint32_t at) {
      for (auto& r : moved->rooms)
        if (r.first == room) r.second = at;
    });
    if (it->second.empty()) l.rooms.erase(it);
  }
  m().subscriptions.add(-1);
  size_t home = home_of(room);
  asio::post(loop(home).io, [this, home, room, from = l.index] {
    auto& chans = loop(home).channels;
    if (auto c = chans.find(room); c != chans.end()) c->second->channel.remove_subscriber(from);
  });
  s.send_text(unsubscribed_json(room, "unsubscribed"));
  if (!id_json.empty()) s.send_text(ack_json(id_json, 0));
}

void Gateway::publish(Session& s, const std::string& room, std::string type, std::string rest, std::string id_json) {
  Loop& l = loop_of_this_thread();
  size_t home = home_of(room), from = l.index;
  std::weak_ptr<Session> weak = s.weak_from_this();
  std::string user = s.user();
  asio::post(loop(home).io, [=, this, type = std::move(type), rest = std::move(rest)] {
    Loop& h = loop(home);
    with_room_ready(h, room, [=, this, &h](bool exists) {
      auto answer = [&](std::string text) {
        reply(loop(from).io, weak, [text = std::move(text)](Session& s) { s.send_text(text); });
      };
      if (!exists) return answer(error_json(id_json, "not_found", "room " + room + " is not open"));
      RoomChannel& ch = h.channels[room]->channel;
      int64_t now = now_ms();
      switch (ch.admit(user, type == "chat" || type == "danmaku", now)) {
        case RoomChannel::Admit::muted:
          m().refused.inc();
          return answer(error_json(id_json, "muted", "you are muted in room " + room));
        case RoomChannel::Admit::banned:
          m().refused.inc();
          return answer(error_json(id_json, "permission_denied", "kicked from room " + room + " for a while"));
        case RoomChannel::Admit::rate_limited:
          m().refused.inc();
          return answer(error_json(id_json, "rate_limited", "too many messages in room " + room + "; slow down"));
        case RoomChannel::Admit::sampled:
          // A big room: the sender is answered, the room does not see it.
          m().sampled.inc();
          if (!id_json.empty()) answer(ack_json(id_json, 0));
          return;
        case RoomChannel::Admit::ok:
          break;
      }
      uint64_t seq = ch.append(type, now, rest, steady_ns());
      arm_batch(h, room);
      if (!id_json.empty()) answer(ack_json(id_json, seq));
    });
  });
}

void Gateway::like(Session& s, const std::string& room, int64_t count, std::string id_json) {
  size_t from = loop_of_this_thread().index;
  rooms::Actor actor{s.user(), s.claims().name, s.claims().grants};
  std::weak_ptr<Session> weak = s.weak_from_this();
  asio::post(rooms_.executor(), [=, this] {
    auto total = rooms_.service().like(actor, room, count, now_ms());
    std::string text = total ? (id_json.empty() ? std::string() : ack_json(id_json, 0))
                             : error_json(id_json, std::string(to_string(total.error().code())), total.error().message());
    if (!text.empty()) reply(loop(from).io, weak, [text = std::move(text)](Session& s) { s.send_text(text); });
  });
}

void Gateway::signal(Session& s, const std::string& to, std::string data_json, std::string id_json) {
  Loop& l = loop_of_this_thread();
  size_t home = home_of(to), from = l.index;
  std::weak_ptr<Session> weak = s.weak_from_this();
  std::string rest = R"(,"from":)";
  append_json_string(rest, s.user());
  rest += R"(,"data":)" + data_json + "}";
  asio::post(loop(home).io, [=, this] {
    Loop& h = loop(home);
    auto& inbox = h.inboxes.try_emplace(to, now_ms()).first->second;
    const std::string& msg = inbox.add("signal", now_ms(), rest);
    uint64_t seq = inbox.seq();
    inbox.prune(now_ms(), int64_t(config_.realtime.inbox_ttl_s) * 1000, config_.realtime.inbox_max);
    OutFramePtr f = make_control_frame(ws::encode(ws::Opcode::text, msg));
    const auto& counts = inbox.loop_connections();
    for (size_t i = 0; i < counts.size(); ++i) {
      if (counts[i] == 0) continue;
      asio::post(loop(i).io, [this, i, to, f] { deliver_user(loop(i), to, f); });
    }
    if (!id_json.empty())
      reply(loop(from).io, weak, [text = ack_json(id_json, seq)](Session& s) { s.send_text(text); });
  });
}

void Gateway::sync(Session& s, uint64_t since, std::string id_json) {
  Loop& l = loop_of_this_thread();
  size_t home = home_of(s.user()), from = l.index;
  std::weak_ptr<Session> weak = s.weak_from_this();
  asio::post(loop(home).io, [=, this, user = s.user()] {
    auto& inboxes = loop(home).inboxes;
    std::vector<std::string> kept;
    uint64_t seq = 0;
    if (auto it = inboxes.find(user); it != inboxes.end()) {
      it->second.prune(now_ms(), int64_t(config_.realtime.inbox_ttl_s) * 1000, config_.realtime.inbox_max);
      kept = it->second.since(since);
      seq = it->second.seq();
    }
    reply(loop(from).io, weak, [kept = std::move(kept), seq, id_json](Session& s) {
      for (const auto& k : kept) s.send_text(k);
      std::string done = R"({"type":"synced","seq":)" + std::to_string(seq);
      if (!id_json.empty()) done += R"(,"id":)" + id_json;
      s.send_text(done + "}");
    });
  });
}

// ---- room events from the bus -----------------------------------------------------------

void Gateway::on_event(const bus::EventPtr& e) {
  // On the rooms strand: hand the event to the home loop of each room it concerns.
  if (message_type(e->type).empty() || stopping_) return;
  for (const std::string* room : {&e->room, &e->peer_room}) {
    if (room->empty()) continue;
    size_t home = home_of(*room);
    asio::post(loop(home).io, [this, home, room = *room, e] {
      (void)home;
      event_on_home(room, e);
    });
  }
}

void Gateway::event_on_home(const std::string& room, const bus::EventPtr& e) {
  Loop& h = loop_of_this_thread();
  bool created = false;
  RoomChannel& ch = channel(h, room, created);
  ChannelSlot& slot = *h.channels[room];
  int64_t now = now_ms();
  using T = bus::EventType;
  if (e->type == T::member_muted || e->type == T::member_left) {
    boost::system::error_code ec;
    json::value v = json::parse(e->data, ec);
    if (!ec && v.is_object()) {
      const json::object& o = v.get_object();
      auto str = [&](const char* k) {
        auto it = o.find(k);
        return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
      };
      std::string user = str("user");
      if (e->type == T::member_muted) {
        auto it = o.find("muted_until");
        if (it != o.end() && it->value().is_int64()) ch.set_muted(user, it->value().get_int64());
      } else if (str("reason") == "kicked") {
        ch.ban(user, now + int64_t(config_.rooms.kick_ban_s) * 1000);
        kick_room_user(room, user, "kicked");
      }
    }
  }
  // Big rooms hear presence as online counts (the sweep sends them), not one event each.
  if ((e->type == T::member_joined || e->type == T::member_left) && ch.big()) return;
  ch.append_event(message_type(e->type), e->at_ms ? e->at_ms : now, e->data, steady_ns());
  if (e->type == T::room_closed) {
    flush_batch(h, room);
    kick_room_user(room, "", "room_closed");
    slot.state = ChannelState::missing;
    return;
  }
  arm_batch(h, room);
}

// Takes `user` (everyone when empty) out of `room` on every loop, telling them why.
void Gateway::kick_room_user(const std::string& room, const std::string& user, const std::string& reason) {
  size_t home = home_of(room);
  for (auto& lp : loops_state_) {
    Loop* l = lp.get();
    asio::post(l->io, [this, l, room, user, reason, home] {
      auto it = l->rooms.find(room);
      if (it == l->rooms.end()) return;
      std::vector<Session*> out;
      for (Session* s : it->second)
        if (user.empty() || s->user() == user) out.push_back(s);
      for (Session* s : out) {
        auto e = std::find_if(s->rooms.begin(), s->rooms.end(), [&](const auto& r) { return r.first == room; });
        if (e == s->rooms.end()) continue;
        uint32_t slot = e->second;
        s->rooms.erase(e);
        remove_at(it->second, slot, [&](Session* moved, uint32_t at) {
          for (auto& r : moved->rooms)
            if (r.first == room) r.second = at;
        });
        m().subscriptions.add(-1);
        s->send_text(unsubscribed_json(room, reason));
        asio::post(loop(home).io, [this, home, room, from = l->index] {
          auto& chans = loop(home).channels;
          if (auto c = chans.find(room); c != chans.end()) c->second->channel.remove_subscriber(from);
        });
      }
      if (it->second.empty()) l->rooms.erase(it);
    });
  }
}

// ---- server messages --------------------------------------------------------------------

asio::awaitable<Result<uint64_t>> Gateway::room_message(std::string room, std::string type, std::string body) {
  auto exists = co_await rooms_.call([&room](rooms::RoomService& s) { return s.room(room).has_value(); });
  if (!exists) co_return std::unexpected(Error{ErrorCode::not_found, "room " + room + " is not open"});
  // The frame outlives the call (it waits for it), so the lambda takes references: copies
  // of coroutine parameters in a lambda's captures trip g++ 12.
  Loop& h = loop(home_of(room));
  std::string rest = R"(,"from":{"id":"system","name":"system"},"body":)" + body + "}";
  uint64_t seq = co_await run_on(h.io.get_executor(), [&] {
    bool created = false;
    RoomChannel& ch = channel(h, room, created);
    uint64_t seq = ch.append(type, now_ms(), rest, steady_ns());
    arm_batch(h, room);
    return seq;
  });
  co_return seq;
}

uint64_t Gateway::push_users(const std::vector<std::string>& users, const std::string& type, const std::string& body) {
  std::string rest = R"(,"from":"system","body":)" + body + "}";
  for (const auto& user : users) {
    size_t home = home_of(user);
    asio::post(loop(home).io, [this, home, user, type, rest] {
      auto& inbox = loop(home).inboxes.try_emplace(user, now_ms()).first->second;
      const std::string& msg = inbox.add(type, now_ms(), rest);
      inbox.prune(now_ms(), int64_t(config_.realtime.inbox_ttl_s) * 1000, config_.realtime.inbox_max);
      OutFramePtr f = make_control_frame(ws::encode(ws::Opcode::text, msg));
      const auto& counts = inbox.loop_connections();
      for (size_t i = 0; i < counts.size(); ++i) {
        if (counts[i] == 0) continue;
        asio::post(loop(i).io, [this, i, user, f] { deliver_user(loop(i), user, f); });
      }
    });
  }
  return uint64_t(users.size());
}

void Gateway::push_all(const std::string& type, const std::string& body) {
  std::string msg = R"({"type":)";
  append_json_string(msg, type);
  msg += R"(,"ts":)" + std::to_string(now_ms()) + R"(,"from":"system","body":)" + body + "}";
  OutFramePtr f = make_control_frame(ws::encode(ws::Opcode::text, msg));
  for (auto& lp : loops_state_) {
    Loop* l = lp.get();
    asio::post(l->io, [l, f] {
      for (Session* s : l->sessions)
        if (s->authenticated()) s->send(f);
      m().deliveries.inc(l->sessions.size());
    });
  }
}

// ---- the sweep --------------------------------------------------------------------------

void Gateway::schedule_sweep(Loop& l) {
  if (l.stopped) return;
  l.sweep_timer.expires_after(std::chrono::milliseconds(250));
  l.sweep_timer.async_wait([this, &l](boost::system::error_code ec) {
    if (ec || l.stopped) return;
    sweep(l);
    schedule_sweep(l);
  });
}

void Gateway::sweep(Loop& l) {
  int64_t now = now_ms();
  // Backwards: a session that finishes is swapped out with one already seen.
  for (size_t i = l.sessions.size(); i-- > 0;) {
    if (i < l.sessions.size()) l.sessions[i]->sweep(now);
  }
  // Channels homed here: online counts of big rooms, pruning, forgetting idle channels.
  for (auto it = l.channels.begin(); it != l.channels.end();) {
    ChannelSlot& slot = *it->second;
    RoomChannel& ch = slot.channel;
    if (ch.big() && ch.subscribers() != slot.online_sent && now - slot.online_sent_ms >= 1000) {
      slot.online_sent = ch.subscribers();
      slot.online_sent_ms = now;
      ch.append("online", now, R"(,"count":)" + std::to_string(ch.subscribers()) + "}", steady_ns());
      arm_batch(l, it->first);
    }
    if (now % 10000 < 250) ch.prune(now);
    bool idle = ch.subscribers() == 0 && ch.pending() == 0 && slot.waiting.empty();
    if (!idle) {
      slot.idle_since_ms = 0;
    } else if (slot.idle_since_ms == 0) {
      slot.idle_since_ms = now;
    }
    // A missing room is forgotten soon; a quiet one keeps its history for reconnects a while.
    int64_t keep_ms = slot.state == ChannelState::missing ? 10'000 : 600'000;
    if (idle && !slot.armed && now - slot.idle_since_ms > keep_ms) {
      it = l.channels.erase(it);
    } else {
      ++it;
    }
  }
  if (now % 10000 < 250) {
    int64_t ttl = int64_t(config_.realtime.inbox_ttl_s) * 1000;
    for (auto it = l.inboxes.begin(); it != l.inboxes.end();) {
      it->second.prune(now, ttl, config_.realtime.inbox_max);
      if (it->second.empty() && !it->second.online()) {
        it = l.inboxes.erase(it);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace onair::realtime
