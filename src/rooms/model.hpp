#pragma once
// The room model as the rooms service holds it in memory, and the read-only views it hands
// out. Only RoomService mutates a Room; everything else sees copies (RoomView).
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auth/token.hpp"
#include "store/records.hpp"

namespace onair::rooms {

// Who is calling: the verified claims of a token.
struct Actor {
  std::string user;
  std::string name;
  auth::Grants grants;
  bool admin() const { return grants.admin; }
};

struct Member {
  std::string user;
  std::string name;
  std::string role;  // anchor | cohost | audience | member
  int64_t joined_at = 0;
  int64_t muted_until = 0;
  // When last heard from: an entry of the service's Presence, updated by heartbeats on any
  // loop; in memory only (heartbeats are not written to the store).
  std::atomic<int64_t>* seen = nullptr;
};

using Seat = store::SeatRecord;
using Offer = store::OfferRecord;
using Pk = store::PkRecord;
using Gift = store::GiftRecord;

// Orders decimal ids numerically (snowflakes as strings).
struct IdLess {
  bool operator()(const std::string& a, const std::string& b) const {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  }
};

struct Room {
  store::RoomRecord rec;
  std::map<std::string, Member> members;  // by user id
  std::map<int64_t, Seat> seats;          // by index
  std::map<std::string, Offer> offers;    // by user
  std::map<std::string, int64_t> bans;    // user -> until
  int64_t empty_since = 0;                // when the last member left (or creation)
  int64_t owner_gone_since = 0;           // live rooms: when the anchor left
  int64_t likes_reported = 0;             // likes total last announced
  bool joined_once = false;               // someone has joined since creation (or restart)
};

// A PK as a room sees it: the PK and the room on the other side.
struct PkView {
  Pk pk;
  std::string peer_room;
  std::string peer_anchor;
};

// A consistent copy of a room for rendering.
struct RoomView {
  store::RoomRecord rec;
  int64_t online = 0;
  std::vector<Seat> seats;
  std::optional<PkView> pk;
};

struct MemberView {
  std::string user;
  std::string name;
  std::string role;
  int64_t joined_at = 0;
  int64_t muted_until = 0;
};

struct CreateRoom {
  std::string kind;
  std::string title;
  std::optional<int64_t> max_members;
  std::optional<int64_t> max_seats;
  std::string metadata = "{}";  // JSON object text, already validated
};

struct UpdateRoom {
  std::optional<std::string> title;
  std::optional<int64_t> max_members;
  std::optional<int64_t> max_seats;
  std::optional<std::string> metadata;
};

struct JoinResult {
  RoomView room;
  MemberView member;
};

struct MemberPage {
  std::vector<MemberView> members;
  std::string next_cursor;
};

struct RoomPage {
  std::vector<RoomView> rooms;
  std::string next_cursor;
};

struct SendGift {
  int64_t gift_id = 0;
  int64_t amount = 1;
  std::string to;  // "" means the room owner
  std::string biz_id;
};

// The first half of sending a gift: either the answer is already known (a repeated biz_id),
// or the gift is priced and must be paid for before complete_gift().
struct GiftPlan {
  std::optional<Gift> done;
  Gift pending;
  std::string anchor;  // the room owner, for the payment request
};

// The stream name of a seat: "<room>-<user>". Room ids are digits, so the first '-' splits.
std::string stream_name(const std::string& room_id, const std::string& user);
bool parse_stream_name(const std::string& stream, std::string& room_id, std::string& user);

}  // namespace onair::rooms
