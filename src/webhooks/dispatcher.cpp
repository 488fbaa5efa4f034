#include "webhooks/dispatcher.hpp"

#include <pthread.h>

#include <algorithm>
#include <map>

#include "auth/crypto.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/client.hpp"

namespace onair::webhooks {

std::string webhook_signature(const std::string& secret, const std::string& body) {
  return "sha256=" + auth::to_hex(auth::hmac_sha256(secret, body));
}

WebhookDispatcher::WebhookDispatcher(const Config& config, store::Store& store)
    : config_(config), store_(store) {}

WebhookDispatcher::~WebhookDispatcher() { stop(); }

void WebhookDispatcher::start() {
  if (auto n = store_.webhook_backlog(); n) backlog_ = *n;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "webhooks");
    run();
  });
}

void WebhookDispatcher::notify() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_one();
}

void WebhookDispatcher::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void WebhookDispatcher::run() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      // Retries fall due by time: look at least every 250 ms.
      cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return wake_ || stop_; });
      if (stop_) return;
      wake_ = false;
    }
    while (deliver_due() > 0) {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
  }
}

size_t WebhookDispatcher::deliver_due() {
  static Counter& ok = metrics().counter("onair_webhook_deliveries_total", "Webhook delivery attempts",
                                         {{"result", "ok"}});
  static Counter& retry = metrics().counter("onair_webhook_deliveries_total", "Webhook delivery attempts",
                                            {{"result", "retry"}});
  static Counter& dropped = metrics().counter("onair_webhook_deliveries_total",
                                              "Webhook delivery attempts", {{"result", "dropped"}});
  auto due = store_.due_webhooks(unix_ms(), 64);
  if (!due) {
    spdlog::error("webhooks: reading the queue: {}", due.error().message());
    return 0;
  }
  size_t delivered = 0;
  // A receiver that failed in this pass is not tried again in it: its later jobs wait
  // with the failed one, so one dead receiver costs one timeout per pass, not one per job.
  std::map<std::string, int64_t> failed_until;
  for (const auto& job : *due) {
    if (auto f = failed_until.find(job.url); f != failed_until.end()) {
      (void)store_.webhook_retry(job.id, job.attempts, f->second);
      continue;
    }
    {
      std::lock_guard lock(mu_);
      if (stop_) break;
    }
    const WebhookConfig* hook = nullptr;
    for (const auto& h : config_.webhooks)
      if (h.url == job.url) hook = &h;
    if (hook == nullptr) {
      // The webhook was removed from the config since the job was queued.
      spdlog::warn("webhooks: dropping job id={} for unconfigured url", job.id);
      (void)store_.webhook_done(job.id);
      dropped.inc();
      continue;
    }
    auto res = http::post_json(job.url, job.body,
                               {{"X-Onair-Signature", webhook_signature(hook->secret, job.body)},
                                {"X-Onair-Delivery", std::to_string(job.id)}},
                               config_.webhook_delivery.timeout_ms);
    if (res && res->status >= 200 && res->status < 300) {
      (void)store_.webhook_done(job.id);
      ok.inc();
      ++delivered;
      continue;
    }
    std::string why = res ? "status " + std::to_string(res->status) : res.error().message();
    int64_t attempts = job.attempts + 1;
    if (attempts >= config_.webhook_delivery.max_attempts) {
      spdlog::error("webhooks: giving up job id={} attempts={} last={}", job.id, attempts, why);
      (void)store_.webhook_done(job.id);
      dropped.inc();
      continue;
    }
    int64_t backoff = int64_t{config_.webhook_delivery.backoff_ms} << std::min<int64_t>(attempts - 1, 20);
    backoff = std::min<int64_t>(backoff, config_.webhook_delivery.max_backoff_ms);
    spdlog::warn("webhooks: job id={} attempt={} failed ({}); retry in {} ms", job.id, attempts, why, backoff);
    failed_until[job.url] = unix_ms() + backoff;
    (void)store_.webhook_retry(job.id, attempts, failed_until[job.url]);
    retry.inc();
  }
  if (auto n = store_.webhook_backlog(); n) backlog_ = *n;
  return delivered;
}

}  // namespace onair::webhooks
