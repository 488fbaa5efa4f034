#include "store/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "core/log.hpp"

namespace onair::store {
namespace {

// Schema versions, applied in order; never edit one that has shipped, add the next.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE rooms (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, status TEXT NOT NULL,
  owner TEXT NOT NULL, created_at INTEGER NOT NULL, closed_at INTEGER NOT NULL DEFAULT 0,
  max_members INTEGER NOT NULL, max_seats INTEGER NOT NULL, metadata TEXT NOT NULL,
  likes INTEGER NOT NULL DEFAULT 0, pk_id TEXT NOT NULL DEFAULT '');
CREATE INDEX rooms_status ON rooms(status, id);
CREATE TABLE members (
  room_id TEXT NOT NULL, user TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
  joined_at INTEGER NOT NULL, muted_until INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (room_id, user));
CREATE TABLE seats (
  room_id TEXT NOT NULL, idx INTEGER NOT NULL, user TEXT NOT NULL, live INTEGER NOT NULL,
  audio_muted INTEGER NOT NULL, video_muted INTEGER NOT NULL, PRIMARY KEY (room_id, idx));
CREATE TABLE offers (
  room_id TEXT NOT NULL, user TEXT NOT NULL, kind TEXT NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (room_id, user));
CREATE TABLE bans (
  room_id TEXT NOT NULL, user TEXT NOT NULL, until INTEGER NOT NULL, PRIMARY KEY (room_id, user));
CREATE TABLE pks (
  id TEXT PRIMARY KEY, room_a TEXT NOT NULL, room_b TEXT NOT NULL, status TEXT NOT NULL,
  score_a INTEGER NOT NULL, score_b INTEGER NOT NULL, created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, started_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,
  winner TEXT NOT NULL, end_reason TEXT NOT NULL);
CREATE INDEX pks_status ON pks(status);
CREATE TABLE gifts (
  id TEXT PRIMARY KEY, biz_id TEXT NOT NULL UNIQUE, room_id TEXT NOT NULL,
  from_user TEXT NOT NULL, from_name TEXT NOT NULL, to_user TEXT NOT NULL,
  gift_id INTEGER NOT NULL, amount INTEGER NOT NULL, value INTEGER NOT NULL,
  created_at INTEGER NOT NULL, pk_id TEXT NOT NULL);
CREATE INDEX gifts_room ON gifts(room_id, id);
CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL, body TEXT NOT NULL,
  attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX webhooks_due ON webhooks(next_at);
CREATE TABLE users (
  id TEXT PRIMARY KEY, phone TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  created_at INTEGER NOT NULL);
)sql",
};

// One SQLite connection with its statement cache. Not thread-safe: guarded by its owner.
class Connection {
 public:
  ~Connection() {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
    if (db_) sqlite3_close(db_);
  }

