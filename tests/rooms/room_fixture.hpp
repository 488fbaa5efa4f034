#pragma once
// Shared fixture of the RoomService unit tests: a real SqliteStore in a fresh temporary
// directory, a Bus whose events are recorded, and a RoomService driven by explicit times.
// Time is a number here: every call gets `now` and tick(now) runs the timers, so nothing
// sleeps. Included by the tests/rooms/*_test.cpp files only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include "auth/token.hpp"
#include "bus/bus.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "rooms/model.hpp"
#include "rooms/room_service.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace onair::rooms::test {

// A fixed start time (2023-11-14T22:13:20Z); every test counts from here.
constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kSecond = 1000;

// A user with an ordinary token: all rooms, may publish.
inline Actor user(const std::string& id) {
  Actor a;
  a.user = id;
  a.name = id + " name";
  return a;
}

// A user whose token has the audience role's default grants (publish = false).
inline Actor audience_token(const std::string& id) {
  Actor a = user(id);
  a.grants = auth::grants_for_role("audience");
  return a;
}

// A user whose token grants one room only.
inline Actor bound_to(const std::string& id, const std::string& room) {
  Actor a = user(id);
  a.grants.room = room;
  return a;
}

inline Actor admin(const std::string& id) {
  Actor a = user(id);
  a.grants.admin = true;
  return a;
}

// Unwraps a Result, recording a test failure (with the caller's line) if it is an error.
template <class T>
T ok(Result<T> r, std::source_location at = std::source_location::current()) {
  if (!r) {
    ADD_FAILURE_AT(at.file_name(), static_cast<int>(at.line()))
        << "unexpected error " << to_string(r.error().code()) << ": " << r.error().message();
    return T{};
  }
  return std::move(*r);
}

inline void ok(Result<void> r, std::source_location at = std::source_location::current()) {
  if (!r)
    ADD_FAILURE_AT(at.file_name(), static_cast<int>(at.line()))
        << "unexpected error " << to_string(r.error().code()) << ": " << r.error().message();
}

// EXPECT_TRUE(fails_with(svc().join(...), ErrorCode::gone));
template <class T>
::testing::AssertionResult fails_with(const Result<T>& r, ErrorCode code) {
  if (r) return ::testing::AssertionFailure() << "succeeded; expected " << to_string(code);
  if (r.error().code() != code)
    return ::testing::AssertionFailure()
           << "failed with " << to_string(r.error().code()) << " (" << r.error().message()
           << "); expected " << to_string(code);
  return ::testing::AssertionSuccess();
}

inline boost::json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << text;
    return {};
  }
  return v.as_object();
}

inline int64_t json_int(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) {
    ADD_FAILURE() << key << " is missing or not an integer in " << boost::json::serialize(o);
    return 0;
  }
  return v->as_int64();
}

inline std::string json_str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    ADD_FAILURE() << key << " is missing or not a string in " << boost::json::serialize(o);
    return {};
  }
  return std::string(v->as_string());
}

class RoomServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("onair-rooms-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" +
            info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = store::open_sqlite((dir_ / "rooms.db").string(), "normal");
    ASSERT_TRUE(s) << s.error().message();
    store_ = std::move(*s);
    cfg_.gifts.catalog = {{1, "rose", 1, ""}, {2, "rocket", 50, ""}};
    sub_ = bus_.subscribe([this](const bus::EventPtr& e) { events_.push_back(e); });
    start_service();
  }

  void TearDown() override {
    svc_.reset();
    bus_.unsubscribe(sub_);
    if (store_) store_->close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // (Re)builds the service over the same store, config and bus. Tests that change cfg_ in a
  // way the constructor reads (webhooks) call this afterwards.
  void start_service() { svc_ = std::make_unique<RoomService>(cfg_, *store_, bus_, ids_); }

  RoomService& svc() { return *svc_; }

  std::string create(const Actor& owner, const std::string& kind, int64_t now = kT0,
                     std::optional<int64_t> max_members = std::nullopt,
                     std::optional<int64_t> max_seats = std::nullopt,
                     std::source_location at = std::source_location::current()) {
    CreateRoom req;
    req.kind = kind;
    req.title = kind + " room";
    req.max_members = max_members;
    req.max_seats = max_seats;
    return ok(svc().create_room(owner, req, now), at).rec.id;
  }

  // A live room whose anchor has joined.
  std::string live_room(const Actor& anchor, int64_t now = kT0, int64_t max_seats = 4,
                        std::source_location at = std::source_location::current()) {
    std::string id = create(anchor, "live", now, std::nullopt, max_seats, at);
    join(anchor, id, now, at);
    return id;
  }

  MemberView join(const Actor& a, const std::string& room, int64_t now = kT0,
                  std::source_location at = std::source_location::current()) {
    return ok(svc().join(a, room, now), at).member;
  }

  // Seats `a` in live room `room` through a request the anchor accepts.
  Seat seat_by_request(const Actor& anchor, const Actor& a, const std::string& room,
                       int64_t now = kT0,
                       std::source_location at = std::source_location::current()) {
    ok(svc().request_seat(a, room, now), at);
    auto s = ok(svc().answer_request(anchor, room, a.user, true, now), at);
    if (!s) {
      ADD_FAILURE_AT(at.file_name(), static_cast<int>(at.line())) << "accepting gave no seat";
      return {};
    }
    return *s;
  }

  // Heartbeats for each of `who` in `room`.
  void beat(int64_t now, const std::string& room, std::initializer_list<Actor> who,
            std::source_location at = std::source_location::current()) {
    for (const Actor& a : who) ok(svc().heartbeat(a, room, now), at);
  }

  std::string role_of(const std::string& room, const std::string& user,
                      std::source_location at = std::source_location::current()) {
    return ok(svc().member(room, user), at).role;
  }

  std::vector<Seat> seats(const std::string& room,
                          std::source_location at = std::source_location::current()) {
    return ok(svc().seats(room), at);
  }

  RoomView room(const std::string& id,
                std::source_location at = std::source_location::current()) {
    return ok(svc().room(id), at);
  }

  std::vector<store::GiftRecord> stored_gifts(const std::string& room) {
    auto g = store_->gifts(room, "", 100);
    EXPECT_TRUE(g) << g.error().message();
    return g ? *g : std::vector<store::GiftRecord>{};
  }

  // ---- recorded bus events ----

  void clear_events() { events_.clear(); }

  std::vector<std::string> event_types() const {
    std::vector<std::string> out;
    for (const auto& e : events_) out.emplace_back(bus::to_string(e->type));
    return out;
  }

  std::vector<bus::EventPtr> events_of(bus::EventType t) const {
    std::vector<bus::EventPtr> out;
    for (const auto& e : events_)
      if (e->type == t) out.push_back(e);
    return out;
  }

  // The data of the only event of type `t` (a failure if there is not exactly one).
  boost::json::object only_event(bus::EventType t,
                                 std::source_location at = std::source_location::current()) {
    auto es = events_of(t);
    if (es.size() != 1) {
      ADD_FAILURE_AT(at.file_name(), static_cast<int>(at.line()))
          << "expected one " << bus::to_string(t) << " event, got " << es.size();
      return {};
    }
    return parse_object(es.front()->data);
  }

  std::filesystem::path dir_;
  Config cfg_;
  std::unique_ptr<store::Store> store_;
  bus::Bus bus_;
  Snowflake ids_{1};
  std::unique_ptr<RoomService> svc_;
  uint64_t sub_ = 0;
  std::vector<bus::EventPtr> events_;
};

}  // namespace onair::rooms::test
