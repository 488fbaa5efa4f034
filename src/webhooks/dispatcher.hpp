#pragma once
// WebhookDispatcher: delivers the webhook jobs that the rooms service queues in the store
// (in the same transaction as the change they report). One thread: it sends due jobs in
// order, signs each body with the webhook's secret (X-Onair-Signature: sha256=<hex HMAC>),
// deletes a job once its receiver answers 2xx and otherwise retries it with exponential
// backoff. Because the queue lives in the store, a restart or a kill -9 loses nothing; a
// job may be delivered twice (receivers dedupe on the event id).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "core/config.hpp"
#include "store/store.hpp"

namespace onair::webhooks {

class WebhookDispatcher {
 public:
  WebhookDispatcher(const Config& config, store::Store& store);
  ~WebhookDispatcher();

  void start();
  // Wakes the dispatcher: new jobs were committed.
  void notify();
  // Finishes the delivery in progress and stops.
  void stop();

  int64_t backlog() const { return backlog_.load(); }

 private:
  void run();
  // Sends every due job once; returns how many were due.
  size_t deliver_due();

  const Config& config_;
  store::Store& store_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wake_ = false;
  bool stop_ = false;
  std::atomic<int64_t> backlog_{0};
};

// The header value for `body` signed with `secret`: "sha256=<lowercase hex>".
std::string webhook_signature(const std::string& secret, const std::string& body);

}  // namespace onair::webhooks
