#include "media/webrtc/webrtc_service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <openssl/rand.h>

#include <atomic>
#include <map>
#include <thread>
#include <unordered_map>

#include "auth/crypto.hpp"
#include "core/log.hpp"
#include "media/bridge/frames_to_rtp.hpp"
#include "media/bridge/rtp_to_frames.hpp"
#include "media/stream/stream_access.hpp"
#include "media/webrtc/active_speaker.hpp"
#include "media/webrtc/certificate.hpp"
#include "media/webrtc/dtls_transport.hpp"
#include "media/webrtc/publisher.hpp"
#include "media/webrtc/subscriber.hpp"
#include "media/webrtc/tcp_server.hpp"
#include "media/webrtc/udp_server.hpp"

namespace onair::webrtc {
namespace asio = boost::asio;

namespace {

constexpr int64_t kTickMs = 20;
// The loop is overloaded when its 20 ms tick runs this late on average (over ~10 ticks):
// packets then wait in the socket buffer, and new sessions are refused with 503 so the ones
// already there keep their media (a full buffer drops everyone's STUN and RTCP alike).
constexpr double kOverloadLagMs = 100;
constexpr int64_t kSpeakerEveryMs = 100;


// The host's own IPv4 addresses for host candidates: every interface that is up, loopback
// only when there is nothing else (a machine with no network, or a test namespace).
std::vector<std::string> host_addresses() {
  std::vector<std::string> out, loopback;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return {"127.0.0.1"};
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP)) continue;
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, buf, sizeof buf);
    ((i->ifa_flags & IFF_LOOPBACK) ? loopback : out).push_back(buf);
  }
  freeifaddrs(list);
  if (out.empty()) out = loopback.empty() ? std::vector<std::string>{"127.0.0.1"} : loopback;
  return out;
}

std::string fmtp_value(const std::string& fmtp, std::string_view key) {
  size_t pos = 0;
  while (pos < fmtp.size()) {
    size_t end = fmtp.find(';', pos);
    if (end == std::string::npos) end = fmtp.size();
    std::string_view item(fmtp.data() + pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.starts_with(key) && item.size() > key.size() && item[key.size()] == '=')
      return std::string(item.substr(key.size() + 1));
    pos = end + 1;
  }
  return {};
}

// The room of a seat's stream "<room id>-<user id>" (API.md: seat streams).
std::pair<std::string, std::string> room_and_user(const SessionOwner& owner, const std::string& stream) {
  if (!owner.room.empty()) return {owner.room, owner.user};
  auto dash = stream.find('-');
  if (dash == std::string::npos || dash == 0) return {};
  std::string room = stream.substr(0, dash);
  if (room.find_first_not_of("0123456789") != std::string::npos) return {};
  return {room, stream.substr(dash + 1)};
}

}  // namespace

struct WebRtcService::Impl {
  const Config& config;
  EventLoops& loops;
  media::StreamHub& hub;
  WebRtcService& self;
  asio::io_context& io;
  std::shared_ptr<const Certificate> cert;
  std::shared_ptr<const DtlsContext> dtls;
  std::unique_ptr<UdpServer> udp;
  std::unique_ptr<TcpServer> tcp;  // ICE-TCP, when webrtc.tcp
  std::vector<sdp::Candidate> candidates;
  Capabilities caps;
  std::unique_ptr<asio::steady_timer> timer;
  // Codec work of the bridges (bridge.threads), never on the WebRTC loop.
  asio::thread_pool codec_pool;
  bool stopped = false;

  struct Entry {
    std::unique_ptr<PeerSession> session;
    std::optional<media::StreamHub::Ticket> ticket;  // publish sessions
    std::string room;                                 // for active speakers
    bool retired = false;
    // A publish's bridge to RTMP/FLV/HLS (after `session`: it goes first).
    std::unique_ptr<bridge::RtpToFrames> to_frames;
  };
  std::unordered_map<std::string, Entry> sessions;  // by id
  std::unordered_map<std::string, Publisher*> publishers;  // by stream
  // Streams published otherwise (RTMP) that WHEP viewers play, through a bridge each.
  struct Bridged {
    std::unique_ptr<bridge::FramesToRtp> bridge;
    int64_t idle_since_ms = 0;  // without viewers since; 0: has some
  };
  std::unordered_map<std::string, Bridged> bridged;  // by stream

