// webrtc_load: the load client of the WebRTC fan-out benchmark (bench/webrtc_fanout.sh runs
// it). One thread, epoll, one UDP socket per peer. It publishes one stream over WHIP and
// plays it with N WHEP subscribers, each a peer the way a browser is one: an SDP offer built
// with onair's own SDP writer (BUNDLE, rtcp-mux, Opus + VP8 with Chromium 156's extension
// ids), a full ICE agent in the controlling role (Binding requests with USE-CANDIDATE, then a
// consent check every 5 s, RFC 7675), the DTLS client of onair's DtlsTransport, and SRTP
// sessions from the exported keys. The publisher sends the synthetic stream of
// webrtc_bench.hpp (1.5 Mbit/s of VP8 + Opus by default), answers PLI with a keyframe and
// sends SR every second; each subscriber counts what it receives and sends RR every second.
//
// Cost control: the client has one core, the server the other. Only 1
// subscriber in 16 reads whole datagrams and verifies them (srtp_unprotect of every RTP and
// RTCP packet); the others, once connected, read only the first 16 bytes of each datagram
// (recvmmsg with MSG_TRUNC still reports the real size), enough for the plain RTP header:
// payload type, sequence number (for loss) and size. Every subscriber still receives every
// datagram through its own socket. client_full_reads counts reads that found a full batch
// waiting: many of them mean the client lags and the figures are not the server's.
//
// Subscribers connect before the media starts. After all of them receive video and
// --warmup seconds pass, it measures --seconds and
// prints one line per second and a summary: packets/s and Mbit/s received per subscriber
// (min and median), subscribers that kept up (>= 90% of the packets the publisher sent),
// the server's CPU (--server-pid, /proc/<pid>/stat) and from it forwarded packets per
// server core-second and subscribers per core at this stream's packet rate.
//
// --streams N: N publishers (streams <stream>-0 ..), subscriber i playing stream i % N.
// --whep-only 1: no publishers, the streams exist (RTMP ones, for bench/bridge.sh). --codec
// h264 --h264-file F: offers name H.264, and publishers send F's access units and real Opus
// (h264_source.hpp) instead of the synthetic stream.
//
// --floor-sink: no server. Open N receiving sockets, write their ports to --ports-file, and
// count what bench/webrtc_floor sends to them (its pid comes from --pid-file) exactly as
// above; 1 in 16 destinations are verified with the floor's keys (webrtc_bench.hpp).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "media/webrtc/certificate.hpp"
#include "media/webrtc/demux.hpp"
#include "media/webrtc/dtls_transport.hpp"
#include "media/webrtc/rtcp.hpp"
#include "media/webrtc/rtp_packet.hpp"
#include "media/webrtc/sdp.hpp"
#include "media/webrtc/ice_lite.hpp"
#include "media/webrtc/srtp_session.hpp"
#include "media/webrtc/stun.hpp"
#include "media/webrtc/twcc.hpp"
#include "proc_stat.hpp"
#include "h264_source.hpp"
#include "webrtc_bench.hpp"

namespace {

namespace rtc = onair::webrtc;
namespace sdp = onair::webrtc::sdp;
namespace stun = onair::webrtc::stun;
namespace rtcp = onair::webrtc::rtcp;
using onair::bench::cpu_seconds;
using onair::bench::now_us;

struct Options {
  int http_port = 8080;
  std::string stream = "bench";
  int subscribers = 100;
  int seconds = 15;
  int warmup = 3;
  int server_pid = 0;
  int kbps = 1500;
  int verify_every = 16;
  int setup_window = 64;  // peers between offer and connected at once
  int server_core = 0;
  std::string profile;    // "gcm" / "cm": the only SRTP profile offered; empty: both
  bool floor_sink = false;
  std::string ports_file, pid_file;
  // Several streams: --streams N publishers (streams <stream>-0 .. -N-1), subscriber i
  // playing stream i % N. --whep-only: no publishers; the streams exist already (RTMP
  // publishers, for the bridge benchmark). --codec h264 --h264-file F: the publishers send F
  // and real Opus (H264Source), and every offer names H.264 instead of VP8.
  int streams = 1;
  bool whep_only = false;
  std::string codec = "vp8";
  std::string h264_file;
  int fps = 30;
};

int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}


// --- HTTP (blocking, one request per connection; loopback only) ---

struct HttpReply {
  int status = 0;
  std::string location;
  std::string body;
};

HttpReply http(int port, const std::string& method, const std::string& path, const std::string& content_type,
               const std::string& body) {
  HttpReply out;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return out;
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!content_type.empty()) req += "Content-Type: " + content_type + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string raw;
  char buf[16384];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, size_t(n));
  ::close(fd);
  auto head_end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || head_end == std::string::npos) return out;
  out.status = std::atoi(raw.c_str() + 9);
  std::istringstream head(raw.substr(0, head_end));
  for (std::string line; std::getline(head, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > 9 && strncasecmp(line.c_str(), "location:", 9) == 0) out.location = line.substr(10);
  }
  out.body = raw.substr(head_end + 4);
  return out;
}

// A counter from the server's /metrics (0 when absent).
double server_metric(int port, const std::string& name) {
  HttpReply r = http(port, "GET", "/metrics", "", "");
  std::istringstream in(r.body);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name + " ", 0) == 0) return std::atof(line.c_str() + name.size() + 1);
  return 0;
}

// Receive-buffer drops of every UDP socket on the host (/proc/net/snmp Udp: RcvbufErrors).
uint64_t udp_rcvbuf_errors() {
  std::ifstream f("/proc/net/snmp");
  std::string names, values, line;
  while (std::getline(f, line)) {
    if (line.rfind("Udp: ", 0) != 0) continue;
    if (names.empty())
      names = line;
    else
      values = line;
  }
  std::istringstream n(names), v(values);
  for (std::string key, value; n >> key && v >> value;)
    if (key == "RcvbufErrors") return std::stoull(value);
  return 0;
}

// Datagrams dropped by full receive buffers, per local UDP port (/proc/net/udp "drops").
std::vector<uint64_t> udp_drops_by_port() {
  std::vector<uint64_t> drops(65536, 0);
  std::ifstream f("/proc/net/udp");
  std::string line;
  std::getline(f, line);  // header
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string sl, local, field;
    in >> sl >> local;
    auto colon = local.find(':');
    if (colon == std::string::npos) continue;
    unsigned port = unsigned(std::stoul(local.substr(colon + 1), nullptr, 16));
    std::string last;
    while (in >> field) last = field;
    if (port < drops.size() && !last.empty()) drops[port] += std::stoull(last);
  }
  return drops;
}

