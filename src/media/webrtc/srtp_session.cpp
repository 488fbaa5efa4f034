// SRTP and SRTCP on OpenSSL. Wire formats (RFC 3711 3.1/3.4, RFC 7714 7-9):
//   AES-CM + HMAC-SHA1-80  SRTP:  header | payload^keystream | tag(10)
//                          SRTCP: header(8) | rest^keystream | E+index(4) | tag(10)
//   AES-128-GCM            SRTP:  header (AAD) | ciphertext | tag(16)
//                          SRTCP: header(8) (AAD) | ciphertext | tag(16) | E+index(4) (AAD)
// Session keys come from the master key and salt through the AES-CM key derivation of
// RFC 3711 4.3 (key derivation rate 0), for GCM too (RFC 7714 11).
#include "media/webrtc/srtp_session.hpp"

// SHA-1 through its low-level API: an HMAC whose inner and outer states are computed once
// per key and copied by value per packet (EVP_MAC allocates when it copies them).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cstring>
#include <vector>

namespace onair::webrtc {
namespace {

constexpr size_t kKeyLen = 16;
constexpr size_t kCmSaltLen = 14, kGcmSaltLen = 12;
constexpr size_t kAuthKeyLen = 20, kCmTagLen = 10, kGcmTagLen = 16;
constexpr size_t kSrtcpIndexLen = 4;
constexpr uint32_t kMaxSrtcpIndex = 0x7fffffff;

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
void put_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

// The length of an RTP packet's header (fixed part, CSRCs, extension); 0 if malformed.
size_t rtp_header_length(const uint8_t* p, size_t len) {
  if (len < 12 || (p[0] >> 6) != 2) return 0;
  size_t n = 12 + 4 * size_t(p[0] & 0x0f);
  if (p[0] & 0x10) {
    if (len < n + 4) return 0;
    n += 4 + 4 * size_t(be16(p + n + 2));
  }
  return n <= len ? n : 0;
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx cipher_ctx(const char* name, const uint8_t* key, int enc) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
  bool ok = ctx && cipher && EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key, nullptr, enc) == 1;
  EVP_CIPHER_free(cipher);  // the context holds its own reference
  if (!ok) ctx.reset();
  return ctx;
}

// RFC 3711 4.3.1/4.3.3: `out` = AES-CM keystream under the master key from IV
// (master salt with the label at byte 7) || 0x0000.
bool derive(const uint8_t* master_key, const uint8_t* master_salt, size_t salt_len, uint8_t label, uint8_t* out,
            size_t n) {
  std::array<uint8_t, 16> iv{};
  std::memcpy(iv.data(), master_salt, salt_len);  // a 12-byte GCM salt is padded with zeros
  iv[7] ^= label;
  CipherCtx ctx = cipher_ctx("AES-128-CTR", master_key, 1);
  if (!ctx || EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, nullptr, iv.data(), 1) != 1) return false;
  std::memset(out, 0, n);
  int outl = 0;
  return EVP_CipherUpdate(ctx.get(), out, &outl, out, int(n)) == 1;
}

// HMAC-SHA1 (RFC 2104) with the key's padded states kept.
class HmacSha1 {
 public:
  void set_key(const uint8_t* key, size_t len) {
    uint8_t pad[64];
    for (uint8_t x : {uint8_t(0x36), uint8_t(0x5c)}) {
      std::memset(pad, x, sizeof pad);
      for (size_t i = 0; i < len; ++i) pad[i] ^= key[i];
      SHA_CTX& c = x == 0x36 ? inner_ : outer_;
      SHA1_Init(&c);
      SHA1_Update(&c, pad, sizeof pad);
    }
    OPENSSL_cleanse(pad, sizeof pad);
  }
  // HMAC of a || b, truncated to `n` bytes.
  void tag(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len, uint8_t* out, size_t n) const {
    uint8_t d[SHA_DIGEST_LENGTH];
    SHA_CTX c = inner_;
    SHA1_Update(&c, a, a_len);
    SHA1_Update(&c, b, b_len);
    SHA1_Final(d, &c);
    c = outer_;
    SHA1_Update(&c, d, sizeof d);
    SHA1_Final(d, &c);
    std::memcpy(out, d, n);
  }
  ~HmacSha1() {
    OPENSSL_cleanse(&inner_, sizeof inner_);
    OPENSSL_cleanse(&outer_, sizeof outer_);
  }

