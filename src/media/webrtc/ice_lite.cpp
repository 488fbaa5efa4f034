#include "media/webrtc/ice_lite.hpp"

#include <openssl/rand.h>

#include <algorithm>

namespace onair::webrtc {

IceLite::IceLite(std::string local_ufrag, std::string local_pwd, std::string remote_ufrag)
    : local_ufrag_(std::move(local_ufrag)), local_pwd_(std::move(local_pwd)), remote_ufrag_(std::move(remote_ufrag)) {}

std::string_view IceLite::addressed_ufrag(const stun::Message& m) {
  const stun::Attribute* u = m.find(stun::attr::username);
  if (!u) return {};
  auto colon = u->value.find(':');
  return colon == std::string_view::npos ? std::string_view{} : u->value.substr(0, colon);
}

IceLite::Outcome IceLite::on_stun(const stun::Message& m, const stun::Address& from, int64_t now_ms) {
  Outcome out;
  // Indications (consent keepalives of old clients) and answers need no reply.
  if (m.method != stun::kBinding || m.cls != stun::Class::request) return out;
  auto error = [&](int code, std::string_view reason, bool with_integrity) {
    stun::Builder b(stun::kBinding, stun::Class::error, m.transaction);
    b.add_error(code, reason);
    if (code == 420) {
      std::string list;
      for (uint16_t t : m.unknown_required()) {
        list += char(t >> 8);
        list += char(t);
      }
      b.add(stun::attr::unknown_attributes, list);
    }
    out.response = b.finish(with_integrity ? std::optional<std::string_view>(local_pwd_) : std::nullopt, true);
    return out;
  };
  // RFC 8489 6.3.1: unknown comprehension-required attributes are refused with 420.
  if (!m.unknown_required().empty()) return error(420, "Unknown Attribute", false);
  const stun::Attribute* user = m.find(stun::attr::username);
  if (!user || !m.find(stun::attr::message_integrity)) return error(400, "Bad Request", false);
  // RFC 8445 7.3: USERNAME is "<receiver ufrag>:<sender ufrag>".
  std::string_view name = user->value;
  if (name.size() != local_ufrag_.size() + 1 + remote_ufrag_.size() || !name.starts_with(local_ufrag_) ||
      name[local_ufrag_.size()] != ':' || name.substr(local_ufrag_.size() + 1) != remote_ufrag_)
    return error(401, "Unauthorized", false);
  if (!stun::integrity_ok(m, local_pwd_)) return error(401, "Unauthorized", false);
  if (m.find(stun::attr::fingerprint) && !stun::fingerprint_ok(m)) return out;  // corrupt: drop
  // We are ICE-lite, so always controlled; a peer that also says controlled is in role
  // conflict (RFC 8445 7.3.1.1), which a full agent resolves by switching to controlling.
  if (m.find(stun::attr::ice_controlled)) return error(487, "Role Conflict", true);

  stun::Builder ok(stun::kBinding, stun::Class::success, m.transaction);
  ok.add(stun::attr::xor_mapped_address, stun::xor_address(from, m.transaction));
  out.response = ok.finish(std::string_view(local_pwd_), true);
  out.accepted = true;
  out.nominated = m.find(stun::attr::use_candidate) != nullptr;
  last_consent_ms_ = now_ms;
  return out;
}

std::string ice_string(size_t n) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char raw[64];
  n = std::min<size_t>(n, sizeof raw);
  RAND_bytes(raw, int(n));
  std::string out(n, 'a');
  for (size_t i = 0; i < n; ++i) out[i] = kChars[raw[i] % (sizeof kChars - 1)];
  return out;
}

uint32_t random_ssrc() {
  uint32_t v = 0;
  while (v == 0) RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return v;
}

}  // namespace onair::webrtc
