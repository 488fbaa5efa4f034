// webrtc_floor: the kernel + crypto floor of the WebRTC fan-out benchmark
// (bench/webrtc_fanout.sh runs it on the server's core). It sends the synthetic stream of
// webrtc_bench.hpp to N destinations doing only what an SFU cannot avoid per subscriber:
// copy the packet, rewrite its 12-byte fixed header (payload type, sequence number,
// timestamp, SSRC), srtp_protect it with the destination's own libsrtp2 session (the same
// library and profile onair uses) and send it with sendmmsg in batches of 64, flushed after
// each source packet. No ICE, DTLS, RTCP, header extensions, statistics or NACK cache. It
// holds an inbound SRTP session per destination too, unused, as an SFU must (see below).
// The destinations are the sockets of `webrtc_load --floor-sink`, whose ports it reads from
// --ports-file; the load client measures this process's CPU exactly as it measures onair's.
//
// --nss-tables time: before any SRTP session exists, initialize NSS without
// NSS_INIT_OPTIMIZESPACE, so that its softoken keeps session objects (every SRTP session's
// keys) in hash tables of 1024 buckets instead of 32; libsrtp2's NSS backend asks for the
// small tables and NSS keeps the first initialization's choice. The default, "space", leaves
// the initialization to libsrtp2, as onair does.
//
// --crypto: instead, time one SRTP protect of a 1174-byte video packet with libsrtp2
// (Debian's build is on NSS, docs/design/webrtc-notes.md 0.1) for both profiles, and with
// OpenSSL EVP doing the same cipher work with contexts kept across packets, and count heap
// allocations per packet (malloc is counted below).
#include <arpa/inet.h>
#include <nss.h>

#include <csignal>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "media/webrtc/rtp_packet.hpp"
#include "media/webrtc/srtp_session.hpp"
#include "webrtc_bench.hpp"

// Heap allocations of the whole process, counted by wrapping glibc's allocator (the NSS
// and libsrtp calls resolve malloc to this definition too). Not under the sanitizers,
// which bring their own allocator.
#if !defined(__SANITIZE_ADDRESS__)
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
}
namespace {
unsigned long long g_allocations = 0;
}
extern "C" void* malloc(size_t n) noexcept {
  ++g_allocations;
  return __libc_malloc(n);
}
extern "C" void* calloc(size_t n, size_t size) noexcept {
  ++g_allocations;
  return __libc_calloc(n, size);
}
extern "C" void* realloc(void* p, size_t n) noexcept {
  ++g_allocations;
  return __libc_realloc(p, n);
}
#else
namespace {
unsigned long long g_allocations = 0;
}
#endif

