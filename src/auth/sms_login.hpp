#pragma once
// SmsLogin: one-time codes for phone login (API.md "Auth"). Issues codes with rate limits
// per phone and per client IP, and checks them with a bounded number of attempts. Codes
// live in memory only (a restart voids them). Thread-safe. Sending is the caller's job.
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"

namespace onair::auth {

// +8613800138000, 13800138000: an optional '+', then 6..15 digits.
bool valid_phone(const std::string& phone);
// "*******8000": for logs.
std::string mask_phone(const std::string& phone);

class SmsLogin {
 public:
  explicit SmsLogin(const SmsConfig& config) : config_(config) {}

  // A new code for `phone`, or rate_limited (with retry_after) / invalid_argument.
  Result<std::string> issue(const std::string& phone, const std::string& ip, int64_t now_ms);
  // Consumes the code if it matches; unauthenticated otherwise.
  Result<void> verify(const std::string& phone, const std::string& code, int64_t now_ms);

 private:
  struct Pending {
    std::string code;
    int64_t expires_at = 0;
    uint32_t attempts = 0;
  };
  void prune(int64_t now_ms);

  const SmsConfig& config_;
  std::mutex mu_;
  std::map<std::string, Pending> pending_;
  std::map<std::string, std::deque<int64_t>> sent_by_phone_;
  std::map<std::string, std::deque<int64_t>> sent_by_ip_;
  int64_t last_prune_ = 0;
};

}  // namespace onair::auth