 private:
  SHA_CTX inner_{}, outer_{};
};

// Which of the last kReplayWindow indices have been accepted, relative to the highest.
class ReplayWindow {
 public:
  static constexpr size_t kBits = SrtpSession::kReplayWindow;
  // `back`: how far below the highest index (0 = the highest itself).
  bool seen(uint64_t back) const { return back >= kBits || (words_[back / 64] >> (back % 64)) & 1; }
  void mark(uint64_t back) {
    if (back < kBits) words_[back / 64] |= uint64_t(1) << (back % 64);
  }
  // A new highest index, `by` above the old one.
  void advance(uint64_t by) {
    if (by >= kBits) {
      words_.fill(0);
    } else {
      size_t w = by / 64, b = by % 64;
      for (size_t i = kWords; i-- > 0;) {
        uint64_t v = i >= w ? words_[i - w] << b : 0;
        if (b && i >= w + 1) v |= words_[i - w - 1] >> (64 - b);
        words_[i] = v;
      }
    }
    words_[0] |= 1;
  }

 private:
  static constexpr size_t kWords = kBits / 64;
  std::array<uint64_t, kWords> words_{};
};

// The indices one SSRC has had accepted, of SRTP packets or of SRTCP packets.
struct Received {
  bool started = false;
  uint64_t highest = 0;
  ReplayWindow window;
  bool refused(uint64_t index) const { return started && index <= highest && window.seen(highest - index); }
  void accept(uint64_t index) {
    if (!started || index > highest) {
      window.advance(started ? index - highest : ReplayWindow::kBits);
      highest = index;
      started = true;
    } else {
      window.mark(highest - index);
    }
  }
};

// What one SSRC's packets have reached.
struct SsrcState {
  uint32_t ssrc = 0;
  // Inbound: what was accepted. Outbound: `rtp.highest` is the highest index sent (NACK
  // resends go below it), `rtcp_sent` the last SRTCP index.
  Received rtp;  // 48-bit packet indices: ROC << 16 | SEQ
  Received rtcp;
  uint32_t rtcp_sent = 0;
};

// RFC 3711 3.3.1, as libsrtp2 does it: while the highest index is at most 2^15, the ROC is
// taken as 0 (the guess would otherwise be ROC - 1 for a stream that starts high).
uint64_t estimate_index(uint64_t highest, uint16_t seq) {
  if (highest <= 0x8000) return seq;
  uint64_t roc = highest >> 16;
  uint16_t s_l = uint16_t(highest);
  if (s_l < 0x8000) {
    if (int(seq) - int(s_l) > 0x8000) --roc;
  } else if (int(s_l) - 0x8000 > int(seq)) {
    ++roc;
  }
  return roc << 16 | seq;
}

}  // namespace

struct SrtpSession::Impl final : SrtpSession {
  SrtpProfile profile;
  Direction dir;
  bool gcm = false;
  size_t tag_len = 0;
  SsrcState* last = nullptr;  // the state used last (hot fields first: one cache line)
  size_t n_ssrcs = 0;
  // Per kind (RTP, RTCP): the session salt, the prepared cipher, the HMAC (AES-CM).
  struct Keys {
    std::array<uint8_t, kCmSaltLen> salt{};
    CipherCtx cipher{nullptr, &EVP_CIPHER_CTX_free};
    HmacSha1 hmac;
  } rtp, rtcp;
  // SSRCs: the first few inline (a viewer's session has two), then on the heap, reserved
  // at once so that pointers to states stay valid.
  static constexpr size_t kInline = 3;
  std::array<SsrcState, kInline> inline_ssrcs;
  std::vector<SsrcState> more_ssrcs;

  ~Impl() {
    OPENSSL_cleanse(rtp.salt.data(), rtp.salt.size());
    OPENSSL_cleanse(rtcp.salt.data(), rtcp.salt.size());
  }