  struct RoomSpeakers {
    ActiveSpeaker detector;
    std::map<uint64_t, std::pair<std::string, std::string>> producers;  // -> user, stream
  };
  std::map<std::string, RoomSpeakers> speakers;
  int64_t next_speaker_ms = 0;

  std::atomic<size_t> n_publishers{0}, n_subscribers{0};
  std::atomic<uint64_t> packets_in{0}, packets_out{0}, bytes_in{0}, bytes_out{0}, nacks{0}, retransmits{0};
  int64_t tick_due_ms = 0;
  std::atomic<double> lag_ms{0};  // smoothed lateness of the tick
  // Totals of sessions already gone, so the counters only grow.
  uint64_t gone_packets_in = 0, gone_packets_out = 0, gone_bytes_in = 0, gone_bytes_out = 0, gone_nacks = 0,
           gone_retransmits = 0;

  Impl(const Config& c, EventLoops& l, media::StreamHub& h, WebRtcService& s)
      : config(c), loops(l), hub(h), self(s), io(l.at(0)), codec_pool(c.bridge.threads) {
    caps.video_codecs = config.webrtc.video_codecs;
  }

  LocalParams local_params() const {
    LocalParams lp;
    lp.ice_ufrag = ice_string(8);
    lp.ice_pwd = ice_string(24);
    lp.fingerprint = cert->fingerprint();
    lp.candidates = candidates;
    uint64_t sid = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&sid), sizeof sid);
    lp.session_id = std::to_string(sid & 0x7FFFFFFFFFFFFFFFull);
    return lp;
  }

  WebRtcTransport::Params transport_params(const LocalParams& lp, const Negotiated& n) const {
    WebRtcTransport::Params p;
    p.local_ufrag = lp.ice_ufrag;
    p.local_pwd = lp.ice_pwd;
    p.remote_ufrag = n.remote_ufrag;
    p.remote_fingerprint_alg = n.remote_fingerprint.algorithm;
    p.remote_fingerprint = n.remote_fingerprint.value;
    p.dtls_role = n.dtls_role == DtlsRole::server ? DtlsTransport::Role::server : DtlsTransport::Role::client;
    p.consent_timeout_ms = int64_t(config.webrtc.consent_timeout_s) * 1000;
    p.connect_timeout_ms = int64_t(config.webrtc.connect_timeout_s) * 1000;
    return p;
  }

  Result<void> admit() const {
    if (stopped || !udp) return fail(ErrorCode::unavailable, "WebRTC is not running");
    if (sessions.size() >= config.webrtc.max_sessions)
      return std::unexpected(
          Error(ErrorCode::unavailable, "too many WebRTC sessions on this node (webrtc.max_sessions)").retry_after(5));
    if (double lag = lag_ms.load(); lag > kOverloadLagMs)
      return std::unexpected(Error(ErrorCode::unavailable, "this node's WebRTC loop is overloaded (running " +
                                                               std::to_string(int(lag)) + " ms late); try again or another node")
                                 .retry_after(5));
    return {};
  }

  Result<Answer> publish(const std::string& stream, const std::string& offer, const SessionOwner& owner) {
    if (auto ok = admit(); !ok) return std::unexpected(ok.error());
    LocalParams lp = local_params();
    auto n = negotiate(offer, Side::publish, caps, lp);
    if (!n) return std::unexpected(n.error());
    if (auto it = publishers.find(stream); it != publishers.end() && !it->second->ended() && !config.media.takeover)
      return fail(ErrorCode::conflict, "stream " + stream + " is already being published");
    std::string id = auth::random_hex(16);
    // The stream is taken now (a second publisher gets 409) and goes live (its seat too) when
    // the peer has connected.
    media::PublishRequest request;
    request.loop = &io;
    request.takeover = config.media.takeover;
    request.kick = [this, id] {
      asio::post(io, [this, id] { end_session(id, "stopped: taken over by another publisher or kicked by an admin"); });
    };
    request.announce = false;
    request.protocol = "webrtc";
    auto ticket = hub.start_publish(stream, std::move(request));
    if (!ticket) return std::unexpected(ticket.error());
    auto [room, user] = room_and_user(owner, stream);
    PublisherOptions options;
    options.keyframe_request_ms = config.webrtc.keyframe_request_ms;
    options.packet_cache = config.webrtc.packet_cache;
    options.on_connected = [this, id] {
      if (auto it = sessions.find(id); it != sessions.end() && it->second.ticket) hub.announce(*it->second.ticket);
    };
    if (!room.empty()) {
      RoomSpeakers* rs = &speakers[room];
      options.on_audio_level = [rs](uint64_t producer, uint8_t level, std::optional<bool> voice, int64_t now_ms) {
        rs->detector.on_audio_level(producer, level, voice, now_ms);
      };
    }
    WebRtcTransport::Params tp = transport_params(lp, *n);
    tp.drop_rtp_every = config.webrtc.drop_inbound_every;
    std::string answer = n->answer;
    auto pub = std::make_unique<Publisher>(id, stream, owner, std::move(*n), std::move(options));
    auto t = WebRtcTransport::create(*udp, tcp.get(), dtls, std::move(tp), *pub, steady_ms());
    if (!t) {
      hub.stop_publish(*ticket);
      return std::unexpected(t.error());
    }
    pub->attach(std::move(*t));
    if (!room.empty()) speakers[room].producers[pub->producer_id()] = {user, stream};
    if (auto it = publishers.find(stream); it != publishers.end()) end_session(it->second->id(), "replaced");
    publishers[stream] = pub.get();
    bridge::RtpToFramesOptions bo;
    bo.jitter_ms = config.bridge.jitter_ms;
    bo.aac_kbps = config.bridge.aac_kbps;
    bo.keyframe_every_s = config.hls.segment_s;
    bo.vp8_transcode = config.bridge.vp8_transcode == "on_demand";
    bo.h264_kbps = int(config.bridge.h264_kbps);
    bo.h264_preset = config.bridge.h264_preset;
    auto to_frames = std::make_unique<bridge::RtpToFrames>(ticket->stream, pub->router(), bo, codec_pool.get_executor());
    Entry e{std::move(pub), std::move(*ticket), room, false, std::move(to_frames)};
    sessions.emplace(id, std::move(e));
    ++n_publishers;
    spdlog::info("webrtc: publish started stream={} session={}", stream, id);
    return Answer{id, std::move(answer)};
  }

  Result<Answer> play(const std::string& stream, const std::string& offer, const SessionOwner& owner,
                      const std::string& layer) {
    if (auto ok = admit(); !ok) return std::unexpected(ok.error());
    Router* routed = nullptr;
    if (auto it = publishers.find(stream); it != publishers.end() && !it->second->ended()) {
      routed = &it->second->router();
    } else {
      auto bridged_router = bridge_for(stream);
      if (!bridged_router) return std::unexpected(bridged_router.error());
      routed = *bridged_router;
    }
    Router& router = *routed;
    Producer& source = router.producer();
    LocalParams lp = local_params();
    lp.cname = ice_string(16);
    lp.stream_id = stream;
    if (const NegotiatedMedia* a = source.media(MediaKind::audio))
      lp.audio = PlayTrack{SourceCodec{a->codec.name, "", 1}, random_ssrc(), "audio"};
    if (const NegotiatedMedia* v = source.media(MediaKind::video)) {
      SourceCodec sc{v->codec.name, "", 1};
      if (v->codec.name == "H264") {
        sc.profile_level_id = fmtp_value(v->codec.fmtp, "profile-level-id");
        std::string mode = fmtp_value(v->codec.fmtp, "packetization-mode");
        sc.packetization_mode = mode.empty() ? 0 : std::atoi(mode.c_str());
      }
      lp.video = PlayTrack{sc, random_ssrc(), "video"};
    }
    auto n = negotiate(offer, Side::play, caps, lp);
    if (!n) return std::unexpected(n.error());
    size_t wanted = source.video_layers() ? source.video_layers() - 1 : 0;
    if (!layer.empty()) {
      auto index = layer_index(source, layer);
      if (!index) return fail(ErrorCode::invalid_argument, "layer: the stream has no layer " + layer);
      wanted = *index;
    }
    std::string id = auth::random_hex(16);
    WebRtcTransport::Params tp = transport_params(lp, *n);
    std::string answer = n->answer;
    auto sub = std::make_unique<Subscriber>(id, stream, owner, std::move(*n), router, wanted,
                                            config.webrtc.drop_outbound_every);
    auto t = WebRtcTransport::create(*udp, tcp.get(), dtls, std::move(tp), *sub, steady_ms());
    if (!t) return std::unexpected(t.error());
    sub->attach(std::move(*t));
    sessions.emplace(id, Entry{std::move(sub), std::nullopt, "", false});
    ++n_subscribers;
    spdlog::info("webrtc: play started stream={} session={}", stream, id);
    return Answer{id, std::move(answer)};
  }

  // The router of a stream published over RTMP (or any other non-WebRTC source), bridged to
  // RTP: the running bridge, or a new one.
  Result<Router*> bridge_for(const std::string& stream) {
    auto b = bridged.find(stream);
    if (b == bridged.end() || b->second.bridge->closed()) {
      auto st = hub.published(stream);
      if (!st) return fail(ErrorCode::not_found, "stream " + stream + " is not being published");
      bridge::FramesToRtpOptions o;
      o.opus_kbps = config.bridge.opus_kbps;
      o.packet_cache = config.webrtc.packet_cache;
      auto made = std::make_unique<bridge::FramesToRtp>(st, io, o, codec_pool.get_executor());
      b = bridged.insert_or_assign(stream, Bridged{std::move(made), steady_ms()}).first;
      spdlog::info("bridge: stream={} bridged to WebRTC", stream);
    }
    bridge::FramesToRtp& f = *b->second.bridge;
    if (!f.refusal().empty()) return fail(ErrorCode::unsupported_media_type, f.refusal());
    if (!f.media(MediaKind::video) && !f.media(MediaKind::audio))
      return fail(ErrorCode::not_found, "stream " + stream + " has no H.264 or AAC yet");
    return &f.router();
  }

  // Bridges without viewers for a few seconds, or whose stream ended, go.
  void sweep_bridges(int64_t now) {
    for (auto it = bridged.begin(); it != bridged.end();) {
      Bridged& b = it->second;
      if (b.bridge->router().consumers() > 0)
        b.idle_since_ms = 0;
      else if (b.idle_since_ms == 0)
        b.idle_since_ms = now;
      if (b.bridge->closed() || (b.idle_since_ms && now - b.idle_since_ms > 5000)) {
        spdlog::info("bridge: stream={} no longer bridged to WebRTC ({})", it->first,
                     b.bridge->closed() ? "the stream ended" : "no viewers");
        it = bridged.erase(it);
      } else {
        ++it;
      }
    }
  }

  static std::optional<size_t> layer_index(const Producer& p, const std::string& layer) {
    for (size_t i = 0; i < p.video_layers(); ++i)
      if (p.video_layer(i)->rid == layer) return i;
    if (layer.size() == 1 && layer[0] >= '0' && layer[0] <= '9' && size_t(layer[0] - '0') < std::max<size_t>(1, p.video_layers()))
      return size_t(layer[0] - '0');
    return std::nullopt;
  }

  // Ends a session now and lets go of what it holds; the object itself goes in the sweep.
  void end_session(const std::string& id, std::string_view reason) {
    auto it = sessions.find(id);
    if (it == sessions.end()) return;
    it->second.session->end(reason);
    retire(it->second);
  }

  void retire(Entry& e) {
    if (e.retired) return;
    e.retired = true;
    PeerSession& s = *e.session;
    const auto& c = s.transport().counters();
    gone_packets_in += c.rtp_in;
    gone_packets_out += c.rtp_out;
    gone_bytes_in += c.bytes_in;
    gone_bytes_out += c.bytes_out;
    if (s.kind() == PeerSession::Kind::publish) {
      auto* pub = static_cast<Publisher*>(&s);
      if (auto it = publishers.find(s.stream()); it != publishers.end() && it->second == pub) publishers.erase(it);
      e.to_frames.reset();  // before the publish ends: nothing more goes into the stream
      if (e.ticket) hub.stop_publish(*e.ticket);
      e.ticket.reset();
      if (auto rs = speakers.find(e.room); rs != speakers.end()) {
        rs->second.detector.remove(pub->producer_id());
        rs->second.producers.erase(pub->producer_id());
      }
      --n_publishers;
    } else {
      auto* sub = static_cast<Subscriber*>(&s);
      gone_nacks += sub->counters().nacks;
      gone_retransmits += sub->counters().retransmitted;
      --n_subscribers;
    }
    spdlog::info("webrtc: session ended stream={} session={} reason=\"{}\"", s.stream(), s.id(), s.end_reason());
  }

  void tick() {
    int64_t now = steady_ms();
    if (tick_due_ms) {
      double late = double(std::max<int64_t>(0, now - tick_due_ms));
      double lag = lag_ms.load() * 0.9 + late * 0.1;
      if (lag > kOverloadLagMs && lag_ms.load() <= kOverloadLagMs)
        spdlog::warn("webrtc: loop overloaded (tick {} ms late on average): new sessions get 503", int(lag));
      else if (lag <= kOverloadLagMs && lag_ms.load() > kOverloadLagMs)
        spdlog::info("webrtc: loop keeps up again, new sessions welcome");
      lag_ms = lag;
    }
    // Live sessions' counters first; the totals of retired ones are added after the loop,
    // since retire() adds to them inside it (otherwise the sums could go down).
    uint64_t pin = 0, pout = 0, bin = 0, bout = 0, nk = 0, rt = 0;
    for (auto& [id, e] : sessions) {
      if (!e.session->ended()) {
        e.session->transport().tick(now);
        if (!e.session->ended()) e.session->tick(now);
        if (e.to_frames && !e.session->ended()) e.to_frames->tick(now);
      }
      if (e.session->ended()) {
        retire(e);
        continue;
      }
      const auto& c = e.session->transport().counters();
      pin += c.rtp_in;
      pout += c.rtp_out;
      bin += c.bytes_in;
      bout += c.bytes_out;
      if (e.session->kind() == PeerSession::Kind::play) {
        auto* sub = static_cast<Subscriber*>(e.session.get());
        nk += sub->counters().nacks;
        rt += sub->counters().retransmitted;
      }
    }
    std::erase_if(sessions, [](const auto& kv) { return kv.second.retired; });
    packets_in = pin + gone_packets_in;
    packets_out = pout + gone_packets_out;
    bytes_in = bin + gone_bytes_in;
    bytes_out = bout + gone_bytes_out;
    nacks = nk + gone_nacks;
    retransmits = rt + gone_retransmits;
    if (now >= next_speaker_ms) {
      next_speaker_ms = now + kSpeakerEveryMs;
      for (auto it = speakers.begin(); it != speakers.end();) {
        auto& rs = it->second;
        if (auto change = rs.detector.update(now); change && self.on_active_speaker) {
          std::string user, stream;
          if (change->speaker)
            if (auto p = rs.producers.find(*change->speaker); p != rs.producers.end()) std::tie(user, stream) = p->second;
          self.on_active_speaker(it->first, user, stream);
        }
        it = rs.producers.empty() && !rs.detector.dominant() ? speakers.erase(it) : std::next(it);
      }
    }
    sweep_bridges(now);
    if (tcp) tcp->sweep(now);
    udp->flush();
  }

  void arm() {
    tick_due_ms = steady_ms() + kTickMs;
    timer->expires_after(std::chrono::milliseconds(kTickMs));
    timer->async_wait([this](boost::system::error_code ec) {
      if (ec || stopped) return;
      tick();
      arm();
    });
  }

  void shutdown() {
    stopped = true;
    if (timer) timer->cancel();
    for (auto& [id, e] : sessions) {
      e.session->end("server shutting down");
      retire(e);
    }
    if (udp) udp->flush();
    sessions.clear();
    bridged.clear();
    if (tcp) tcp->close();
    if (udp) udp->close();
  }
};

