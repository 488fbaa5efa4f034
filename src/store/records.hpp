#pragma once
// The rows onair keeps. Plain values shared by the Store backends and the rooms service;
// times are Unix milliseconds.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace onair::store {

struct RoomRecord {
  std::string id;
  std::string kind;    // live | call | meeting
  std::string title;
  std::string status;  // idle | live | closed
  std::string owner;
  int64_t created_at = 0;
  int64_t closed_at = 0;
  int64_t max_members = 0;
  int64_t max_seats = 0;
  std::string metadata = "{}";  // a JSON object, kept as text
  int64_t likes = 0;
  std::string pk_id;
};

struct MemberRecord {
  std::string room_id;
  std::string user;
  std::string name;
  std::string role;  // anchor | cohost | audience | member
  int64_t joined_at = 0;
  int64_t muted_until = 0;
};

struct SeatRecord {
  std::string room_id;
  int64_t index = 0;
  std::string user;
  bool live = false;
  bool audio_muted = false;
  bool video_muted = false;
};

// A pending seat request (an audience member asked) or invitation (the anchor asked).
struct OfferRecord {
  std::string room_id;
  std::string user;
  std::string kind;  // request | invitation
  int64_t expires_at = 0;
};

struct BanRecord {
  std::string room_id;
  std::string user;
  int64_t until = 0;
};

struct PkRecord {
  std::string id;
  std::string room_a;  // the inviting room
  std::string room_b;
  std::string status;  // inviting | active | ended
  int64_t score_a = 0;
  int64_t score_b = 0;
  int64_t created_at = 0;
  int64_t expires_at = 0;  // invitation deadline
  int64_t started_at = 0;
  int64_t ends_at = 0;
  std::string winner;  // room id, "" for none or a draw
  std::string end_reason;
};

struct GiftRecord {
  std::string id;
  std::string biz_id;
  std::string room_id;
  std::string from_user;
  std::string from_name;
  std::string to_user;
  int64_t gift_id = 0;
  int64_t amount = 0;
  int64_t value = 0;  // price x amount
  int64_t created_at = 0;
  std::string pk_id;
};

struct RankRow {
  std::string user;
  std::string name;
  int64_t value = 0;
};

struct WebhookJob {
  int64_t id = 0;  // assigned by the store
  std::string url;
  std::string body;  // the exact bytes that are signed and sent
  int64_t attempts = 0;
  int64_t next_at = 0;
  int64_t created_at = 0;
};

struct UserRecord {
  std::string id;
  std::string phone;
  std::string name;
  int64_t created_at = 0;
};

// One write of a Batch. Upserts replace the whole row.
struct DeleteMember {
  std::string room_id, user;
};
struct DeleteSeat {
  std::string room_id;
  int64_t index;
};
struct DeleteOffer {
  std::string room_id, user;
};
using Write = std::variant<RoomRecord, MemberRecord, DeleteMember, SeatRecord, DeleteSeat,
                           OfferRecord, DeleteOffer, BanRecord, PkRecord, GiftRecord, WebhookJob>;

// Writes that commit together or not at all.
struct Batch {
  std::vector<Write> writes;
  bool empty() const { return writes.empty(); }
};

// What a restart brings back: every room not closed, with its people, and PKs not ended.
struct Snapshot {
  std::vector<RoomRecord> rooms;
  std::vector<MemberRecord> members;
  std::vector<SeatRecord> seats;
  std::vector<OfferRecord> offers;
  std::vector<BanRecord> bans;
  std::vector<PkRecord> pks;
};

}  // namespace onair::store