  bool init(std::string_view master) {
    const auto* key = reinterpret_cast<const uint8_t*>(master.data());
    const uint8_t* salt = key + kKeyLen;
    size_t salt_len = master.size() - kKeyLen;
    int enc = dir == Direction::outbound ? 1 : 0;
    uint8_t session_key[kKeyLen], auth_key[kAuthKeyLen];
    bool ok = true;
    for (int i = 0; i < 2 && ok; ++i) {
      Keys& k = i == 0 ? rtp : rtcp;
      uint8_t base = uint8_t(3 * i);  // labels 0-2 for SRTP, 3-5 for SRTCP
      ok = derive(key, salt, salt_len, base, session_key, kKeyLen) &&
           derive(key, salt, salt_len, uint8_t(base + 2), k.salt.data(), gcm ? kGcmSaltLen : kCmSaltLen);
      if (!ok) break;
      if (gcm) {
        k.cipher = cipher_ctx("AES-128-GCM", session_key, enc);
      } else {
        k.cipher = cipher_ctx("AES-128-CTR", session_key, 1);
        ok = derive(key, salt, salt_len, uint8_t(base + 1), auth_key, kAuthKeyLen);
        k.hmac.set_key(auth_key, kAuthKeyLen);
      }
      ok = ok && k.cipher != nullptr;
    }
    OPENSSL_cleanse(session_key, sizeof session_key);
    OPENSSL_cleanse(auth_key, sizeof auth_key);
    return ok;
  }

  // The state of `ssrc`; nullptr if unknown and `create` is false or there are too many.
  SsrcState* state(uint32_t ssrc, bool create) {
    if (last && last->ssrc == ssrc) return last;
    for (size_t i = 0; i < n_ssrcs; ++i) {
      SsrcState& s = i < kInline ? inline_ssrcs[i] : more_ssrcs[i - kInline];
      if (s.ssrc == ssrc) return last = &s;
    }
    if (!create || full()) return nullptr;
    if (n_ssrcs == kInline) more_ssrcs.reserve(kMaxSsrcs - kInline);
    if (n_ssrcs >= kInline) more_ssrcs.emplace_back();
    SsrcState& s = n_ssrcs < kInline ? inline_ssrcs[n_ssrcs] : more_ssrcs.back();
    ++n_ssrcs;
    s.ssrc = ssrc;
    return last = &s;
  }
  bool full() const { return n_ssrcs >= kMaxSsrcs; }

  // The AES-CM IV (RFC 3711 4.1.1): salt ^ SSRC << 64 ^ index << 16.
  static void cm_iv(const Keys& k, uint32_t ssrc, uint64_t index, uint8_t iv[16]) {
    std::memcpy(iv, k.salt.data(), kCmSaltLen);
    iv[14] = iv[15] = 0;
    for (int i = 0; i < 4; ++i) iv[4 + i] ^= uint8_t(ssrc >> (24 - 8 * i));
    for (int i = 0; i < 6; ++i) iv[8 + i] ^= uint8_t(index >> (40 - 8 * i));
  }
  // The GCM IV (RFC 7714 8.1, 9.1): salt ^ (0x0000 | SSRC | upper 32 | lower 16 bits).
  static void gcm_iv(const Keys& k, uint32_t ssrc, uint32_t upper, uint16_t lower, uint8_t iv[12]) {
    uint8_t v[12] = {0, 0};
    put_be32(v + 2, ssrc);
    put_be32(v + 6, upper);
    v[10] = uint8_t(lower >> 8);
    v[11] = uint8_t(lower);
    for (int i = 0; i < 12; ++i) iv[i] = v[i] ^ k.salt[size_t(i)];
  }

  // AES-CTR over `n` bytes in place.
  static bool ctr(Keys& k, const uint8_t iv[16], uint8_t* p, size_t n) {
    int outl = 0;
    if (EVP_CipherInit_ex(k.cipher.get(), nullptr, nullptr, nullptr, iv, 1) != 1) return false;
    return n == 0 || EVP_CipherUpdate(k.cipher.get(), p, &outl, p, int(n)) == 1;
  }