WebRtcService::WebRtcService(const Config& config, EventLoops& loops, media::StreamHub& hub)
    : impl_(new Impl(config, loops, hub, *this)) {}

WebRtcService::~WebRtcService() = default;

bool WebRtcService::enabled() const { return impl_->config.webrtc.enabled; }

Result<void> WebRtcService::start() {
  auto& im = *impl_;
  if (!im.config.webrtc.enabled) return {};
  auto cert = Certificate::generate();
  if (!cert) return std::unexpected(cert.error());
  auto ctx = DtlsContext::create(*cert);
  if (!ctx) return std::unexpected(ctx.error());
  im.cert = *cert;
  im.dtls = *ctx;
  auto hp = split_host_port(im.config.webrtc.udp_addr);
  if (!hp) return std::unexpected(std::move(hp.error()).with_context("webrtc.udp_addr"));
  im.udp = std::make_unique<UdpServer>(im.io);
  if (auto r = im.udp->open(hp->first, hp->second); !r) return r;
  std::vector<std::string> ips = im.config.webrtc.public_ips;
  if (ips.empty()) {
    if (hp->first == "0.0.0.0" || hp->first == "::" || hp->first.empty())
      ips = host_addresses();
    else
      ips = {hp->first};
  }
  if (im.config.webrtc.tcp) {
    // ICE-TCP on the same port number (the UDP port when it was 0 in the config).
    im.tcp = std::make_unique<TcpServer>(im.io, *im.udp);
    if (auto r = im.tcp->open(hp->first, im.udp->port()); !r) return r;
  }
  // RFC 8445 5.1.2.1: host candidates, type preference 126, UDP before TCP (RFC 6544 4.2
  // gives TCP a lower local preference), addresses in the order given.
  for (size_t i = 0; i < ips.size(); ++i) {
    if (im.config.webrtc.udp) {
      sdp::Candidate c;
      c.foundation = std::to_string(i + 1);
      c.transport = "udp";
      c.priority = (126u << 24) | (uint32_t(65535 - i) << 8) | 255u;
      c.address = ips[i];
      c.port = im.udp->port();
      im.candidates.push_back(std::move(c));
    }
    if (im.tcp) {
      sdp::Candidate c;
      c.foundation = std::to_string(100 + i + 1);
      c.transport = "tcp";
      c.priority = (126u << 24) | (uint32_t(32767 - i) << 8) | 255u;
      c.address = ips[i];
      c.port = im.tcp->port();
      c.tcp_type = "passive";
      im.candidates.push_back(std::move(c));
    }
  }
  im.timer = std::make_unique<asio::steady_timer>(im.io);
  im.arm();
  spdlog::info("webrtc: udp port={} tcp={} candidates={}", im.udp->port(), im.tcp ? "on" : "off",
               im.candidates.size());
  return {};
}

