#include "media/webrtc/stun.hpp"

#include <algorithm>

#include "auth/crypto.hpp"

namespace onair::webrtc::stun {
namespace {

uint16_t be16(std::string_view s, size_t at) { return uint16_t((uint8_t(s[at]) << 8) | uint8_t(s[at + 1])); }
uint32_t be32(std::string_view s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) | (uint32_t(uint8_t(s[at + 2])) << 8) |
         uint8_t(s[at + 3]);
}
void put16(std::string& s, size_t at, uint16_t v) {
  s[at] = char(v >> 8);
  s[at + 1] = char(v);
}
void append16(std::string& s, uint16_t v) {
  s += char(v >> 8);
  s += char(v);
}
void append32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s += char(v >> (8 * i));
}

// The message type's 14 bits: method bits M0-M11 with the class bits C0 (bit 4) and C1
// (bit 8) between them (RFC 8489 5).
uint16_t type_of(uint16_t method, Class cls) {
  uint16_t c = uint16_t(cls);
  return uint16_t((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) | ((c & 1) << 4) |
                  ((c & 2) << 7));
}

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = make_crc_table();

bool known(uint16_t t) {
  switch (t) {
    case attr::mapped_address:
    case attr::username:
    case attr::message_integrity:
    case attr::error_code:
    case attr::unknown_attributes:
    case attr::xor_mapped_address:
    case attr::priority:
    case attr::use_candidate:
      return true;
    default:
      return t >= 0x8000;  // comprehension-optional
  }
}

}  // namespace