  // GCM over `n` bytes in place with two AAD parts; encrypting writes the tag to `tag`,
  // decrypting checks it.
  bool gcm_run(Keys& k, const uint8_t iv[12], const uint8_t* aad, size_t aad_len, const uint8_t* aad2, size_t aad2_len,
               uint8_t* p, size_t n, uint8_t* tag) {
    EVP_CIPHER_CTX* c = k.cipher.get();
    bool enc = dir == Direction::outbound;
    int outl = 0;
    if (EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, iv, -1) != 1) return false;
    if (EVP_CipherUpdate(c, nullptr, &outl, aad, int(aad_len)) != 1) return false;
    if (aad2_len && EVP_CipherUpdate(c, nullptr, &outl, aad2, int(aad2_len)) != 1) return false;
    if (n && EVP_CipherUpdate(c, p, &outl, p, int(n)) != 1) return false;
    if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, int(kGcmTagLen), tag) != 1) return false;
    if (EVP_CipherFinal_ex(c, p + n, &outl) != 1) return false;
    return !enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, int(kGcmTagLen), tag) == 1;
  }

  bool protect_rtp(uint8_t* p, size_t& len) {
    size_t hl = rtp_header_length(p, len);
    if (dir != Direction::outbound || hl == 0) return false;
    uint32_t ssrc = be32(p + 8);
    SsrcState* st = state(ssrc, true);
    if (st == nullptr) return false;
    uint64_t index = st->rtp.started ? estimate_index(st->rtp.highest, be16(p + 2)) : be16(p + 2);
    // A NACK retransmission resends an older index: allowed, and the highest stays.
    if (!st->rtp.started || index > st->rtp.highest) st->rtp.highest = index;
    st->rtp.started = true;
    uint32_t roc = uint32_t(index >> 16);
    if (gcm) {
      uint8_t iv[12];
      gcm_iv(rtp, ssrc, roc, uint16_t(index), iv);
      if (!gcm_run(rtp, iv, p, hl, nullptr, 0, p + hl, len - hl, p + len)) return false;
    } else {
      uint8_t iv[16], r[4];
      cm_iv(rtp, ssrc, index, iv);
      if (!ctr(rtp, iv, p + hl, len - hl)) return false;
      put_be32(r, roc);
      rtp.hmac.tag(p, len, r, 4, p + len, kCmTagLen);
    }
    len += tag_len;
    return true;
  }

  bool unprotect_rtp(uint8_t* p, size_t& len) {
    size_t hl = rtp_header_length(p, len);
    if (dir != Direction::inbound || hl == 0 || len < hl + tag_len) return false;
    uint32_t ssrc = be32(p + 8);
    SsrcState* st = state(ssrc, false);
    if (st == nullptr && full()) return false;
    uint16_t seq = be16(p + 2);
    uint64_t index = st && st->rtp.started ? estimate_index(st->rtp.highest, seq) : seq;
    if (st && st->rtp.refused(index)) return false;  // a replay, or older than the window
    size_t body = len - hl - tag_len;
    uint32_t roc = uint32_t(index >> 16);
    if (gcm) {
      uint8_t iv[12];
      gcm_iv(rtp, ssrc, roc, seq, iv);
      if (!gcm_run(rtp, iv, p, hl, nullptr, 0, p + hl, body, p + hl + body)) return false;
    } else {
      uint8_t iv[16], r[4], want[kCmTagLen];
      put_be32(r, roc);
      rtp.hmac.tag(p, hl + body, r, 4, want, kCmTagLen);
      if (CRYPTO_memcmp(want, p + hl + body, kCmTagLen) != 0) return false;
      cm_iv(rtp, ssrc, index, iv);
      if (!ctr(rtp, iv, p + hl, body)) return false;
    }
    // Authentic: only now does it count.
    (st ? st : state(ssrc, true))->rtp.accept(index);
    len = hl + body;
    return true;
  }

  bool protect_rtcp(uint8_t* p, size_t& len) {
    if (dir != Direction::outbound || len < 8 || (p[0] >> 6) != 2) return false;
    uint32_t ssrc = be32(p + 4);
    SsrcState* st = state(ssrc, true);
    if (st == nullptr || st->rtcp_sent >= kMaxSrtcpIndex) return false;  // the key is spent
    uint32_t index = ++st->rtcp_sent;
    uint8_t e_index[4];
    put_be32(e_index, index | 0x80000000u);
    size_t body = len - 8;
    if (gcm) {
      uint8_t iv[12];
      gcm_iv(rtcp, ssrc, uint32_t(index >> 16), uint16_t(index), iv);
      if (!gcm_run(rtcp, iv, p, 8, e_index, 4, p + 8, body, p + len)) return false;
      std::memcpy(p + len + kGcmTagLen, e_index, 4);
    } else {
      uint8_t iv[16];
      cm_iv(rtcp, ssrc, index, iv);
      if (!ctr(rtcp, iv, p + 8, body)) return false;
      std::memcpy(p + len, e_index, 4);
      rtcp.hmac.tag(p, len + 4, nullptr, 0, p + len + 4, kCmTagLen);
    }
    len += tag_len + kSrtcpIndexLen;
    return true;
  }

  bool unprotect_rtcp(uint8_t* p, size_t& len) {
    if (dir != Direction::inbound || len < 8 + tag_len + kSrtcpIndexLen || (p[0] >> 6) != 2) return false;
    uint32_t ssrc = be32(p + 4);
    SsrcState* st = state(ssrc, false);
    if (st == nullptr && full()) return false;
    // E+index is last with GCM and before the tag with AES-CM.
    const uint8_t* e_index = gcm ? p + len - kSrtcpIndexLen : p + len - kCmTagLen - kSrtcpIndexLen;
    uint32_t word = be32(e_index);
    if (!(word & 0x80000000u)) return false;  // unencrypted SRTCP: not what WebRTC sends
    uint32_t index = word & kMaxSrtcpIndex;
    if (st && st->rtcp.refused(index)) return false;
    size_t body = len - 8 - tag_len - kSrtcpIndexLen;
    if (gcm) {
      uint8_t iv[12];
      gcm_iv(rtcp, ssrc, uint32_t(index >> 16), uint16_t(index), iv);
      if (!gcm_run(rtcp, iv, p, 8, e_index, 4, p + 8, body, p + 8 + body)) return false;
    } else {
      uint8_t iv[16], want[kCmTagLen];
      rtcp.hmac.tag(p, len - kCmTagLen, nullptr, 0, want, kCmTagLen);
      if (CRYPTO_memcmp(want, p + len - kCmTagLen, kCmTagLen) != 0) return false;
      cm_iv(rtcp, ssrc, index, iv);
      if (!ctr(rtcp, iv, p + 8, body)) return false;
    }
    (st ? st : state(ssrc, true))->rtcp.accept(index);
    len = 8 + body;
    return true;
  }
};

