#pragma once
// STUN (RFC 8489) as pure code over bytes, the part ICE-lite needs: parsing a message into
// its attributes, checking MESSAGE-INTEGRITY (HMAC-SHA1 with the short-term password) and
// FINGERPRINT (CRC-32 xor 0x5354554E), and building answers with XOR-MAPPED-ADDRESS.
// No sockets, clocks or logging; views point into the caller's bytes.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace onair::webrtc::stun {

constexpr uint32_t kMagicCookie = 0x2112A442;
constexpr size_t kHeaderSize = 20;

enum class Class : uint8_t { request = 0, indication = 1, success = 2, error = 3 };
constexpr uint16_t kBinding = 0x001;

namespace attr {
constexpr uint16_t mapped_address = 0x0001;
constexpr uint16_t username = 0x0006;
constexpr uint16_t message_integrity = 0x0008;
constexpr uint16_t error_code = 0x0009;
constexpr uint16_t unknown_attributes = 0x000A;
constexpr uint16_t xor_mapped_address = 0x0020;
constexpr uint16_t priority = 0x0024;
constexpr uint16_t use_candidate = 0x0025;
constexpr uint16_t software = 0x8022;
constexpr uint16_t fingerprint = 0x8028;
constexpr uint16_t ice_controlled = 0x8029;
constexpr uint16_t ice_controlling = 0x802A;
}  // namespace attr

using TransactionId = std::array<uint8_t, 12>;

// An IPv4 or IPv6 transport address.
struct Address {
  bool v6 = false;
  std::array<uint8_t, 16> ip{};  // IPv4 in the first 4 bytes
  uint16_t port = 0;
  bool operator==(const Address&) const = default;
};

struct Attribute {
  uint16_t type;
  std::string_view value;
  size_t offset;  // of the attribute's header within the message
};

struct Message {
  uint16_t method = 0;
  Class cls = Class::request;
  TransactionId transaction{};
  std::vector<Attribute> attributes;  // in order; none after FINGERPRINT
  std::string_view bytes;             // the whole message

  const Attribute* find(uint16_t type) const;
  // Comprehension-required attributes (< 0x8000) this parser does not know.
  std::vector<uint16_t> unknown_required() const;
};

// RFC 7983: a datagram whose first byte is 0..3 may be STUN; this checks the fixed header.
bool looks_like_stun(std::string_view data);

// Splits a message into attributes. Errors name what is malformed.
Result<Message> parse(std::string_view data);

// MESSAGE-INTEGRITY (RFC 8489 14.5) with `key` (the short-term password).
bool integrity_ok(const Message& m, std::string_view key);
// FINGERPRINT (RFC 8489 14.7); false when absent.
bool fingerprint_ok(const Message& m);

// The XOR-MAPPED-ADDRESS value (RFC 8489 14.2) and back.
std::string xor_address(const Address& a, const TransactionId& tx);
std::optional<Address> parse_xor_address(std::string_view value, const TransactionId& tx);

// Builds a message: attributes in order, then MESSAGE-INTEGRITY (when `key` is given) and
// FINGERPRINT. `pad` fills attribute padding (RFC 5769's vectors use spaces).
class Builder {
 public:
  Builder(uint16_t method, Class cls, const TransactionId& tx);
  Builder& add(uint16_t type, std::string_view value);
  Builder& add_u32(uint16_t type, uint32_t value);
  Builder& add_error(int code, std::string_view reason);
  std::string finish(std::optional<std::string_view> key, bool fingerprint, char pad = 0);

 private:
  std::string out_;
  char pad_ = 0;
};

uint32_t crc32(std::string_view data);

}  // namespace onair::webrtc::stun
