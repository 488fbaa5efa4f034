// webrtc_floor: the kernel + crypto floor of the WebRTC fan-out benchmark
// (bench/webrtc_fanout.sh runs it on the server's core). It sends the synthetic stream of
// webrtc_bench.hpp to N destinations doing only what an SFU cannot avoid per subscriber:
// copy the packet, rewrite its 12-byte fixed header (payload type, sequence number,
// timestamp, SSRC), SRTP-protect it with the destination's own SrtpSession (onair's, the
// same code and profile the server uses) and send it with sendmmsg in batches of 64, flushed
// after each source packet. No ICE, DTLS, RTCP, header extensions, statistics or NACK cache.
// It holds an inbound SRTP session per destination too, unused, as an SFU must.
// The destinations are the sockets of `webrtc_load --floor-sink`, whose ports it reads from
// --ports-file; the load client measures this process's CPU exactly as it measures onair's.
//
// --crypto: instead, time one SRTP protect of a 1174-byte video packet with onair's
// SrtpSession (OpenSSL) and with Debian's libsrtp2 (whose AES is NSS), for both profiles,
// with one session and taking turns over K live sessions as a fan-out does, and count heap
// allocations per packet (malloc is counted below).
#include <arpa/inet.h>

#include <csignal>
#include <netinet/in.h>
#include <srtp2/srtp.h>
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

// Heap allocations of the whole process, counted by wrapping glibc's allocator (OpenSSL,
// NSS and libsrtp calls resolve malloc to this definition too). Not under the sanitizers,
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
    // An SFU also keeps each subscriber's inbound session (for its RTCP): so does the floor.
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

// libsrtp2 as onair used to run it: any outbound SSRC, window 1024, resends allowed.
srtp_t libsrtp_session(rtc::SrtpProfile profile, std::string key) {
  static bool ok = srtp_init() == srtp_err_status_ok;
  if (!ok) return nullptr;
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  if (profile == rtc::SrtpProfile::aead_aes_128_gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  }
  policy.ssrc.type = ssrc_any_outbound;
  policy.key = reinterpret_cast<unsigned char*>(key.data());
  policy.window_size = 1024;
  policy.allow_repeat_tx = 1;
  srtp_t s = nullptr;
  return srtp_create(&s, &policy) == srtp_err_status_ok ? s : nullptr;
}

int run_crypto(int iterations) {
  onair::bench::SyntheticStream stream(onair::bench::StreamShape::for_kbps(1500), 1, 2, 0);
  uint8_t packet[kSlot];
  size_t size = 0;
  for (int i = 0; i < 100 && size < 1000; ++i) size = stream.next(int64_t(i) * 1'000'000, packet, sizeof packet).size;
  std::printf("one video packet: %zu bytes of RTP, %d iterations each\n", size, iterations);
  uint8_t buf[kSlot];
  const size_t ks[] = {1, 100, 500, 1000, 2000, 4000};

  for (auto profile : {rtc::SrtpProfile::aead_aes_128_gcm, rtc::SrtpProfile::aes128_cm_sha1_80}) {
    const char* name = profile == rtc::SrtpProfile::aead_aes_128_gcm ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80";
    // onair's SrtpSession; one protect in turn over K live sessions (the fan-out's pattern).
    std::vector<std::unique_ptr<rtc::SrtpSession>> ours;
    std::printf("onair (OpenSSL)  %-24s", name);
    for (size_t k : ks) {
      while (ours.size() < k) {
        auto s = rtc::SrtpSession::create(profile, rtc::SrtpSession::Direction::outbound,
                                          onair::bench::floor_key(ours.size(), profile));
        if (!s) return 1;
        ours.push_back(std::move(*s));
      }
      Timing t = time_per_packet(k == 1 ? iterations : std::min(iterations, 50000), [&](int i) {
        std::memcpy(buf, packet, size);
        rtc::rtp::set_sequence_number(buf, uint16_t(i / int(k)));
        size_t len = size;
        ours[size_t(i) % k]->protect_rtp(buf, len);
      });
      std::printf(" K=%zu %.0f ns %.2f allocs;", k, t.ns, t.allocations);
      std::fflush(stdout);
    }
    std::printf("\n");
    // Debian's libsrtp2 (NSS), the same.
    std::vector<srtp_t> theirs;
    std::printf("libsrtp2 (NSS)   %-24s", name);
    for (size_t k : ks) {
      while (theirs.size() < k) {
        srtp_t s = libsrtp_session(profile, onair::bench::floor_key(theirs.size(), profile));
        if (!s) return 1;
        theirs.push_back(s);
      }
      Timing t = time_per_packet(k == 1 ? iterations : std::min(iterations, 50000), [&](int i) {
        std::memcpy(buf, packet, size);
        rtc::rtp::set_sequence_number(buf, uint16_t(i / int(k)));
        int len = int(size);
        srtp_protect(theirs[size_t(i) % k], buf, &len);
      });
      std::printf(" K=%zu %.0f ns %.2f allocs;", k, t.ns, t.allocations);
      std::fflush(stdout);
    }
    std::printf("\n");
    for (srtp_t s : theirs) srtp_dealloc(s);
  }

  // What the fan-out adds per packet besides the cipher: the copy and the header rewrite.
  Timing t = time_per_packet(iterations, [&](int i) {
    std::memcpy(buf, packet, size);
    rtc::rtp::set_sequence_number(buf, uint16_t(i));
    rtc::rtp::set_timestamp(buf, uint32_t(i) * 3000);
    rtc::rtp::set_ssrc(buf, 42);
    asm volatile("" : : "r"(buf) : "memory");
  });
  std::printf("copy + header rewrite %7.0f ns/packet\n", t.ns);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string ports_file, profile = "gcm";
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
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (crypto) return run_crypto(iterations);
  if (ports_file.empty()) {
    std::fprintf(stderr,
                 "usage: webrtc_floor --ports-file F [--seconds 30] [--kbps 1500] [--profile gcm|cm]\n"
                 "       webrtc_floor --crypto [--iterations 200000]\n");
    return 2;
  }
  return run_floor(ports_file, seconds, kbps, onair::bench::parse_profile(profile));
}