// Busy and total jiffies of one core (/proc/stat), and the pid of its ksoftirqd: the kernel
// may defer the server's softirq work (loopback delivery) to that thread, whose CPU then
// does not show in the server's /proc/<pid>/stat.
struct CoreTimes {
  double busy = 0, total = 0;
};
CoreTimes core_times(int core) {
  std::ifstream f("/proc/stat");
  std::string name = "cpu" + std::to_string(core), line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string first;
    in >> first;
    if (first != name) continue;
    double v[8] = {};
    for (double& x : v) in >> x;
    // user nice system idle iowait irq softirq steal
    return {v[0] + v[1] + v[2] + v[5] + v[6] + v[7], v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7]};
  }
  return {};
}
int ksoftirqd_pid(int core) {
  std::string want = "ksoftirqd/" + std::to_string(core);
  for (int pid = 1; pid < 200; ++pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/comm");
    std::string comm;
    if (std::getline(f, comm) && comm == want) return pid;
  }
  return 0;
}

// --- one received RTP stream: sequence numbers for loss (RFC 3550 A.1, simplified) ---

struct TrackCount {
  bool started = false;
  uint16_t base = 0, max = 0;
  uint32_t cycles = 0;
  uint64_t received = 0;
  uint32_t ssrc = 0;

  void on_packet(uint16_t seq, uint32_t from_ssrc) {
    ++received;
    if (!started) {
      started = true;
      base = max = seq;
      ssrc = from_ssrc;
      return;
    }
    uint16_t delta = uint16_t(seq - max);
    if (delta != 0 && delta < 0x8000) {
      if (seq < max) cycles += 65536;
      max = seq;
    }
  }
  uint32_t extended_max() const { return cycles + max; }
  uint64_t expected() const { return started ? uint64_t(extended_max()) - base + 1 : 0; }
};

// --- a peer ---

class Client;

struct Peer final : rtc::DtlsTransport::Listener {
  enum class State { checking, handshaking, connected, failed };

  Client* client = nullptr;
  size_t index = 0;
  bool publisher = false;
  bool verify = false;  // reads whole datagrams and unprotects them
  int fd = -1;
  uint16_t port = 0;         // ours
  uint16_t server_port = 0;  // the answer's candidate
  State state = State::checking;
  std::string ufrag, pwd, remote_ufrag, remote_pwd;
  std::unique_ptr<rtc::DtlsTransport> dtls;
  std::unique_ptr<rtc::SrtpSession> srtp_in, srtp_out;
  stun::TransactionId tx{};
  std::string tiebreaker;
  int checks = 0;
  int64_t started_us = 0, next_check_us = 0, next_report_us = 0, connected_us = 0;
  uint32_t rtcp_ssrc = 0;
  uint32_t lsr = 0;  // of the last SR, for the RR (verified subscribers only)
  int64_t lsr_at_us = 0;
  std::string fail_reason;
  bool pending = false;  // counted in Client::pending_ until connected or failed
  // A publisher's media and SSRCs.
  std::unique_ptr<onair::bench::MediaSource> source;
  uint32_t audio_ssrc = 0, video_ssrc = 0;

  // Counts. Media = RTP of the two negotiated payload types.
  uint64_t media = 0, bytes = 0, rtcp_in = 0, stun_in = 0, verified = 0, srtp_failures = 0, other = 0;
  TrackCount audio, video;
  uint64_t media_mark = 0, bytes_mark = 0;  // at the last per-second line
  uint64_t media_w0 = 0, bytes_w0 = 0, expected_w0 = 0, received_w0 = 0;  // at the window's start

  void on_dtls_send(std::span<const uint8_t> d) override { ::send(fd, d.data(), d.size(), MSG_DONTWAIT); }
  void on_dtls_connected(const rtc::SrtpKeys& keys) override;
  void on_dtls_closed(std::string_view reason) override;
  bool fast_path() const { return !verify && !publisher && state == State::connected; }
};