void WebRtcService::watch(bus::Bus& bus) {
  bus_ = &bus;
  bus_subscription_ = bus.subscribe([this](const bus::EventPtr& e) {
    auto loss = media::seat_loss(*e);
    if (loss.kind == media::SeatLoss::room_closed) end_member_sessions(e->room, "", false, "the room closed");
    if (loss.kind == media::SeatLoss::member_left) end_member_sessions(e->room, loss.user, false, "left the room");
    if (loss.kind == media::SeatLoss::seat_lost) end_member_sessions(e->room, loss.user, true, "the seat was given up");
  });
}

void WebRtcService::stop() {
  if (bus_) bus_->unsubscribe(bus_subscription_);
  bus_ = nullptr;
  auto& im = *impl_;
  if (!im.udp) return;
  auto done = std::make_shared<std::atomic<bool>>(false);
  Impl* p = impl_.get();
  asio::post(im.io, [p, done] {
    p->shutdown();
    done->store(true);
  });
  for (int i = 0; i < 400 && !done->load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

uint16_t WebRtcService::udp_port() const { return impl_->udp ? impl_->udp->port() : 0; }

asio::awaitable<Result<WebRtcService::Answer>> WebRtcService::publish(std::string stream, std::string offer,
                                                                      SessionOwner owner) {
  Impl* im = impl_.get();
  co_return co_await asio::co_spawn(
      im->io,
      [im, &stream, &offer, &owner]() -> asio::awaitable<Result<Answer>> { co_return im->publish(stream, offer, owner); },
      asio::use_awaitable);
}

asio::awaitable<Result<WebRtcService::Answer>> WebRtcService::play(std::string stream, std::string offer,
                                                                   SessionOwner owner, std::string layer) {
  Impl* im = impl_.get();
  co_return co_await asio::co_spawn(
      im->io,
      [im, &stream, &offer, &owner, &layer]() -> asio::awaitable<Result<Answer>> {
        co_return im->play(stream, offer, owner, layer);
      },
      asio::use_awaitable);
}

asio::awaitable<Result<void>> WebRtcService::end(std::string stream, std::string id, PeerSession::Kind kind) {
  Impl* im = impl_.get();
  co_return co_await asio::co_spawn(
      im->io,
      [im, &stream, &id, kind]() -> asio::awaitable<Result<void>> {
        auto it = im->sessions.find(id);
        if (it == im->sessions.end() || it->second.retired || it->second.session->stream() != stream ||
            it->second.session->kind() != kind)
          co_return fail(ErrorCode::not_found, "no such session");
        im->end_session(id, "ended by DELETE");
        co_return Result<void>{};
      },
      asio::use_awaitable);
}

asio::awaitable<Result<void>> WebRtcService::set_layer(std::string stream, std::string id, std::string layer) {
  Impl* im = impl_.get();
  co_return co_await asio::co_spawn(
      im->io,
      [im, &stream, &id, &layer]() -> asio::awaitable<Result<void>> {
        auto it = im->sessions.find(id);
        if (it == im->sessions.end() || it->second.retired || it->second.session->stream() != stream ||
            it->second.session->kind() != PeerSession::Kind::play)
          co_return fail(ErrorCode::not_found, "no such session");
        auto* sub = static_cast<Subscriber*>(it->second.session.get());
        auto pub = im->publishers.find(stream);
        if (pub == im->publishers.end()) co_return fail(ErrorCode::not_found, "the stream is not live");
        auto index = Impl::layer_index(*pub->second, layer);
        if (!index) co_return fail(ErrorCode::invalid_argument, "layer: the stream has no layer " + layer);
        sub->set_layer(*index, steady_ms());
        co_return Result<void>{};
      },
      asio::use_awaitable);
}

void WebRtcService::end_member_sessions(std::string room, std::string user, bool publish_only, std::string reason) {
  Impl* im = impl_.get();
  if (!im->udp) return;
  asio::post(im->io, [im, room = std::move(room), user = std::move(user), publish_only, reason = std::move(reason)] {
    std::vector<std::string> ids;
    for (auto& [id, e] : im->sessions) {
      if (e.retired || (publish_only && e.session->kind() != PeerSession::Kind::publish)) continue;
      auto [r, u] = room_and_user(e.session->owner(), e.session->stream());
      bool viewer_match = e.session->owner().room == room && (user.empty() || e.session->owner().user == user);
      if ((r == room && (user.empty() || u == user)) || viewer_match) ids.push_back(id);
    }
    for (const auto& id : ids) im->end_session(id, reason);
  });
}

WebRtcService::Stats WebRtcService::stats() const {
  const auto& im = *impl_;
  return {im.n_publishers.load(), im.n_subscribers.load(), im.packets_in.load(), im.packets_out.load(),
          im.bytes_in.load(),     im.bytes_out.load(),     im.nacks.load(),      im.retransmits.load(),
          im.lag_ms.load()};
}

}  // namespace onair::webrtc