size_t srtp_key_length(SrtpProfile) { return kKeyLen; }
size_t srtp_salt_length(SrtpProfile p) { return p == SrtpProfile::aead_aes_128_gcm ? kGcmSaltLen : kCmSaltLen; }

Result<std::unique_ptr<SrtpSession>> SrtpSession::create(SrtpProfile profile, Direction dir,
                                                         std::string_view key_and_salt) {
  size_t want = srtp_key_length(profile) + srtp_salt_length(profile);
  if (key_and_salt.size() != want)
    return std::unexpected(Error(ErrorCode::invalid_argument,
                                 "srtp: key and salt must be " + std::to_string(want) + " bytes"));
  auto impl = std::unique_ptr<Impl>(new Impl);
  impl->profile = profile;
  impl->dir = dir;
  impl->gcm = profile == SrtpProfile::aead_aes_128_gcm;
  impl->tag_len = impl->gcm ? kGcmTagLen : kCmTagLen;
  if (!impl->init(key_and_salt)) return std::unexpected(Error(ErrorCode::internal, "srtp: OpenSSL cipher setup failed"));
  return std::unique_ptr<SrtpSession>(std::move(impl));
}

bool SrtpSession::protect_rtp(uint8_t* p, size_t& len) { return static_cast<Impl*>(this)->protect_rtp(p, len); }
bool SrtpSession::unprotect_rtp(uint8_t* p, size_t& len) { return static_cast<Impl*>(this)->unprotect_rtp(p, len); }
bool SrtpSession::protect_rtcp(uint8_t* p, size_t& len) { return static_cast<Impl*>(this)->protect_rtcp(p, len); }
bool SrtpSession::unprotect_rtcp(uint8_t* p, size_t& len) { return static_cast<Impl*>(this)->unprotect_rtcp(p, len); }

}  // namespace onair::webrtc