namespace {

namespace rtc = onair::webrtc;
using onair::bench::now_us;

volatile std::sig_atomic_t g_stop = 0;

constexpr size_t kBatch = 64;
constexpr size_t kSlot = 2048;

struct Destination {
  sockaddr_in addr{};
  std::unique_ptr<rtc::SrtpSession> srtp;
  std::unique_ptr<rtc::SrtpSession> inbound;  // unused, but an SFU holds one per subscriber
  uint16_t seq_offset[2];
  uint32_t ts_offset[2];
};

int run_floor(const std::string& ports_file, int seconds, int kbps, rtc::SrtpProfile profile) {
  std::vector<uint16_t> ports;
  for (int i = 0; i < 3000 && ports.empty(); ++i) {
    ports = onair::bench::read_ports(ports_file);
    if (ports.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (ports.empty()) {
    std::fprintf(stderr, "webrtc_floor: no ports in %s\n", ports_file.c_str());
    return 1;
  }
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  int sndbuf = 4 << 20;  // as onair's UDP port
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  std::vector<Destination> dests(ports.size());
  for (size_t i = 0; i < ports.size(); ++i) {
    Destination& d = dests[i];
    d.addr.sin_family = AF_INET;
    d.addr.sin_port = htons(ports[i]);
    d.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto s = rtc::SrtpSession::create(profile, rtc::SrtpSession::Direction::outbound,
                                      onair::bench::floor_key(i, profile));
    if (!s) {
      std::fprintf(stderr, "webrtc_floor: %s\n", s.error().message().c_str());
      return 1;
    }
    d.srtp = std::move(*s);
    // An SFU also keeps each subscriber's inbound session (for its RTCP); with NSS the
    // number of live keys changes the price of every protect, so the floor keeps them too.
    auto in = rtc::SrtpSession::create(profile, rtc::SrtpSession::Direction::inbound,
                                       onair::bench::floor_key(i + 1'000'000, profile));
    if (!in) return 1;
    d.inbound = std::move(*in);
    for (int k = 0; k < 2; ++k) {
      d.seq_offset[k] = uint16_t(i * 7919 + size_t(k) * 104729);
      d.ts_offset[k] = uint32_t(i * 2654435761u + uint32_t(k));
    }
  }

  // Preallocated like onair's UdpServer: 64 slots, their iovecs and message headers.
  struct Batch {
    alignas(64) uint8_t data[kBatch][kSlot];
    iovec iov[kBatch];
    mmsghdr msgs[kBatch];
  };
  auto batch = std::make_unique<Batch>();
  std::memset(batch->msgs, 0, sizeof batch->msgs);
  for (size_t i = 0; i < kBatch; ++i) {
    batch->iov[i] = {batch->data[i], 0};
    batch->msgs[i].msg_hdr.msg_iov = &batch->iov[i];
    batch->msgs[i].msg_hdr.msg_iovlen = 1;
    batch->msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
  }
  size_t queued = 0;
  uint64_t sent = 0, send_errors = 0, syscalls = 0, protect_failures = 0, protected_packets = 0;
  auto flush = [&] {
    size_t done = 0;
    while (done < queued) {
      int n = ::sendmmsg(fd, batch->msgs + done, unsigned(queued - done), MSG_DONTWAIT);
      ++syscalls;
      if (n < 0) {
        ++send_errors;
        if (errno == EINTR) continue;
        break;  // EAGAIN: dropped, as onair drops
      }
      done += size_t(n);
      sent += uint64_t(n);
    }
    queued = 0;
  };

  onair::bench::SyntheticStream stream(onair::bench::StreamShape::for_kbps(kbps), 1, 2, now_us());
  uint8_t source[kSlot];
  int64_t end = now_us() + int64_t(seconds) * 1'000'000;
  unsigned long long allocations0 = g_allocations;
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  while (now_us() < end && !g_stop) {
    int64_t wait = stream.next_due_us() - now_us();
    if (wait > 0) std::this_thread::sleep_for(std::chrono::microseconds(wait));
    int64_t now = now_us();
    for (;;) {
      auto s = stream.next(now, source, sizeof source - rtc::SrtpSession::kMaxTrailer);
      if (s.size == 0) break;
      int k = s.video ? 1 : 0;
      uint16_t seq = uint16_t((source[2] << 8) | source[3]);
      uint32_t ts = (uint32_t(source[4]) << 24) | (uint32_t(source[5]) << 16) | (uint32_t(source[6]) << 8) | source[7];
      for (size_t i = 0; i < dests.size(); ++i) {
        Destination& d = dests[i];
        uint8_t* slot = batch->data[queued];
        std::memcpy(slot, source, s.size);
        rtc::rtp::set_payload_type(slot, s.video ? onair::bench::kVp8Pt : onair::bench::kOpusPt);
        rtc::rtp::set_sequence_number(slot, uint16_t(seq + d.seq_offset[k]));
        rtc::rtp::set_timestamp(slot, ts + d.ts_offset[k]);
        rtc::rtp::set_ssrc(slot, onair::bench::floor_ssrc(i, s.video));
        size_t len = s.size;
        if (!d.srtp->protect_rtp(slot, len)) {
          ++protect_failures;
          continue;
        }
        ++protected_packets;
        batch->iov[queued].iov_len = len;
        batch->msgs[queued].msg_hdr.msg_name = &d.addr;
        if (++queued == kBatch) flush();
      }
      flush();
    }
  }
  unsigned long long allocations = g_allocations - allocations0;
  std::printf("floor: destinations=%zu sent=%llu sendmmsg_calls=%llu send_errors=%llu protect_failures=%llu "
              "heap_allocations_per_packet=%.2f\n",
              dests.size(), (unsigned long long)sent, (unsigned long long)syscalls, (unsigned long long)send_errors,
              (unsigned long long)protect_failures,
              protected_packets ? double(allocations) / double(protected_packets) : 0.0);
  return 0;
}

// --- --crypto: the price of one SRTP protect ---

struct Timing {
  double ns = 0;
  double allocations = 0;
};

template <class F>
Timing time_per_packet(int iterations, F&& protect_one) {
  for (int i = 0; i < 2000; ++i) protect_one(i);  // warm up
  unsigned long long a0 = g_allocations;
  int64_t t0 = now_us();
  for (int i = 0; i < iterations; ++i) protect_one(i);
  int64_t t1 = now_us();
  return {double(t1 - t0) * 1000.0 / iterations, double(g_allocations - a0) / iterations};
}

int run_crypto(int iterations) {
  onair::bench::SyntheticStream stream(onair::bench::StreamShape::for_kbps(1500), 1, 2, 0);
  uint8_t packet[kSlot];
  size_t size = 0;
  for (int i = 0; i < 100 && size < 1000; ++i) size = stream.next(int64_t(i) * 1'000'000, packet, sizeof packet).size;
  auto parsed = rtc::rtp::Packet::parse(packet, size);
  if (!parsed) return 1;
  size_t header = parsed->header_size();
  std::printf("one video packet: %zu bytes of RTP (%zu of header), %d iterations each\n", size, header, iterations);
  uint8_t buf[kSlot];

  for (auto profile : {rtc::SrtpProfile::aead_aes_128_gcm, rtc::SrtpProfile::aes128_cm_sha1_80}) {
    auto s = rtc::SrtpSession::create(profile, rtc::SrtpSession::Direction::outbound,
                                      onair::bench::floor_key(0, profile));
    if (!s) return 1;
    rtc::SrtpSession& session = **s;
    Timing t = time_per_packet(iterations, [&](int i) {
      std::memcpy(buf, packet, size);
      rtc::rtp::set_sequence_number(buf, uint16_t(i));
      size_t len = size;
      session.protect_rtp(buf, len);
    });
    std::printf("libsrtp2 (NSS) %-22s %7.0f ns/packet  %5.2f heap allocations/packet\n",
                profile == rtc::SrtpProfile::aead_aes_128_gcm ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80",
                t.ns, t.allocations);
  }

  // The fan-out protects with many sessions in turn; NSS keeps every session's key as a
  // softoken object. Does the price of one protect depend on how many sessions exist?
  for (auto profile : {rtc::SrtpProfile::aead_aes_128_gcm, rtc::SrtpProfile::aes128_cm_sha1_80}) {
    std::vector<std::unique_ptr<rtc::SrtpSession>> sessions;
    std::printf("libsrtp2 (NSS) %s, one protect in turn over K live sessions:",
                profile == rtc::SrtpProfile::aead_aes_128_gcm ? "GCM" : "CM");
    for (size_t k : {1, 100, 500, 1000, 2000, 4000}) {
      while (sessions.size() < k) {
        auto s = rtc::SrtpSession::create(profile, rtc::SrtpSession::Direction::outbound,
                                          onair::bench::floor_key(sessions.size(), profile));
        if (!s) return 1;
        sessions.push_back(std::move(*s));
      }
      Timing t = time_per_packet(std::min(iterations, 50000), [&](int i) {
        std::memcpy(buf, packet, size);
        rtc::rtp::set_sequence_number(buf, uint16_t(i / int(k)));
        size_t len = size;
        sessions[size_t(i) % k]->protect_rtp(buf, len);
      });
      std::printf(" K=%zu %.0f ns", k, t.ns);
      std::fflush(stdout);
    }
    std::printf("\n");
  }

  // The same cipher work on OpenSSL EVP, contexts made once: AES-128-GCM with the header as
  // AAD (RFC 7714 8.1), and AES-128-CTR + HMAC-SHA1-80 (RFC 3711 4.1.1, 4.2.1). Keys and IVs
  // are not derived as SRTP does (that is once per session); the per-packet work is the same.
  unsigned char key[16], iv[16] = {}, tag[20];
  std::memcpy(key, onair::bench::floor_key(1, rtc::SrtpProfile::aes128_cm_sha1_80).data(), 16);
  EVP_CIPHER_CTX* gcm = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(gcm, EVP_aes_128_gcm(), nullptr, key, nullptr);
  EVP_CIPHER_CTX_ctrl(gcm, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr);
  Timing t = time_per_packet(iterations, [&](int i) {
    std::memcpy(buf, packet, size);
    iv[11] = uint8_t(i), iv[10] = uint8_t(i >> 8);
    int out = 0;
    EVP_EncryptInit_ex(gcm, nullptr, nullptr, nullptr, iv);
    EVP_EncryptUpdate(gcm, nullptr, &out, buf, int(header));
    EVP_EncryptUpdate(gcm, buf + header, &out, buf + header, int(size - header));
    EVP_EncryptFinal_ex(gcm, buf + size, &out);
    EVP_CIPHER_CTX_ctrl(gcm, EVP_CTRL_GCM_GET_TAG, 16, buf + size);
  });
  std::printf("OpenSSL EVP    %-22s %7.0f ns/packet  %5.2f heap allocations/packet\n", "AES-128-GCM", t.ns,
              t.allocations);
  EVP_CIPHER_CTX_free(gcm);

  EVP_CIPHER_CTX* ctr = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(ctr, EVP_aes_128_ctr(), nullptr, key, iv);
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* mac = EVP_MAC_CTX_new(hmac);
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  EVP_MAC_init(mac, key, 16, params);
  t = time_per_packet(iterations, [&](int i) {
    std::memcpy(buf, packet, size);
    iv[15] = uint8_t(i), iv[14] = uint8_t(i >> 8);
    int out = 0;
    EVP_EncryptInit_ex(ctr, nullptr, nullptr, nullptr, iv);
    EVP_EncryptUpdate(ctr, buf + header, &out, buf + header, int(size - header));
    uint8_t roc[4] = {};
    size_t mac_len = 0;
    EVP_MAC_init(mac, nullptr, 0, nullptr);
    EVP_MAC_update(mac, buf, size);
    EVP_MAC_update(mac, roc, sizeof roc);
    EVP_MAC_final(mac, tag, &mac_len, sizeof tag);
    std::memcpy(buf + size, tag, 10);
  });
  std::printf("OpenSSL EVP    %-22s %7.0f ns/packet  %5.2f heap allocations/packet\n", "AES-128-CTR+HMAC-SHA1", t.ns,
              t.allocations);
  EVP_MAC_CTX_free(mac);
  EVP_MAC_free(hmac);
  EVP_CIPHER_CTX_free(ctr);

  // What the fan-out adds per packet besides the cipher: the copy and the header rewrite.
  t = time_per_packet(iterations, [&](int i) {
    std::memcpy(buf, packet, size);
    rtc::rtp::set_sequence_number(buf, uint16_t(i));
    rtc::rtp::set_timestamp(buf, uint32_t(i) * 3000);
    rtc::rtp::set_ssrc(buf, 42);
    asm volatile("" : : "r"(buf) : "memory");
  });
  std::printf("copy + header rewrite                 %7.0f ns/packet\n", t.ns);
  return 0;
}

// NSS for libsrtp2 with the hash tables of `mode` ("time" or "space"); see the header.
bool init_nss(const std::string& mode) {
  if (mode != "time") return true;
  unsigned flags = NSS_INIT_READONLY | NSS_INIT_NOCERTDB | NSS_INIT_NOMODDB | NSS_INIT_FORCEOPEN;
  return NSS_InitContext("", "", "", "", nullptr, flags) != nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  std::string ports_file, profile = "gcm", nss_tables = "space";
  int seconds = 30, kbps = 1500, iterations = 200000;
  bool crypto = false;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--crypto") {
      crypto = true;
      continue;
    }
    if (i + 1 >= argc) break;
    std::string v = argv[++i];
    if (k == "--ports-file") ports_file = v;
    else if (k == "--seconds") seconds = std::stoi(v);
    else if (k == "--kbps") kbps = std::stoi(v);
    else if (k == "--profile") profile = v;
    else if (k == "--iterations") iterations = std::stoi(v);
    else if (k == "--nss-tables") nss_tables = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (!init_nss(nss_tables)) {
    std::fprintf(stderr, "webrtc_floor: NSS_InitContext failed\n");
    return 1;
  }
  if (crypto) return run_crypto(iterations);
  if (ports_file.empty()) {
    std::fprintf(stderr,
                 "usage: webrtc_floor --ports-file F [--seconds 30] [--kbps 1500] [--profile gcm|cm]\n"
                 "                    [--nss-tables space|time]\n"
                 "       webrtc_floor --crypto [--iterations 200000] [--nss-tables space|time]\n");
    return 2;
  }
  return run_floor(ports_file, seconds, kbps, onair::bench::parse_profile(profile));
}
