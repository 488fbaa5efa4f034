#include "auth/sms_login.hpp"

#include <algorithm>

#include "auth/crypto.hpp"

namespace onair::auth {

namespace {
constexpr int64_t kHourMs = 3600 * 1000;

void forget_older(std::deque<int64_t>& times, int64_t cutoff) {
  while (!times.empty() && times.front() <= cutoff) times.pop_front();
}
}  // namespace

bool valid_phone(const std::string& phone) {
  std::string_view digits = phone;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  return digits.size() >= 6 && digits.size() <= 15 &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string mask_phone(const std::string& phone) {
  if (phone.size() <= 4) return std::string(phone.size(), '*');
  return std::string(phone.size() - 4, '*') + phone.substr(phone.size() - 4);
}

void SmsLogin::prune(int64_t now) {
  if (now - last_prune_ < 60000) return;
  last_prune_ = now;
  std::erase_if(pending_, [&](const auto& p) { return p.second.expires_at <= now; });
  for (auto* m : {&sent_by_phone_, &sent_by_ip_}) {
    for (auto it = m->begin(); it != m->end();) {
      forget_older(it->second, now - kHourMs);
      it = it->second.empty() ? m->erase(it) : std::next(it);
    }
  }
}

Result<std::string> SmsLogin::issue(const std::string& phone, const std::string& ip, int64_t now) {
  if (!valid_phone(phone))
    return fail(ErrorCode::invalid_argument, "phone: expected an optional + and 6..15 digits");
  std::lock_guard lock(mu_);
  prune(now);
  auto& by_phone = sent_by_phone_[phone];
  auto& by_ip = sent_by_ip_[ip];
  forget_older(by_phone, now - kHourMs);
  forget_older(by_ip, now - kHourMs);
  auto limited = [](int64_t wait_ms, const char* what) {
    Error e(ErrorCode::rate_limited, what);
    e.retry_after(static_cast<int>(std::max<int64_t>(1, (wait_ms + 999) / 1000)));
    return std::unexpected(std::move(e));
  };
  int64_t interval = int64_t{config_.phone_interval_s} * 1000;
  if (!by_phone.empty() && now - by_phone.back() < interval)
    return limited(interval - (now - by_phone.back()), "a code was just sent to this phone");
  if (by_phone.size() >= config_.phone_per_hour)
    return limited(by_phone.front() + kHourMs - now, "too many codes for this phone this hour");
  if (by_ip.size() >= config_.ip_per_hour)
    return limited(by_ip.front() + kHourMs - now, "too many codes from this address this hour");
  by_phone.push_back(now);
  by_ip.push_back(now);
  std::string code = random_digits(6);
  pending_[phone] = Pending{code, now + int64_t{config_.code_ttl_s} * 1000, 0};
  return code;
}

Result<void> SmsLogin::verify(const std::string& phone, const std::string& code, int64_t now) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(phone);
  auto wrong = [] { return fail(ErrorCode::unauthenticated, "wrong or expired code"); };
  if (it == pending_.end()) return wrong();
  if (it->second.expires_at <= now) {
    pending_.erase(it);
    return wrong();
  }
  if (!equal_constant_time(it->second.code, code)) {
    if (++it->second.attempts >= config_.max_attempts) pending_.erase(it);
    return wrong();
  }
  pending_.erase(it);
  return {};
}

}  // namespace onair::auth
