#pragma once
// Small crypto and encoding helpers over OpenSSL: HMAC-SHA256, MD5, SHA-1, hex, base64,
// constant-time comparison and secure random strings. Pure functions.
#include <optional>
#include <string>
#include <string_view>

namespace onair::auth {

std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string hmac_sha1(std::string_view key, std::string_view data);    // raw 20 bytes (STUN)
std::string md5(std::string_view data);                                // raw 16 bytes
std::string sha1(std::string_view data);                               // raw 20 bytes
std::string to_hex(std::string_view raw);                              // lowercase
std::string base64url_encode(std::string_view raw);                    // no padding
std::string base64_encode(std::string_view raw);                       // RFC 4648 4, padded
std::optional<std::string> base64url_decode(std::string_view text);    // padding optional
// Compares without leaking where the first difference is.
bool equal_constant_time(std::string_view a, std::string_view b);
// `bytes` random bytes from the OS CSPRNG, hex-encoded.
std::string random_hex(size_t bytes);
// A random decimal code of `digits` digits (SMS codes).
std::string random_digits(size_t digits);

}  // namespace onair::auth
