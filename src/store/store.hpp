#pragma once
// Store: everything onair keeps durably, behind one interface so SQLite (the default) and
// PostgreSQL backends are interchangeable without touching callers.
//
// Threads: commit() is called by the rooms strand only (one writer, in order). Reads and
// the webhook-queue calls may come from any worker thread; backends serialise as needed.
// No call is ever made from an event loop.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "store/records.hpp"

namespace onair::store {

class Store {
 public:
  virtual ~Store() = default;

  // Applies every write of the batch in one transaction; durable when it returns.
  virtual Result<void> commit(const Batch& batch) = 0;

  virtual Result<Snapshot> load() = 0;

  virtual Result<std::optional<GiftRecord>> gift_by_biz_id(const std::string& biz_id) = 0;
  // Newest first; `before_id` (a gift id, "" for the newest) pages backwards.
  virtual Result<std::vector<GiftRecord>> gifts(const std::string& room_id,
                                                const std::string& before_id, int limit) = 0;
  virtual Result<std::vector<RankRow>> gift_rank(const std::string& room_id, int limit) = 0;
  // Closed rooms, newest first; `before_id` pages backwards.
  virtual Result<std::vector<RoomRecord>> closed_rooms(const std::string& kind,
                                                       const std::string& before_id,
                                                       int limit) = 0;
  virtual Result<std::optional<RoomRecord>> room(const std::string& id) = 0;

  // Webhook outbox (rows are added through commit()).
  virtual Result<std::vector<WebhookJob>> due_webhooks(int64_t now_ms, int limit) = 0;
  virtual Result<void> webhook_done(int64_t id) = 0;
  virtual Result<void> webhook_retry(int64_t id, int64_t attempts, int64_t next_at) = 0;
  virtual Result<int64_t> webhook_backlog() = 0;

  // Phone login: the user of a phone number, created with `new_id` on first use.
  virtual Result<UserRecord> user_for_phone(const std::string& phone, const std::string& new_id,
                                            int64_t now_ms) = 0;

  // Flushes and closes. Calls after close() fail with `unavailable`.
  virtual void close() = 0;
};

// Opens the backend named by config.store.driver in config.data_dir, running migrations.
Result<std::unique_ptr<Store>> open_store(const Config& config);

}  // namespace onair::store