int open_udp(uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int rcvbuf = 256 * 1024;  // about a second of the stream
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

// A browser-like offer: BUNDLE of an Opus and a VP8 section, rtcp-mux, our ICE credentials
// and fingerprint, setup:actpass, Chromium's extension ids, one host candidate.
std::string make_offer(const Peer& p, const std::string& fingerprint, uint16_t port, uint32_t audio_ssrc,
                       uint32_t video_ssrc, bool h264) {
  sdp::SessionDescription d;
  d.origin.session_id = std::to_string(rtc::random_ssrc()) + std::to_string(rtc::random_ssrc());
  d.origin.session_version = "2";
  d.bundle = {"0", "1"};
  d.extmap_allow_mixed = true;
  d.msid_semantic = "WMS";
  std::string cname = rtc::ice_string(16);
  for (int kind = 0; kind < 2; ++kind) {
    bool audio = kind == 0;
    sdp::MediaSection m;
    m.kind = audio ? "audio" : "video";
    m.port = 9;
    m.proto = "UDP/TLS/RTP/SAVPF";
    m.connection = "IN IP4 0.0.0.0";
    m.rtcp = "9 IN IP4 0.0.0.0";
    m.ice_ufrag = p.ufrag;
    m.ice_pwd = p.pwd;
    m.ice_options = "trickle";
    m.fingerprint = {"sha-256", fingerprint};
    m.setup = sdp::Setup::actpass;
    m.mid = audio ? "0" : "1";
    m.direction = p.publisher ? sdp::Direction::sendonly : sdp::Direction::recvonly;
    m.rtcp_mux = true;
    m.rtcp_rsize = true;
    if (audio) {
      m.formats = {"111"};
      m.codecs.push_back({onair::bench::kOpusPt, "opus", 48000, 2, "minptime=10;useinbandfec=1", {"transport-cc"}});
      m.extmaps = {{onair::bench::kExtAudioLevel, sdp::Direction::none, std::string(rtc::rtp::ext::kAudioLevelUri), ""},
                   {onair::bench::kExtAbsSendTime, sdp::Direction::none, std::string(rtc::rtp::ext::kAbsSendTimeUri), ""},
                   {onair::bench::kExtTransportCc, sdp::Direction::none, std::string(rtc::rtp::ext::kTransportCcUri), ""},
                   {onair::bench::kExtMid, sdp::Direction::none, std::string(rtc::rtp::ext::kMidUri), ""}};
    } else if (h264) {
      m.formats = {"102"};
      m.codecs.push_back({onair::bench::kH264Pt, "H264", 90000, 0,
                          "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
                          {"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"}});
    } else {
      m.formats = {"96", "97"};
      m.codecs.push_back(
          {onair::bench::kVp8Pt, "VP8", 90000, 0, "", {"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"}});
      m.codecs.push_back({97, "rtx", 90000, 0, "apt=96", {}});
    }
    if (!audio) {
      m.extmaps = {{onair::bench::kExtAbsSendTime, sdp::Direction::none, std::string(rtc::rtp::ext::kAbsSendTimeUri), ""},
                   {onair::bench::kExtTransportCc, sdp::Direction::none, std::string(rtc::rtp::ext::kTransportCcUri), ""},
                   {onair::bench::kExtMid, sdp::Direction::none, std::string(rtc::rtp::ext::kMidUri), ""},
                   {10, sdp::Direction::none, std::string(rtc::rtp::ext::kRidUri), ""},
                   {11, sdp::Direction::none, std::string(rtc::rtp::ext::kRepairedRidUri), ""}};
    }
    if (p.publisher) {
      std::string track = audio ? "bench-audio" : "bench-video";
      m.msid = sdp::Msid{"-", track};
      m.ssrcs.push_back({audio ? audio_ssrc : video_ssrc, cname, "- " + track});
    }
    sdp::Candidate c;
    c.foundation = "1";
    c.priority = 2122260223;
    c.address = "127.0.0.1";
    c.port = port;
    c.extensions = "generation 0";
    m.candidates.push_back(c);
    d.media.push_back(std::move(m));
  }
  return sdp::write(d);
}

// --- the client ---

class Client {
 public:
  explicit Client(Options o) : opt_(std::move(o)), shape_(onair::bench::StreamShape::for_kbps(opt_.kbps)) {}

  int run();

  // Called by peers.
  void connected(Peer& p);
  void failed(Peer& p, std::string reason);

 private:
  static constexpr size_t kBatch = 64;

  bool setup_server_mode();
  bool setup_floor_sink();
  std::unique_ptr<Peer> new_peer(bool publisher, size_t index);
  bool negotiate(Peer& p, const std::string& path, uint32_t audio_ssrc, uint32_t video_ssrc);
  std::string stream_name(size_t i) const {
    return opt_.streams == 1 ? opt_.stream : opt_.stream + "-" + std::to_string(i % size_t(opt_.streams));
  }
  static constexpr uint64_t kPublisherId = uint64_t(1) << 40;  // epoll ids of publishers: this + index
  void pump(int max_wait_ms);
  void read_peer(Peer& p);
  void on_datagram(Peer& p, uint8_t* data, size_t len);
  void count_rtp(Peer& p, const uint8_t* header, size_t real_len);
  void on_publisher_rtcp(Peer& p, uint8_t* data, size_t len);
  void on_stun(Peer& p, const uint8_t* data, size_t len);
  void send_check(Peer& p, bool nominate);
  void send_media();
  void send_reports(Peer& p, int64_t now);
  void housekeeping(int64_t now);
  void report_second(int64_t now);
  void start_window();
  int finish();
  size_t pending() const { return pending_; }

  Options opt_;
  onair::bench::StreamShape shape_;
  std::shared_ptr<const rtc::DtlsContext> dtls_;
  int ep_ = -1;
  std::vector<std::unique_ptr<Peer>> pubs_;
  std::vector<std::unique_ptr<Peer>> subs_;
  std::shared_ptr<const onair::bench::H264Clip> clip_;  // --codec h264
  size_t pending_ = 0;  // peers not yet connected or failed
  uint64_t full_reads_ = 0, full_reads_w0_ = 0;  // reads that found 64 datagrams waiting: we lag
  int64_t next_housekeeping_ = 0;

  // Publisher counts.
  uint64_t sent_ = 0, sent_bytes_ = 0, plis_ = 0, nacks_ = 0, twcc_received_ = 0, twcc_lost_ = 0, pub_rtcp_ = 0;
  uint64_t sent_mark_ = 0;

  // Measuring.
  bool measuring_ = false;
  int64_t window_start_ = 0, next_second_ = 0, last_second_ = 0;
  int second_ = 0;
  double server_cpu_mark_ = 0, server_cpu_w0_ = 0, self_cpu_w0_ = 0;
  uint64_t sent_w0_ = 0, rcvbuf_w0_ = 0, plis_w0_ = 0;
  CoreTimes core_w0_;
  std::vector<uint64_t> drops_w0_;
  int ksoftirqd_ = 0;
  double ksoftirqd_w0_ = 0;

  // Receive buffers: whole datagrams, and 16-byte heads for the fast path.
  struct Batch {
    uint8_t data[kBatch][2048];
    iovec iov[kBatch];
    mmsghdr msgs[kBatch];
  };
  std::unique_ptr<Batch> full_ = std::make_unique<Batch>();
  std::unique_ptr<Batch> heads_ = std::make_unique<Batch>();
};

void Peer::on_dtls_connected(const rtc::SrtpKeys& keys) {
  auto out = rtc::SrtpSession::create(keys.profile, rtc::SrtpSession::Direction::outbound, keys.local);
  if (!out) {
    client->failed(*this, "SRTP outbound session: " + out.error().message());
    return;
  }
  srtp_out = std::move(*out);
  if (verify || publisher) {
    auto in = rtc::SrtpSession::create(keys.profile, rtc::SrtpSession::Direction::inbound, keys.remote);
    if (!in) {
      client->failed(*this, "SRTP inbound session: " + in.error().message());
      return;
    }
    srtp_in = std::move(*in);
  }
  client->connected(*this);
}

void Peer::on_dtls_closed(std::string_view reason) { client->failed(*this, "dtls: " + std::string(reason)); }

void Client::connected(Peer& p) {
  int64_t now = now_us();
  p.state = Peer::State::connected;
  p.connected_us = now;
  p.next_report_us = now + 1'000'000;
  p.next_check_us = now + 5'000'000;  // consent freshness (RFC 7675 5.1)
  if (p.pending) --pending_;
  p.pending = false;
}

void Client::failed(Peer& p, std::string reason) {
  if (p.state == Peer::State::failed) return;
  p.state = Peer::State::failed;
  p.fail_reason = std::move(reason);
  if (p.pending) --pending_;
  p.pending = false;
}

std::unique_ptr<Peer> Client::new_peer(bool publisher, size_t index) {
  auto p = std::make_unique<Peer>();
  p->client = this;
  p->index = index;
  p->publisher = publisher;
  p->verify = !publisher && opt_.verify_every > 0 && index % size_t(opt_.verify_every) == 0;
  p->rtcp_ssrc = rtc::random_ssrc();
  p->started_us = now_us();
  return p;
}

bool Client::negotiate(Peer& p, const std::string& path, uint32_t audio_ssrc, uint32_t video_ssrc) {
  uint16_t port = 0;
  p.fd = open_udp(port);
  if (p.fd < 0) {
    std::fprintf(stderr, "cannot open a UDP socket: %s\n", std::strerror(errno));
    return false;
  }
  p.port = port;
  p.ufrag = rtc::ice_string(8);
  p.pwd = rtc::ice_string(24);
  RAND_bytes(reinterpret_cast<unsigned char*>(p.tiebreaker.assign(8, '\0').data()), 8);
  std::string offer = make_offer(p, dtls_->certificate().fingerprint(), port, audio_ssrc, video_ssrc, opt_.codec == "h264");
  HttpReply r = http(opt_.http_port, "POST", path, "application/sdp", offer);
  if (r.status != 201) {
    std::fprintf(stderr, "POST %s: status %d: %s\n", path.c_str(), r.status, r.body.c_str());
    return false;
  }
  auto answer = sdp::parse(r.body);
  if (!answer || answer->media.empty()) {
    std::fprintf(stderr, "POST %s: the answer does not parse\n", path.c_str());
    return false;
  }
  const sdp::MediaSection& m = answer->media.front();
  p.remote_ufrag = !m.ice_ufrag.empty() ? m.ice_ufrag : answer->ice_ufrag;
  p.remote_pwd = !m.ice_pwd.empty() ? m.ice_pwd : answer->ice_pwd;
  sdp::Fingerprint fp = !m.fingerprint.empty() ? m.fingerprint : answer->fingerprint;
  sdp::Setup setup = m.setup != sdp::Setup::none ? m.setup : answer->setup;
  const sdp::Candidate* cand = nullptr;
  for (const auto& c : m.candidates)
    if (strcasecmp(c.transport.c_str(), "udp") == 0 && c.address.find(':') == std::string::npos) {
      cand = &c;
      break;
    }
  if (!cand || p.remote_ufrag.empty() || fp.empty()) {
    std::fprintf(stderr, "POST %s: the answer lacks an IPv4 UDP candidate, ICE credentials or a fingerprint\n",
                 path.c_str());
    return false;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(cand->port);
  p.server_port = cand->port;
  inet_pton(AF_INET, cand->address.c_str(), &to.sin_addr);
  ::connect(p.fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
  // RFC 8842 5.3: the answerer that says passive is the DTLS server.
  auto role = setup == sdp::Setup::active ? rtc::DtlsTransport::Role::server : rtc::DtlsTransport::Role::client;
  auto d = rtc::DtlsTransport::create(dtls_, role, fp.algorithm, fp.value, p);
  if (!d) {
    std::fprintf(stderr, "dtls: %s\n", d.error().message().c_str());
    return false;
  }
  p.dtls = std::move(*d);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = p.publisher ? kPublisherId + p.index : p.index;
  ::epoll_ctl(ep_, EPOLL_CTL_ADD, p.fd, &ev);
  ++pending_;
  p.pending = true;
  p.next_check_us = now_us() + 200'000;
  send_check(p, true);
  return true;
}

void Client::send_check(Peer& p, bool nominate) {
  // RFC 8445 7.2.2 / 7.1.1: USERNAME "<their ufrag>:<ours>", PRIORITY of a peer-reflexive
  // candidate, our role and tie-breaker, USE-CANDIDATE (aggressive nomination), then
  // MESSAGE-INTEGRITY with their password and FINGERPRINT.
  RAND_bytes(p.tx.data(), int(p.tx.size()));
  stun::Builder b(stun::kBinding, stun::Class::request, p.tx);
  b.add(stun::attr::username, p.remote_ufrag + ":" + p.ufrag);
  b.add_u32(stun::attr::priority, (110u << 24) | (65535u << 8) | 255u);
  b.add(stun::attr::ice_controlling, p.tiebreaker);
  if (nominate) b.add(stun::attr::use_candidate, "");
  std::string msg = b.finish(std::string_view(p.remote_pwd), true);
  ::send(p.fd, msg.data(), msg.size(), MSG_DONTWAIT);
  ++p.checks;
}

void Client::on_stun(Peer& p, const uint8_t* data, size_t len) {
  ++p.stun_in;
  auto m = stun::parse({reinterpret_cast<const char*>(data), len});
  if (!m || m->transaction != p.tx) return;
  if (m->cls == stun::Class::error) {
    if (p.state == Peer::State::checking) failed(p, "ICE check refused");
    return;
  }
  if (m->cls != stun::Class::success || !stun::integrity_ok(*m, p.remote_pwd)) return;
  if (p.state == Peer::State::checking) {
    p.state = Peer::State::handshaking;
    if (p.dtls->role() == rtc::DtlsTransport::Role::client) p.dtls->start();
  }
}

void Client::count_rtp(Peer& p, const uint8_t* h, size_t real_len) {
  uint8_t pt = h[1] & 0x7F;
  uint16_t seq = uint16_t((h[2] << 8) | h[3]);
  uint32_t ssrc = (uint32_t(h[8]) << 24) | (uint32_t(h[9]) << 16) | (uint32_t(h[10]) << 8) | h[11];
  if (pt == onair::bench::kOpusPt)
    p.audio.on_packet(seq, ssrc);
  else if (pt == onair::bench::kVp8Pt || pt == onair::bench::kH264Pt)
    p.video.on_packet(seq, ssrc);
  else {
    ++p.other;
    return;
  }
  ++p.media;
  p.bytes += real_len;
}

void Client::on_datagram(Peer& p, uint8_t* data, size_t len) {
  std::string_view bytes(reinterpret_cast<const char*>(data), len);
  switch (rtc::classify(bytes)) {
    case rtc::PacketKind::stun:
      on_stun(p, data, len);
      return;
    case rtc::PacketKind::dtls:
      if (p.dtls) p.dtls->on_datagram({data, len});
      return;
    case rtc::PacketKind::rtp: {
      if (len < rtc::rtp::kFixedHeaderSize) return;
      if (p.srtp_in) {
        size_t plain = len;
        if (!p.srtp_in->unprotect_rtp(data, plain)) {
          ++p.srtp_failures;
          return;
        }
        ++p.verified;
      }
      count_rtp(p, data, len);
      return;
    }
    case rtc::PacketKind::rtcp: {
      ++p.rtcp_in;
      if (!p.srtp_in) return;
      size_t plain = len;
      if (!p.srtp_in->unprotect_rtcp(data, plain)) {
        ++p.srtp_failures;
        return;
      }
      ++p.verified;
      if (p.publisher) {
        on_publisher_rtcp(p, data, plain);
        return;
      }
      rtcp::CompoundReader reader(data, plain);
      rtcp::Packet pk;
      while (reader.next(pk))
        if (pk.type == rtcp::kSenderReport)
          if (auto sr = rtcp::parse_sender_report(pk)) {
            p.lsr = rtcp::ntp_compact(sr->info.ntp);
            p.lsr_at_us = now_us();
          }
      return;
    }
    case rtc::PacketKind::unknown:
      ++p.other;
      return;
  }
}

void Client::on_publisher_rtcp(Peer& p, uint8_t* data, size_t len) {
  ++pub_rtcp_;
  rtcp::CompoundReader reader(data, len);
  rtcp::Packet pk;
  while (reader.next(pk)) {
    if (pk.type == rtcp::kPayloadFeedback && (pk.count == rtcp::kFmtPli || pk.count == rtcp::kFmtFir)) {
      ++plis_;
      if (p.source) p.source->request_keyframe();
    } else if (pk.type == rtcp::kRtpFeedback && pk.count == rtcp::kFmtNack) {
      if (auto n = rtcp::parse_nack(pk)) n->for_each_lost([&](uint16_t) { ++nacks_; });
    } else if (pk.type == rtcp::kRtpFeedback && pk.count == rtcp::kFmtTwcc) {
      if (auto f = rtc::twcc::FeedbackReader::parse(pk)) {
        rtc::twcc::PacketStatus s;
        while (f->next(s)) (s.received ? twcc_received_ : twcc_lost_)++;
      }
    }
  }
}

void Client::read_peer(Peer& p) {
  if (p.fast_path()) {
    Batch& b = *heads_;
    for (size_t i = 0; i < kBatch; ++i) {
      b.iov[i] = {b.data[i], 16};
      b.msgs[i].msg_hdr = {};
      b.msgs[i].msg_hdr.msg_iov = &b.iov[i];
      b.msgs[i].msg_hdr.msg_iovlen = 1;
    }
    // MSG_TRUNC: msg_len is the datagram's real size though only 16 bytes are copied.
    int n = ::recvmmsg(p.fd, b.msgs, kBatch, MSG_DONTWAIT | MSG_TRUNC, nullptr);
    if (n == int(kBatch)) ++full_reads_;
    for (int i = 0; i < n; ++i) {
      size_t len = b.msgs[i].msg_len;
      std::string_view head(reinterpret_cast<const char*>(b.data[i]), std::min<size_t>(len, 16));
      switch (rtc::classify(head)) {
        case rtc::PacketKind::rtp:
          if (len >= rtc::rtp::kFixedHeaderSize) count_rtp(p, b.data[i], len);
          break;
        case rtc::PacketKind::rtcp:
          ++p.rtcp_in;
          break;
        case rtc::PacketKind::stun:
          ++p.stun_in;  // a consent answer; not verified on this path
          break;
        default:
          ++p.other;
      }
    }
    return;
  }
  Batch& b = *full_;
  for (size_t i = 0; i < kBatch; ++i) {
    b.iov[i] = {b.data[i], sizeof b.data[i] - rtc::SrtpSession::kMaxTrailer};
    b.msgs[i].msg_hdr = {};
    b.msgs[i].msg_hdr.msg_iov = &b.iov[i];
    b.msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int n = ::recvmmsg(p.fd, b.msgs, kBatch, MSG_DONTWAIT, nullptr);
  if (n == int(kBatch)) ++full_reads_;
  for (int i = 0; i < n; ++i) on_datagram(p, b.data[i], b.msgs[i].msg_len);
}

void Client::send_media() {
  uint8_t buf[2048];
  int64_t now = now_us();
  for (auto& pub : pubs_) {
    if (!pub->source || pub->state != Peer::State::connected) continue;
    for (;;) {
      auto s = pub->source->next(now, buf, sizeof buf - rtc::SrtpSession::kMaxTrailer);
      if (s.size == 0) break;
      size_t len = s.size;
      if (!pub->srtp_out->protect_rtp(buf, len)) continue;
      ::send(pub->fd, buf, len, MSG_DONTWAIT);
      ++sent_;
      sent_bytes_ += len;
    }
  }
}

void Client::send_reports(Peer& p, int64_t now) {
  uint8_t buf[512];
  size_t len = 0;
  if (p.publisher) {
    if (!p.source) return;  // nothing sent yet
    // RFC 3550 6.4.1: an SR per stream we send, and SDES CNAME.
    uint64_t ntp = rtcp::ntp_from_unix_us(wall_us());
    int64_t t = now - p.connected_us;
    rtcp::SenderInfo a{ntp, uint32_t(t * 48 / 1000), uint32_t(p.source->audio_packets()),
                       uint32_t(p.source->audio_bytes())};
    rtcp::SenderInfo v{ntp, uint32_t(t * 90 / 1000), uint32_t(p.source->video_packets()),
                       uint32_t(p.source->video_bytes())};
    len += rtcp::write_sender_report(buf + len, sizeof buf - len, p.audio_ssrc, a);
    len += rtcp::write_sender_report(buf + len, sizeof buf - len, p.video_ssrc, v);
    len += rtcp::write_sdes_cname(buf + len, sizeof buf - len, p.video_ssrc, "bench-publisher");
  } else {
    // RFC 3550 6.4.2: a block per stream received; LSR/DLSR only where SRs were read.
    rtcp::ReportBlock blocks[2];
    size_t n = 0;
    for (const TrackCount* t : {&p.audio, &p.video}) {
      if (!t->started) continue;
      int64_t lost = int64_t(t->expected()) - int64_t(t->received);
      uint32_t dlsr = p.lsr ? rtcp::compact_from_us(now - p.lsr_at_us) : 0;
      blocks[n++] = {t->ssrc, 0, int32_t(std::clamp<int64_t>(lost, -0x800000, 0x7FFFFF)), t->extended_max(), 0,
                     p.lsr, dlsr};
    }
    len = rtcp::write_receiver_report(buf, sizeof buf, p.rtcp_ssrc, {blocks, n});
  }
  if (len == 0 || !p.srtp_out || len + rtc::SrtpSession::kMaxTrailer > sizeof buf) return;
  if (p.srtp_out->protect_rtcp(buf, len)) ::send(p.fd, buf, len, MSG_DONTWAIT);
}

void Client::housekeeping(int64_t now) {
  auto visit = [&](Peer& p) {
    switch (p.state) {
      case Peer::State::checking:
        if (now >= p.next_check_us) {
          if (p.checks >= 100) {  // 20 s
            failed(p, "no answer to ICE checks");
            return;
          }
          send_check(p, true);
          p.next_check_us = now + 200'000;
        }
        return;
      case Peer::State::handshaking:
        if (auto t = p.dtls->timeout(); t && t->count() <= 0) p.dtls->on_timeout();
        if (p.state == Peer::State::handshaking && now - p.started_us > 30'000'000)
          failed(p, "no DTLS connection in 30 s");
        return;
      case Peer::State::connected:
        if (now >= p.next_check_us) {
          send_check(p, false);
          p.next_check_us += 5'000'000;
        }
        if (now >= p.next_report_us) {
          p.next_report_us += 1'000'000;
          if (!opt_.floor_sink) send_reports(p, now);
        }
        return;
      case Peer::State::failed:
        return;
    }
  };
  for (auto& p : pubs_) visit(*p);
  for (auto& s : subs_)
    if (!opt_.floor_sink) visit(*s);
}

void Client::pump(int max_wait_ms) {
  static epoll_event events[1024];
  int64_t now = now_us();
  int wait = max_wait_ms;
  for (auto& p : pubs_)
    if (p->source) wait = std::min<int64_t>(wait, std::max<int64_t>(0, (p->source->next_due_us() - now + 999) / 1000));
  wait = std::min<int64_t>(wait, std::max<int64_t>(0, (next_housekeeping_ - now + 999) / 1000));
  if (measuring_) wait = std::min<int64_t>(wait, std::max<int64_t>(0, (next_second_ - now + 999) / 1000));
  int n = ::epoll_wait(ep_, events, 1024, wait);
  for (int i = 0; i < n; ++i) {
    uint64_t id = events[i].data.u64;
    Peer& p = id >= kPublisherId ? *pubs_[size_t(id - kPublisherId)] : *subs_[size_t(id)];
    read_peer(p);
    if (!pubs_.empty() && (i & 63) == 63) send_media();  // keep the publishers on time under load
  }
  send_media();
  now = now_us();
  if (now >= next_housekeeping_) {
    next_housekeeping_ = now + 20'000;
    housekeeping(now);
  }
  if (measuring_ && now >= next_second_) report_second(now);
}

bool Client::setup_server_mode() {
  if (opt_.codec == "h264" && !opt_.whep_only) {
    clip_ = onair::bench::H264Clip::load(opt_.h264_file, opt_.fps);
    if (!clip_) {
      std::fprintf(stderr, "--h264-file %s: no H.264 access units with SPS and PPS\n", opt_.h264_file.c_str());
      return false;
    }
  }
  for (int i = 0; !opt_.whep_only && i < opt_.streams; ++i) {
    auto pub = new_peer(true, size_t(i));
    pub->audio_ssrc = rtc::random_ssrc();
    pub->video_ssrc = rtc::random_ssrc();
    if (!negotiate(*pub, "/v1/whip/" + stream_name(size_t(i)), pub->audio_ssrc, pub->video_ssrc)) return false;
    pubs_.push_back(std::move(pub));
  }
  int64_t deadline = now_us() + 20'000'000;
  auto all_up = [&] {
    for (auto& p : pubs_)
      if (p->state != Peer::State::connected && p->state != Peer::State::failed) return false;
    return true;
  };
  while (!all_up() && now_us() < deadline) pump(5);
  for (auto& p : pubs_)
    if (p->state != Peer::State::connected) {
      std::fprintf(stderr, "publisher %zu did not connect: %s\n", p->index, p->fail_reason.c_str());
      return false;
    }
  // Subscribers connect before the media starts: an SFU that is already saturated would
  // otherwise queue their STUN and DTLS behind seconds of media, and setup would take minutes.
  int64_t t0 = now_us();
  size_t failed = 0;
  for (int i = 0; i < opt_.subscribers; ++i) {
    while (pending() >= size_t(opt_.setup_window)) pump(2);
    subs_.push_back(new_peer(false, size_t(i)));
    if (!negotiate(*subs_.back(), "/v1/whep/" + stream_name(size_t(i)), 0, 0)) {
      subs_.back()->state = Peer::State::failed;
      if (++failed > size_t(opt_.subscribers) / 10 + 2) return false;
    }
    pump(0);
  }
  deadline = now_us() + 60'000'000;
  while (pending_ && now_us() < deadline) pump(5);
  double connect_s = double(now_us() - t0) / 1e6;
  // Every subscriber receiving video (it starts at a keyframe).
  for (auto& p : pubs_) {
    if (clip_)
      p->source = std::make_unique<onair::bench::H264Source>(clip_, p->audio_ssrc, p->video_ssrc, now_us());
    else
      p->source = std::make_unique<onair::bench::SyntheticStream>(shape_, p->audio_ssrc, p->video_ssrc, now_us());
  }
  deadline = now_us() + 30'000'000;
  auto ready = [&] {
    for (auto& s : subs_)
      if (s->state == Peer::State::connected && s->video.received == 0) return false;
    return true;
  };
  while (!ready() && now_us() < deadline) pump(5);
  size_t up = 0, video = 0;
  for (auto& s : subs_) {
    up += s->state == Peer::State::connected;
    video += s->video.received > 0;
  }
  std::printf("setup: %zu/%d subscribers connected in %.1f s, %zu receive video %.1f s later\n", up,
              opt_.subscribers, connect_s, video, double(now_us() - t0) / 1e6 - connect_s);
  size_t shown = 0;
  for (auto& s : subs_)
    if (s->state == Peer::State::failed && shown++ < 5)
      std::printf("  subscriber %zu failed: %s\n", s->index, s->fail_reason.c_str());
  std::fflush(stdout);
  return up > 0 || subs_.empty();
}

bool Client::setup_floor_sink() {
  auto profile = onair::bench::parse_profile(opt_.profile);
  std::vector<uint16_t> ports;
  for (int i = 0; i < opt_.subscribers; ++i) {
    auto p = new_peer(false, size_t(i));
    uint16_t port = 0;
    p->fd = open_udp(port);
    if (p->fd < 0) {
      std::fprintf(stderr, "cannot open a UDP socket: %s\n", std::strerror(errno));
      return false;
    }
    p->port = port;
    p->state = Peer::State::connected;
    if (p->verify) {
      auto in = rtc::SrtpSession::create(profile, rtc::SrtpSession::Direction::inbound,
                                         onair::bench::floor_key(size_t(i), profile));
      if (!in) return false;
      p->srtp_in = std::move(*in);
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = size_t(i);
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, p->fd, &ev);
    ports.push_back(port);
    subs_.push_back(std::move(p));
  }
  if (!onair::bench::write_ports(opt_.ports_file, ports)) return false;
  // The floor's pid, once the script has started it.
  int64_t deadline = now_us() + 20'000'000;
  while (opt_.server_pid == 0 && now_us() < deadline) {
    std::ifstream f(opt_.pid_file);
    f >> opt_.server_pid;
    if (!opt_.server_pid) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  deadline = now_us() + 20'000'000;
  auto ready = [&] {
    for (auto& s : subs_)
      if (s->media == 0) return false;
    return true;
  };
  while (!ready() && now_us() < deadline) pump(5);
  std::printf("setup: %d receiving sockets, floor pid %d\n", opt_.subscribers, opt_.server_pid);
  std::fflush(stdout);
  return opt_.server_pid != 0;
}

void Client::start_window() {
  measuring_ = true;
  window_start_ = last_second_ = now_us();
  next_second_ = window_start_ + 1'000'000;
  for (auto& s : subs_) {
    s->media_w0 = s->media_mark = s->media;
    s->bytes_w0 = s->bytes_mark = s->bytes;
    s->expected_w0 = s->audio.expected() + s->video.expected();
    s->received_w0 = s->audio.received + s->video.received;
  }
  sent_w0_ = sent_mark_ = sent_;
  full_reads_w0_ = full_reads_;
  plis_w0_ = plis_;
  server_cpu_w0_ = server_cpu_mark_ = opt_.server_pid ? cpu_seconds(opt_.server_pid) : 0;
  self_cpu_w0_ = cpu_seconds(int(::getpid()));
  rcvbuf_w0_ = udp_rcvbuf_errors();
  drops_w0_ = udp_drops_by_port();
  core_w0_ = core_times(opt_.server_core);
  ksoftirqd_ = ksoftirqd_pid(opt_.server_core);
  ksoftirqd_w0_ = ksoftirqd_ ? cpu_seconds(ksoftirqd_) : 0;
}

void Client::report_second(int64_t now) {
  double dt = double(now - last_second_) / 1e6;
  last_second_ = now;
  next_second_ += 1'000'000;
  ++second_;
  double expected = opt_.floor_sink ? shape_.packets_per_second() * dt : double(sent_ - sent_mark_);
  sent_mark_ = sent_;
  std::vector<double> pps, mbps;
  size_t kept = 0;
  double total = 0;
  for (auto& s : subs_) {
    double got = double(s->media - s->media_mark);
    pps.push_back(got / dt);
    mbps.push_back(double(s->bytes - s->bytes_mark) * 8 / dt / 1e6);
    kept += got >= 0.9 * expected;
    total += got;
    s->media_mark = s->media;
    s->bytes_mark = s->bytes;
  }
  std::sort(pps.begin(), pps.end());
  std::sort(mbps.begin(), mbps.end());
  double cpu = opt_.server_pid ? cpu_seconds(opt_.server_pid) : 0;
  double util = (cpu - server_cpu_mark_) / dt;
  server_cpu_mark_ = cpu;
  std::printf("  t=%2d sent_pps=%.0f forwarded_pps=%.0f sub_pps min/med=%.0f/%.0f sub_mbps min/med=%.2f/%.2f "
              "kept_up=%zu/%zu server_core=%.2f\n",
              second_, expected / dt, total / dt, pps.empty() ? 0 : pps.front(), pps.empty() ? 0 : pps[pps.size() / 2],
              mbps.empty() ? 0 : mbps.front(), mbps.empty() ? 0 : mbps[mbps.size() / 2], kept, subs_.size(), util);
  std::fflush(stdout);
}

int Client::finish() {
  double secs = double(now_us() - window_start_) / 1e6;
  double server_cpu = opt_.server_pid ? cpu_seconds(opt_.server_pid) - server_cpu_w0_ : 0;
  double self_cpu = cpu_seconds(int(::getpid())) - self_cpu_w0_;
  uint64_t drops = udp_rcvbuf_errors() - rcvbuf_w0_;
  // Where: the server's port (it was too busy to read the publisher) or ours (we were).
  std::vector<uint64_t> by_port = udp_drops_by_port();
  auto dropped_at = [&](uint16_t port) { return port ? by_port[port] - drops_w0_[port] : 0; };
  uint64_t client_drops = 0;
  for (auto& s : subs_) client_drops += dropped_at(s->port);
  uint64_t server_drops = 0;
  for (auto& p : pubs_) server_drops += dropped_at(p->server_port);
  CoreTimes core = core_times(opt_.server_core);
  double core_busy = core.total > core_w0_.total ? (core.busy - core_w0_.busy) / (core.total - core_w0_.total) : 0;
  double softirqd = ksoftirqd_ ? cpu_seconds(ksoftirqd_) - ksoftirqd_w0_ : 0;
  double sent = opt_.floor_sink ? shape_.packets_per_second() * secs : double(sent_ - sent_w0_);
  std::vector<double> pps, mbps;
  double total = 0, total_bytes = 0, expected = 0, received = 0;
  size_t kept = 0;
  uint64_t verified = 0, failures = 0;
  for (auto& s : subs_) {
    double got = double(s->media - s->media_w0);
    pps.push_back(got / secs);
    mbps.push_back(double(s->bytes - s->bytes_w0) * 8 / secs / 1e6);
    kept += got >= 0.9 * sent;
    total += got;
    total_bytes += double(s->bytes - s->bytes_w0);
    expected += double(s->audio.expected() + s->video.expected() - s->expected_w0);
    received += double(s->audio.received + s->video.received - s->received_w0);
    verified += s->verified;
    failures += s->srtp_failures;
  }
  std::sort(pps.begin(), pps.end());
  std::sort(mbps.begin(), mbps.end());
  if (pps.empty()) pps.push_back(0), mbps.push_back(0);  // publishers only
  double forwarded = total / secs;
  // What one subscriber costs: the stream's nominal packet rate (205/s at 1.5 Mbit/s).
  double per_sub = shape_.packets_per_second();
  std::printf("result: subscribers=%zu window_s=%.1f sent_pps=%.1f forwarded_pps=%.0f forwarded_mbps=%.1f "
              "sub_pps_min=%.1f sub_pps_median=%.1f sub_mbps_min=%.3f sub_mbps_median=%.3f kept_up=%zu "
              "loss_pct=%.3f srtp_verified=%llu srtp_failures=%llu rcvbuf_drops=%llu (client %llu, server %llu) "
              "client_core=%.2f client_full_reads=%llu",
              subs_.size(), secs, sent / secs, forwarded, total_bytes * 8 / secs / 1e6, pps.front(), pps[pps.size() / 2],
              mbps.front(), mbps[mbps.size() / 2], kept, expected > 0 ? 100.0 * (expected - received) / expected : 0.0,
              (unsigned long long)verified, (unsigned long long)failures, (unsigned long long)drops,
              (unsigned long long)client_drops, (unsigned long long)server_drops, self_cpu / secs,
              (unsigned long long)(full_reads_ - full_reads_w0_));
  if (!opt_.floor_sink)
    std::printf(" plis=%llu nacks=%llu twcc_received=%llu twcc_lost=%llu", (unsigned long long)(plis_ - plis_w0_),
                (unsigned long long)nacks_, (unsigned long long)twcc_received_, (unsigned long long)twcc_lost_);
  if (opt_.server_pid && server_cpu > 0)
    // core_other: what other processes took of the server's core; above a few percent the
    // run was disturbed (the machine is shared) and should be repeated.
    std::printf(" server_cpu_s=%.2f server_core=%.3f pkts_per_core_s=%.0f subs_per_core=%.0f core_busy=%.3f "
                "ksoftirqd_core=%.3f core_other=%.3f",
                server_cpu, server_cpu / secs, total / server_cpu, total / server_cpu / per_sub, core_busy,
                softirqd / secs, std::max(0.0, core_busy - (server_cpu + softirqd) / secs));
  std::printf("\n");
  size_t lost = 0;
  for (auto& s : subs_) lost += s->state == Peer::State::failed;
  for (auto& p : pubs_)
    if (p->state == Peer::State::failed)
      std::printf("publisher %zu's connection ended: %s\n", p->index, p->fail_reason.c_str());
  if (lost) std::printf("%zu subscribers' connections ended or never came up\n", lost);
  return 0;
}

int Client::run() {
  ep_ = ::epoll_create1(0);
  if (!opt_.floor_sink) {
    auto cert = rtc::Certificate::generate();
    if (!cert) return 2;
    auto ctx = rtc::DtlsContext::create(*cert);
    if (!ctx) return 2;
    dtls_ = *ctx;
    if (!opt_.profile.empty()) {
      // Offer one profile only (the server prefers AES-GCM when both are offered).
      const char* list = opt_.profile == "cm" ? "SRTP_AES128_CM_SHA1_80" : "SRTP_AEAD_AES_128_GCM";
      SSL_CTX_set_tlsext_use_srtp(dtls_->ctx(), list);
    }
  }
  if (opt_.codec == "h264")
    std::printf("streams: %d, H.264 %s + Opus%s; %d subscribers, 1 in %d verified\n", opt_.streams,
                opt_.whep_only ? "(published elsewhere)" : opt_.h264_file.c_str(), opt_.whep_only ? "" : " (libopus)",
                opt_.subscribers, opt_.verify_every);
  else
    std::printf("stream: video %.0f pkt/s x %zu B (keyframe %d packets every %d frames), audio %d pkt/s x %zu B: "
                "%.2f Mbit/s of RTP payload, %.0f packets/s per subscriber; %d streams, %d subscribers, 1 in %d "
                "verified\n",
                shape_.video_pps(), shape_.video_payload, shape_.key_packets, shape_.gop_frames, shape_.audio_pps,
                shape_.audio_payload, shape_.payload_mbps(), shape_.packets_per_second(), opt_.streams,
                opt_.subscribers, opt_.verify_every);
  std::fflush(stdout);
  if (!(opt_.floor_sink ? setup_floor_sink() : setup_server_mode())) return 1;
  int64_t warm_end = now_us() + int64_t(opt_.warmup) * 1'000'000;
  while (now_us() < warm_end) pump(5);
  // A cross-check from the server's side: its counter of packets sent, read on another
  // thread (a saturated server answers HTTP late, and the receiving must not stop meanwhile).
  auto read_metric = [port = opt_.http_port] {
    double v = server_metric(port, "onair_webrtc_packets_out_total");
    return std::pair{v, now_us()};
  };
  std::future<std::pair<double, int64_t>> metric0;
  if (!opt_.floor_sink) metric0 = std::async(std::launch::async, read_metric);
  start_window();
  int64_t end = window_start_ + int64_t(opt_.seconds) * 1'000'000;
  while (now_us() < end) pump(5);
  int rc = finish();
  if (!opt_.floor_sink) {
    auto [v1, t1] = read_metric();
    auto [v0, t0] = metric0.get();
    std::printf("server says: onair_webrtc_packets_out_total grew %.0f/s\n", (v1 - v0) / (double(t1 - t0) / 1e6));
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--floor-sink") {
      o.floor_sink = true;
      continue;
    }
    if (i + 1 >= argc) break;
    std::string v = argv[++i];
    if (k == "--port") o.http_port = std::stoi(v);
    else if (k == "--stream") o.stream = v;
    else if (k == "--subscribers") o.subscribers = std::stoi(v);
    else if (k == "--seconds") o.seconds = std::stoi(v);
    else if (k == "--warmup") o.warmup = std::stoi(v);
    else if (k == "--server-pid") o.server_pid = std::stoi(v);
    else if (k == "--kbps") o.kbps = std::stoi(v);
    else if (k == "--verify-every") o.verify_every = std::stoi(v);
    else if (k == "--setup-window") o.setup_window = std::stoi(v);
    else if (k == "--profile") o.profile = v;
    else if (k == "--ports-file") o.ports_file = v;
    else if (k == "--pid-file") o.pid_file = v;
    else if (k == "--server-core") o.server_core = std::stoi(v);
    else if (k == "--streams") o.streams = std::stoi(v);
    else if (k == "--whep-only") o.whep_only = v == "1" || v == "true";
    else if (k == "--codec") o.codec = v;
    else if (k == "--h264-file") o.h264_file = v;
    else if (k == "--fps") o.fps = std::stoi(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (o.subscribers < (o.floor_sink || o.whep_only ? 1 : 0) || o.streams < 1 ||
      (o.codec != "vp8" && o.codec != "h264") || (o.codec == "h264" && !o.whep_only && o.h264_file.empty()) ||
      (o.floor_sink && (o.ports_file.empty() || o.pid_file.empty()))) {
    std::fprintf(stderr,
                 "usage: webrtc_load --port <http> [--stream bench] --subscribers N [--seconds 15] [--warmup 3]\n"
                 "         [--server-pid <pid>] [--kbps 1500] [--verify-every 16] [--profile gcm|cm]\n"
                 "         [--streams N] [--whep-only 1] [--codec vp8|h264 [--h264-file F --fps 30]]\n"
                 "       webrtc_load --floor-sink --subscribers N --ports-file F --pid-file P [...]\n");
    return 2;
  }
  Client c(std::move(o));
  return c.run();
}