  Result<void> open(const std::string& path, const std::string& sync) {
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK)
      return error("opening " + path);
    sqlite3_busy_timeout(db_, 5000);
    for (const std::string& pragma : {std::string("PRAGMA journal_mode=WAL"),
                                      std::string("PRAGMA synchronous=") + sync}) {
      if (auto r = exec(pragma); !r) return r;
    }
    return {};
  }

  Result<void> exec(const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : "unknown";
      sqlite3_free(msg);
      return fail(ErrorCode::internal, "sqlite: " + m);
    }
    return {};
  }

  // A cached prepared statement, reset and unbound.
  Result<sqlite3_stmt*> prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
      sqlite3_reset(it->second);
      sqlite3_clear_bindings(it->second);
      return it->second;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
      return std::unexpected(error("preparing statement").error());
    cache_.emplace(sql, st);
    return st;
  }

  std::unexpected<Error> error(const std::string& what) const {
    return fail(ErrorCode::internal,
                "sqlite: " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
  }

  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// Binds positional values: bind_values(st, "a", int64_t{2}, true). (Not "bind": ADL would
// pick std::bind for a std::string argument.)
void bind_one(sqlite3_stmt* st, int i, const std::string& v) {
  sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
void bind_one(sqlite3_stmt* st, int i, int64_t v) { sqlite3_bind_int64(st, i, v); }
void bind_one(sqlite3_stmt* st, int i, int v) { sqlite3_bind_int64(st, i, v); }
void bind_one(sqlite3_stmt* st, int i, bool v) { sqlite3_bind_int(st, i, v ? 1 : 0); }

template <class... Args>
void bind_values(sqlite3_stmt* st, const Args&... args) {
  int i = 0;
  (bind_one(st, ++i, args), ...);
}

std::string text(sqlite3_stmt* st, int col) {
  auto p = sqlite3_column_text(st, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(st, col)) : "";
}
int64_t integer(sqlite3_stmt* st, int col) { return sqlite3_column_int64(st, col); }

Result<void> step_done(Connection& c, sqlite3_stmt* st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return c.error("writing");
  return {};
}

// Runs `st` and calls `row(st)` for each row.
template <class F>
Result<void> each_row(Connection& c, sqlite3_stmt* st, F&& row) {
  while (true) {
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      row(st);
      continue;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) return {};
    return c.error("reading");
  }
}

RoomRecord read_room(sqlite3_stmt* st) {
  return RoomRecord{text(st, 0),     text(st, 1),    text(st, 2),     text(st, 3),
                    text(st, 4),     integer(st, 5), integer(st, 6),  integer(st, 7),
                    integer(st, 8),  text(st, 9),    integer(st, 10), text(st, 11)};
}
GiftRecord read_gift(sqlite3_stmt* st) {
  return GiftRecord{text(st, 0),    text(st, 1),    text(st, 2),    text(st, 3),
                    text(st, 4),    text(st, 5),    integer(st, 6), integer(st, 7),
                    integer(st, 8), integer(st, 9), text(st, 10)};
}

class SqliteStore final : public Store {
 public:
  Result<void> open(const std::string& path, const std::string& sync) {
    if (auto r = writer_.open(path, sync); !r) return r;
    if (auto r = migrate(); !r) return r;
    return reader_.open(path, sync);
  }

  Result<void> commit(const Batch& batch) override {
    if (batch.empty()) return {};
    std::lock_guard lock(write_mu_);
    if (closed_) return fail(ErrorCode::unavailable, "store closed");
    if (auto r = writer_.exec("BEGIN IMMEDIATE"); !r) return r;
    for (const auto& w : batch.writes) {
      auto r = std::visit([this](const auto& row) { return apply(row); }, w);
      if (!r) {
        (void)writer_.exec("ROLLBACK");
        return std::unexpected(std::move(r.error()).with_context("committing"));
      }
    }
    if (auto r = writer_.exec("COMMIT"); !r) {
      (void)writer_.exec("ROLLBACK");
      return r;
    }
    return {};
  }

  Result<Snapshot> load() override {
    std::lock_guard lock(read_mu_);
    Snapshot s;
    auto st = reader_.prepare(
        "SELECT id, kind, title, status, owner, created_at, closed_at, max_members, max_seats, "
        "metadata, likes, pk_id FROM rooms WHERE status != 'closed'");
    if (!st) return std::unexpected(st.error());
    if (auto r = each_row(reader_, *st, [&](sqlite3_stmt* q) { s.rooms.push_back(read_room(q)); }); !r)
      return std::unexpected(r.error());
    st = reader_.prepare(
        "SELECT m.room_id, m.user, m.name, m.role, m.joined_at, m.muted_until FROM members m "
        "JOIN rooms r ON r.id = m.room_id WHERE r.status != 'closed'");
    if (!st) return std::unexpected(st.error());
    if (auto r = each_row(reader_, *st, [&](sqlite3_stmt* q) {
          s.members.push_back({text(q, 0), text(q, 1), text(q, 2), text(q, 3), integer(q, 4),
                               integer(q, 5)});
        });
        !r)
      return std::unexpected(r.error());
    st = reader_.prepare(
        "SELECT s.room_id, s.idx, s.user, s.live, s.audio_muted, s.video_muted FROM seats s "
        "JOIN rooms r ON r.id = s.room_id WHERE r.status != 'closed'");
    if (!st) return std::unexpected(st.error());
    if (auto r = each_row(reader_, *st, [&](sqlite3_stmt* q) {
          s.seats.push_back({text(q, 0), integer(q, 1), text(q, 2), integer(q, 3) != 0,
                             integer(q, 4) != 0, integer(q, 5) != 0});
        });
        !r)
      return std::unexpected(r.error());
    st = reader_.prepare(
        "SELECT o.room_id, o.user, o.kind, o.expires_at FROM offers o "
        "JOIN rooms r ON r.id = o.room_id WHERE r.status != 'closed'");
    if (!st) return std::unexpected(st.error());
    if (auto r = each_row(reader_, *st, [&](sqlite3_stmt* q) {
          s.offers.push_back({text(q, 0), text(q, 1), text(q, 2), integer(q, 3)});
        });
        !r)
      return std::unexpected(r.error());
    st = reader_.prepare(
        "SELECT b.room_id, b.user, b.until FROM bans b "
        "JOIN rooms r ON r.id = b.room_id WHERE r.status != 'closed'");
    if (!st) return std::unexpected(st.error());
    if (auto r = each_row(reader_, *st, [&](sqlite3_stmt* q) {
          s.bans.push_back({text(q, 0), text(q, 1), integer(q, 2)});
        });
        !r)
      return std::unexpected(r.error());
    st = reader_.prepare(
        "SELECT id, room_a, room_b, status, score_a, score_b, created_at, expires_at, "
        "started_at, ends_at, winner, end_reason FROM pks WHERE status != 'ended'");
    if (!st) return std::unexpected(st.error());
    if (auto r = each_row(reader_, *st, [&](sqlite3_stmt* q) {
          s.pks.push_back({text(q, 0), text(q, 1), text(q, 2), text(q, 3), integer(q, 4),
                           integer(q, 5), integer(q, 6), integer(q, 7), integer(q, 8),
                           integer(q, 9), text(q, 10), text(q, 11)});
        });
        !r)
      return std::unexpected(r.error());
    return s;
  }

  Result<std::optional<GiftRecord>> gift_by_biz_id(const std::string& biz_id) override {
    std::lock_guard lock(read_mu_);
    auto st = reader_.prepare(
        "SELECT id, biz_id, room_id, from_user, from_name, to_user, gift_id, amount, value, "
        "created_at, pk_id FROM gifts WHERE biz_id = ?");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, biz_id);
    std::optional<GiftRecord> out;
    if (auto r = each_row(reader_, *st, [&](sqlite3_stmt* q) { out = read_gift(q); }); !r)
      return std::unexpected(r.error());
    return out;
  }

  Result<std::vector<GiftRecord>> gifts(const std::string& room_id, const std::string& before_id,
                                        int limit) override {
    std::lock_guard lock(read_mu_);
    // Ids are decimal snowflakes: compare by length, then text, to order them numerically.
    auto st = reader_.prepare(
        "SELECT id, biz_id, room_id, from_user, from_name, to_user, gift_id, amount, value, "
        "created_at, pk_id FROM gifts WHERE room_id = ? AND (? = '' OR "
        "length(id) < length(?) OR (length(id) = length(?) AND id < ?)) "
        "ORDER BY length(id) DESC, id DESC LIMIT ?");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, room_id, before_id, before_id, before_id, before_id, limit);
    std::vector<GiftRecord> out;
    if (auto r = each_row(reader_, *st, [&](sqlite3_stmt* q) { out.push_back(read_gift(q)); }); !r)
      return std::unexpected(r.error());
    return out;
  }

  Result<std::vector<RankRow>> gift_rank(const std::string& room_id, int limit) override {
    std::lock_guard lock(read_mu_);
    auto st = reader_.prepare(
        "SELECT from_user, (SELECT g2.from_name FROM gifts g2 WHERE g2.room_id = g.room_id AND "
        "g2.from_user = g.from_user ORDER BY g2.created_at DESC LIMIT 1), SUM(value) AS total "
        "FROM gifts g WHERE room_id = ? GROUP BY from_user ORDER BY total DESC, from_user "
        "LIMIT ?");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, room_id, limit);
    std::vector<RankRow> out;
    if (auto r = each_row(reader_, *st, [&](sqlite3_stmt* q) {
          out.push_back({text(q, 0), text(q, 1), integer(q, 2)});
        });
        !r)
      return std::unexpected(r.error());
    return out;
  }

  Result<std::vector<RoomRecord>> closed_rooms(const std::string& kind,
                                               const std::string& before_id, int limit) override {
    std::lock_guard lock(read_mu_);
    auto st = reader_.prepare(
        "SELECT id, kind, title, status, owner, created_at, closed_at, max_members, max_seats, "
        "metadata, likes, pk_id FROM rooms WHERE status = 'closed' AND (? = '' OR kind = ?) AND "
        "(? = '' OR length(id) < length(?) OR (length(id) = length(?) AND id < ?)) "
        "ORDER BY length(id) DESC, id DESC LIMIT ?");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, kind, kind, before_id, before_id, before_id, before_id, limit);
    std::vector<RoomRecord> out;
    if (auto r = each_row(reader_, *st, [&](sqlite3_stmt* q) { out.push_back(read_room(q)); }); !r)
      return std::unexpected(r.error());
    return out;
  }

  Result<std::optional<RoomRecord>> room(const std::string& id) override {
    std::lock_guard lock(read_mu_);
    auto st = reader_.prepare(
        "SELECT id, kind, title, status, owner, created_at, closed_at, max_members, max_seats, "
        "metadata, likes, pk_id FROM rooms WHERE id = ?");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, id);
    std::optional<RoomRecord> out;
    if (auto r = each_row(reader_, *st, [&](sqlite3_stmt* q) { out = read_room(q); }); !r)
      return std::unexpected(r.error());
    return out;
  }

  Result<std::vector<WebhookJob>> due_webhooks(int64_t now_ms, int limit) override {
    std::lock_guard lock(read_mu_);
    auto st = reader_.prepare(
        "SELECT id, url, body, attempts, next_at, created_at FROM webhooks WHERE next_at <= ? "
        "ORDER BY next_at, id LIMIT ?");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, now_ms, limit);
    std::vector<WebhookJob> out;
    if (auto r = each_row(reader_, *st, [&](sqlite3_stmt* q) {
          out.push_back({integer(q, 0), text(q, 1), text(q, 2), integer(q, 3), integer(q, 4),
                         integer(q, 5)});
        });
        !r)
      return std::unexpected(r.error());
    return out;
  }

  Result<void> webhook_done(int64_t id) override {
    std::lock_guard lock(write_mu_);
    if (closed_) return fail(ErrorCode::unavailable, "store closed");
    auto st = writer_.prepare("DELETE FROM webhooks WHERE id = ?");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, id);
    return step_done(writer_, *st);
  }

  Result<void> webhook_retry(int64_t id, int64_t attempts, int64_t next_at) override {
    std::lock_guard lock(write_mu_);
    if (closed_) return fail(ErrorCode::unavailable, "store closed");
    auto st = writer_.prepare("UPDATE webhooks SET attempts = ?, next_at = ? WHERE id = ?");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, attempts, next_at, id);
    return step_done(writer_, *st);
  }

  Result<int64_t> webhook_backlog() override {
    std::lock_guard lock(read_mu_);
    auto st = reader_.prepare("SELECT COUNT(*) FROM webhooks");
    if (!st) return std::unexpected(st.error());
    int64_t n = 0;
    if (auto r = each_row(reader_, *st, [&](sqlite3_stmt* q) { n = integer(q, 0); }); !r)
      return std::unexpected(r.error());
    return n;
  }

  Result<UserRecord> user_for_phone(const std::string& phone, const std::string& new_id,
                                    int64_t now_ms) override {
    std::lock_guard lock(write_mu_);
    if (closed_) return fail(ErrorCode::unavailable, "store closed");
    auto ins = writer_.prepare(
        "INSERT INTO users (id, phone, name, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(phone) DO NOTHING");
    if (!ins) return std::unexpected(ins.error());
    // The default name shows only the last four digits.
    std::string name = "user" + phone.substr(phone.size() >= 4 ? phone.size() - 4 : 0);
    bind_values(*ins, new_id, phone, name, now_ms);
    if (auto r = step_done(writer_, *ins); !r) return std::unexpected(r.error());
    auto sel = writer_.prepare("SELECT id, phone, name, created_at FROM users WHERE phone = ?");
    if (!sel) return std::unexpected(sel.error());
    bind_values(*sel, phone);
    UserRecord u;
    if (auto r = each_row(writer_, *sel, [&](sqlite3_stmt* q) {
          u = {text(q, 0), text(q, 1), text(q, 2), integer(q, 3)};
        });
        !r)
      return std::unexpected(r.error());
    return u;
  }

  void close() override {
    std::scoped_lock lock(write_mu_, read_mu_);
    if (closed_) return;
    closed_ = true;
    // A checkpoint leaves the main file complete, so a copy of it alone is a backup.
    (void)writer_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

 private:
  Result<void> migrate() {
    auto st = writer_.prepare("PRAGMA user_version");
    if (!st) return std::unexpected(st.error());
    int64_t version = 0;
    if (auto r = each_row(writer_, *st, [&](sqlite3_stmt* q) { version = integer(q, 0); }); !r)
      return r;
    constexpr int64_t kLatest = std::size(kMigrations);
    if (version > kLatest)
      return fail(ErrorCode::internal, "store: database schema " + std::to_string(version) +
                                           " is newer than this onair (" +
                                           std::to_string(kLatest) + ")");
    for (int64_t v = version; v < kLatest; ++v) {
      std::string sql = std::string("BEGIN;") + kMigrations[v] +
                        "PRAGMA user_version=" + std::to_string(v + 1) + ";COMMIT;";
      if (auto r = writer_.exec(sql); !r) {
        (void)writer_.exec("ROLLBACK");
        return std::unexpected(std::move(r.error()).with_context("store: migrating"));
      }
      spdlog::info("store: migrated schema to version {}", v + 1);
    }
    return {};
  }

  Result<void> apply(const RoomRecord& r) {
    auto st = writer_.prepare(
        "INSERT OR REPLACE INTO rooms (id, kind, title, status, owner, created_at, closed_at, "
        "max_members, max_seats, metadata, likes, pk_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, r.id, r.kind, r.title, r.status, r.owner, r.created_at, r.closed_at, r.max_members,
         r.max_seats, r.metadata, r.likes, r.pk_id);
    if (auto res = step_done(writer_, *st); !res) return res;
    if (r.status == "closed") {
      // A closed room keeps its row and gift history; its people are gone.
      for (const char* sql : {"DELETE FROM members WHERE room_id = ?",
                              "DELETE FROM seats WHERE room_id = ?",
                              "DELETE FROM offers WHERE room_id = ?",
                              "DELETE FROM bans WHERE room_id = ?"}) {
        auto del = writer_.prepare(sql);
        if (!del) return std::unexpected(del.error());
        bind_values(*del, r.id);
        if (auto res = step_done(writer_, *del); !res) return res;
      }
    }
    return {};
  }
  Result<void> apply(const MemberRecord& m) {
    auto st = writer_.prepare(
        "INSERT OR REPLACE INTO members (room_id, user, name, role, joined_at, muted_until) "
        "VALUES (?,?,?,?,?,?)");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, m.room_id, m.user, m.name, m.role, m.joined_at, m.muted_until);
    return step_done(writer_, *st);
  }
  Result<void> apply(const DeleteMember& m) {
    auto st = writer_.prepare("DELETE FROM members WHERE room_id = ? AND user = ?");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, m.room_id, m.user);
    return step_done(writer_, *st);
  }
  Result<void> apply(const SeatRecord& s) {
    auto st = writer_.prepare(
        "INSERT OR REPLACE INTO seats (room_id, idx, user, live, audio_muted, video_muted) "
        "VALUES (?,?,?,?,?,?)");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, s.room_id, s.index, s.user, s.live, s.audio_muted, s.video_muted);
    return step_done(writer_, *st);
  }
  Result<void> apply(const DeleteSeat& s) {
    auto st = writer_.prepare("DELETE FROM seats WHERE room_id = ? AND idx = ?");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, s.room_id, s.index);
    return step_done(writer_, *st);
  }
  Result<void> apply(const OfferRecord& o) {
    auto st = writer_.prepare(
        "INSERT OR REPLACE INTO offers (room_id, user, kind, expires_at) VALUES (?,?,?,?)");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, o.room_id, o.user, o.kind, o.expires_at);
    return step_done(writer_, *st);
  }
  Result<void> apply(const DeleteOffer& o) {
    auto st = writer_.prepare("DELETE FROM offers WHERE room_id = ? AND user = ?");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, o.room_id, o.user);
    return step_done(writer_, *st);
  }
  Result<void> apply(const BanRecord& b) {
    auto st = writer_.prepare("INSERT OR REPLACE INTO bans (room_id, user, until) VALUES (?,?,?)");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, b.room_id, b.user, b.until);
    return step_done(writer_, *st);
  }
  Result<void> apply(const PkRecord& p) {
    auto st = writer_.prepare(
        "INSERT OR REPLACE INTO pks (id, room_a, room_b, status, score_a, score_b, created_at, "
        "expires_at, started_at, ends_at, winner, end_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, p.id, p.room_a, p.room_b, p.status, p.score_a, p.score_b, p.created_at,
         p.expires_at, p.started_at, p.ends_at, p.winner, p.end_reason);
    return step_done(writer_, *st);
  }
  Result<void> apply(const GiftRecord& g) {
    auto st = writer_.prepare(
        "INSERT INTO gifts (id, biz_id, room_id, from_user, from_name, to_user, gift_id, amount, "
        "value, created_at, pk_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, g.id, g.biz_id, g.room_id, g.from_user, g.from_name, g.to_user, g.gift_id, g.amount,
         g.value, g.created_at, g.pk_id);
    return step_done(writer_, *st);
  }
  Result<void> apply(const WebhookJob& j) {
    auto st = writer_.prepare(
        "INSERT INTO webhooks (url, body, attempts, next_at, created_at) VALUES (?,?,?,?,?)");
    if (!st) return std::unexpected(st.error());
    bind_values(*st, j.url, j.body, j.attempts, j.next_at, j.created_at);
    return step_done(writer_, *st);
  }

  std::mutex write_mu_;
  std::mutex read_mu_;
  Connection writer_;
  Connection reader_;
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite(const std::string& path, const std::string& sync) {
  auto store = std::make_unique<SqliteStore>();
  if (auto r = store->open(path, sync); !r) return std::unexpected(r.error());
  return std::unique_ptr<Store>(std::move(store));
}

Result<std::unique_ptr<Store>> open_store(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return fail(ErrorCode::internal, "store: cannot create " + config.data_dir + ": " + ec.message());
  if (config.store.driver == "sqlite")
    return open_sqlite((std::filesystem::path(config.data_dir) / "onair.db").string(),
                       config.store.sync);
  return fail(ErrorCode::invalid_argument, "store.driver: unknown driver " + config.store.driver);
}

}  // namespace onair::store