uint32_t crc32(std::string_view data) {
  uint32_t c = 0xFFFFFFFFu;
  for (char ch : data) c = kCrcTable[(c ^ uint8_t(ch)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

const Attribute* Message::find(uint16_t type) const {
  for (const auto& a : attributes)
    if (a.type == type) return &a;
  return nullptr;
}

std::vector<uint16_t> Message::unknown_required() const {
  std::vector<uint16_t> out;
  for (const auto& a : attributes)
    if (!known(a.type)) out.push_back(a.type);
  return out;
}

bool looks_like_stun(std::string_view d) {
  return d.size() >= kHeaderSize && uint8_t(d[0]) < 4 && be32(d, 4) == kMagicCookie && be16(d, 2) % 4 == 0 &&
         size_t(be16(d, 2)) + kHeaderSize == d.size();
}

Result<Message> parse(std::string_view d) {
  auto bad = [](std::string what) { return std::unexpected(Error(ErrorCode::invalid_argument, "stun: " + what)); };
  if (d.size() < kHeaderSize) return bad("shorter than a header");
  if (uint8_t(d[0]) >= 4) return bad("not STUN (top bits set)");
  if (be32(d, 4) != kMagicCookie) return bad("no magic cookie");
  size_t len = be16(d, 2);
  if (len % 4) return bad("length not a multiple of 4");
  if (len + kHeaderSize != d.size()) return bad("length does not match the datagram");
  Message m;
  uint16_t type = be16(d, 0);
  m.method = uint16_t((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
  m.cls = Class(((type >> 4) & 1) | ((type >> 7) & 2));
  std::copy_n(d.data() + 8, 12, m.transaction.begin());
  m.bytes = d;
  size_t pos = kHeaderSize;
  while (pos < d.size()) {
    if (d.size() - pos < 4) return bad("truncated attribute header");
    uint16_t t = be16(d, pos), l = be16(d, pos + 2);
    size_t padded = (size_t(l) + 3) & ~size_t(3);
    if (d.size() - pos - 4 < padded) return bad("attribute 0x" + std::to_string(t) + " runs past the end");
    if (!m.attributes.empty() && m.attributes.back().type == attr::fingerprint) return bad("attribute after FINGERPRINT");
    m.attributes.push_back({t, d.substr(pos + 4, l), pos});
    pos += 4 + padded;
  }
  return m;
}

bool integrity_ok(const Message& m, std::string_view key) {
  const Attribute* mi = m.find(attr::message_integrity);
  if (!mi || mi->value.size() != 20) return false;
  // HMAC over the message up to MESSAGE-INTEGRITY, its length field counting up to the end
  // of MESSAGE-INTEGRITY (RFC 8489 14.5).
  std::string head(m.bytes.substr(0, mi->offset));
  put16(head, 2, uint16_t(mi->offset + 24 - kHeaderSize));
  return auth::equal_constant_time(auth::hmac_sha1(key, head), mi->value);
}

bool fingerprint_ok(const Message& m) {
  const Attribute* fp = m.find(attr::fingerprint);
  if (!fp || fp->value.size() != 4 || fp != &m.attributes.back()) return false;
  return (crc32(m.bytes.substr(0, fp->offset)) ^ 0x5354554Eu) == be32(fp->value, 0);
}

std::string xor_address(const Address& a, const TransactionId& tx) {
  std::string v;
  v += '\0';
  v += char(a.v6 ? 2 : 1);
  append16(v, uint16_t(a.port ^ (kMagicCookie >> 16)));
  std::array<uint8_t, 16> mask{};
  for (int i = 0; i < 4; ++i) mask[size_t(i)] = uint8_t(kMagicCookie >> (24 - 8 * i));
  std::copy(tx.begin(), tx.end(), mask.begin() + 4);
  for (size_t i = 0; i < (a.v6 ? 16u : 4u); ++i) v += char(a.ip[i] ^ mask[i]);
  return v;
}

std::optional<Address> parse_xor_address(std::string_view v, const TransactionId& tx) {
  if (v.size() < 8) return std::nullopt;
  Address a;
  uint8_t family = uint8_t(v[1]);
  if (family == 2 && v.size() == 20) {
    a.v6 = true;
  } else if (family != 1 || v.size() != 8) {
    return std::nullopt;
  }
  a.port = uint16_t(be16(v, 2) ^ (kMagicCookie >> 16));
  std::array<uint8_t, 16> mask{};
  for (int i = 0; i < 4; ++i) mask[size_t(i)] = uint8_t(kMagicCookie >> (24 - 8 * i));
  std::copy(tx.begin(), tx.end(), mask.begin() + 4);
  for (size_t i = 0; i < (a.v6 ? 16u : 4u); ++i) a.ip[i] = uint8_t(uint8_t(v[4 + i]) ^ mask[i]);
  return a;
}

Builder::Builder(uint16_t method, Class cls, const TransactionId& tx) {
  append16(out_, type_of(method, cls));
  append16(out_, 0);
  append32(out_, kMagicCookie);
  out_.append(reinterpret_cast<const char*>(tx.data()), tx.size());
}

Builder& Builder::add(uint16_t type, std::string_view value) {
  append16(out_, type);
  append16(out_, uint16_t(value.size()));
  out_.append(value);
  while (out_.size() % 4) out_ += pad_;
  return *this;
}

Builder& Builder::add_u32(uint16_t type, uint32_t value) {
  std::string v;
  append32(v, value);
  return add(type, v);
}

Builder& Builder::add_error(int code, std::string_view reason) {
  std::string v(2, '\0');
  v += char(code / 100);
  v += char(code % 100);
  v.append(reason);
  return add(attr::error_code, v);
}

std::string Builder::finish(std::optional<std::string_view> key, bool fingerprint, char pad) {
  // Padding chosen at the end applies to what was added (rebuild is cheap: messages are tiny).
  if (pad != pad_) {
    pad_ = pad;
    std::string body = out_.substr(kHeaderSize);
    out_.resize(kHeaderSize);
    for (size_t pos = 0; pos + 4 <= body.size();) {
      uint16_t t = be16(body, pos), l = be16(body, pos + 2);
      add(t, std::string_view(body).substr(pos + 4, l));
      pos += 4 + ((size_t(l) + 3) & ~size_t(3));
    }
  }
  if (key) {
    put16(out_, 2, uint16_t(out_.size() + 24 - kHeaderSize));
    std::string mac = auth::hmac_sha1(*key, out_);
    add(attr::message_integrity, mac);
  }
  if (fingerprint) {
    put16(out_, 2, uint16_t(out_.size() + 8 - kHeaderSize));
    std::string v;
    append32(v, crc32(out_) ^ 0x5354554Eu);
    add(attr::fingerprint, v);
  }
  put16(out_, 2, uint16_t(out_.size() - kHeaderSize));
  return out_;
}

}  // namespace onair::webrtc::stun
