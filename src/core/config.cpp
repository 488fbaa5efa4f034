#include "core/config.hpp"

#include <boost/asio/ip/address.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace onair {
namespace {

// Reads one YAML mapping, remembering which keys were read so that unknown keys (typos)
// are reported instead of silently ignored.
class Section {
 public:
  Section(YAML::Node node, std::string path) : node_(std::move(node)), path_(std::move(path)) {}

  bool valid(std::string& err) const {
    if (node_ && !node_.IsNull() && !node_.IsMap()) {
      err = path_ + ": must be a mapping";
      return false;
    }
    return true;
  }

  template <class T>
  void read(const char* key, T& out, std::string& err) {
    seen_.insert(key);
    if (!err.empty() || !valid(err) || !node_ || !node_.IsMap()) return;
    YAML::Node v = node_[key];
    if (!v || v.IsNull()) return;
    try {
      if constexpr (std::is_same_v<T, bool>) {
        out = v.as<bool>();
      } else if constexpr (std::is_integral_v<T>) {
        long long n = v.as<long long>();
        if (n < static_cast<long long>(std::numeric_limits<T>::min()) ||
            static_cast<unsigned long long>(n) >
                static_cast<unsigned long long>(std::numeric_limits<T>::max()) ||
            (std::is_unsigned_v<T> && n < 0)) {
          err = name(key) + ": out of range";
          return;
        }
        out = static_cast<T>(n);
      } else {
        if (!v.IsScalar()) {
          err = name(key) + ": must be a string";
          return;
        }
        out = v.as<std::string>();
      }
    } catch (const YAML::Exception&) {
      err = name(key) + (std::is_same_v<T, bool> ? ": not a boolean"
                         : std::is_integral_v<T> ? ": not a number"
                                                 : ": not a string");
    }
  }

  // A list of non-empty strings.
  void read_strings(const char* key, std::vector<std::string>& out, std::string& err) {
    YAML::Node v = child(key);
    if (!err.empty() || !v || v.IsNull()) return;
    if (!v.IsSequence()) {
      err = name(key) + ": must be a list";
      return;
    }
    out.clear();
    for (const auto& item : v) {
      if (!item.IsScalar() || item.as<std::string>().empty()) {
        err = name(key) + ": every item must be a non-empty string";
        return;
      }
      out.push_back(item.as<std::string>());
    }
  }

  YAML::Node child(const char* key) {
    seen_.insert(key);
    return node_ && node_.IsMap() ? node_[key] : YAML::Node();
  }

  std::string name(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  void finish(std::string& err) const {
    if (!err.empty() || !node_ || !node_.IsMap()) return;
    for (const auto& kv : node_) {
      auto key = kv.first.as<std::string>();
      if (!seen_.contains(key)) {
        err = name(key.c_str()) + ": unknown key";
        return;
      }
    }
  }

 private:
  YAML::Node node_;
  std::string path_;
  std::set<std::string> seen_;
};

// The top-level keys that are plain values (Config's own scalar fields): ONAIR_<KEY> sets
// them. Every other override names its section, ONAIR_<SECTION>__<KEY>. Keep in step with
// read_config's `top.read` calls.
constexpr std::string_view kTopLevelKeys[] = {"node_id", "data_dir", "threads", "workers"};

// The lower-case config path of an ONAIR_* variable ("http__addr"), or nullopt when the
// variable is not an ONAIR_* variable at all.
std::optional<std::string> onair_key(std::string_view kv) {
  if (!kv.starts_with("ONAIR_")) return std::nullopt;
  auto eq = kv.find('=');
  std::string key(kv.substr(6, eq == std::string_view::npos ? std::string_view::npos : eq - 6));
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key;
}

// Only ONAIR_<SECTION>__<KEY> and the top-level keys override the config: the shell may hold
// other ONAIR_* variables (ONAIR_TOKEN, which the first start prints for curl), and reading
// them as keys would stop every command with "unknown key".
bool is_override(const std::string& key) {
  if (key.find("__") != std::string::npos) return true;
  return std::find(std::begin(kTopLevelKeys), std::end(kTopLevelKeys), key) != std::end(kTopLevelKeys);
}

void apply_env(YAML::Node& root, char** env) {
  if (env == nullptr) return;
  for (char** e = env; *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto name = onair_key(kv);
    if (!name || !is_override(*name)) continue;
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key = std::move(*name);
    std::string value(kv.substr(eq + 1));
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      auto pos = key.find("__", start);
      parts.push_back(key.substr(start, pos - start));
      if (pos == std::string::npos) break;
      start = pos + 2;
    }
    // A scalar is parsed as YAML so numbers and booleans keep their type; a value that
    // is not valid YAML is taken as a plain string.
    YAML::Node parsed;
    try {
      parsed = YAML::Load(value);
    } catch (const YAML::Exception&) {
      parsed = YAML::Node(value);
    }
    if (!parsed.IsScalar() && !parsed.IsMap() && !parsed.IsSequence()) parsed = YAML::Node(value);
    std::vector<YAML::Node> chain{root};
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      YAML::Node next = chain.back()[parts[i]];
      if (!next.IsMap()) {
        chain.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
        next = chain.back()[parts[i]];
      }
      chain.push_back(next);
    }
    chain.back()[parts.back()] = parsed;
  }
}

Result<Config> read_config(YAML::Node root) {
  Config c;
  std::string err;
  Section top(root, "");
  if (!top.valid(err)) return fail(ErrorCode::invalid_argument, "config: " + err);
  top.read("node_id", c.node_id, err);
  top.read("data_dir", c.data_dir, err);
  top.read("threads", c.threads, err);
  top.read("workers", c.workers, err);

  Section log(top.child("log"), "log");
  log.read("level", c.log.level, err);
  log.read("access", c.log.access, err);
  log.finish(err);

  Section http(top.child("http"), "http");
  http.read("addr", c.http.addr, err);
  http.read("public_url", c.http.public_url, err);
  http.read("max_header_bytes", c.http.max_header_bytes, err);
  http.read("max_body_bytes", c.http.max_body_bytes, err);
  http.read("idle_timeout_s", c.http.idle_timeout_s, err);
  http.read("request_timeout_s", c.http.request_timeout_s, err);
  http.read("cors_origin", c.http.cors_origin, err);
  http.finish(err);

  Section rtmp(top.child("rtmp"), "rtmp");
  rtmp.read("addr", c.rtmp.addr, err);
  rtmp.read("public_url", c.rtmp.public_url, err);
  rtmp.read("max_message_bytes", c.rtmp.max_message_bytes, err);
  rtmp.read("timeout_s", c.rtmp.timeout_s, err);
  rtmp.read("preauth_bytes", c.rtmp.preauth_bytes, err);
  rtmp.read("auth_timeout_s", c.rtmp.auth_timeout_s, err);
  rtmp.read("max_buffer_bytes", c.rtmp.max_buffer_bytes, err);
  rtmp.read("max_inflight_bytes", c.rtmp.max_inflight_bytes, err);
  rtmp.finish(err);

  Section auth(top.child("auth"), "auth");
  if (YAML::Node keys = auth.child("keys"); keys && !keys.IsNull()) {
    if (!keys.IsMap()) {
      if (err.empty()) err = "auth.keys: must be a mapping of key to secret";
    } else {
      for (const auto& kv : keys) {
        if (!kv.second.IsScalar()) {
          if (err.empty()) err = "auth.keys." + kv.first.as<std::string>() + ": must be a string";
          continue;
        }
        c.auth.keys[kv.first.as<std::string>()] = kv.second.as<std::string>();
      }
    }
  }
  auth.read("leeway_s", c.auth.leeway_s, err);
  auth.read("max_token_ttl_s", c.auth.max_token_ttl_s, err);
  Section sms(auth.child("sms"), "auth.sms");
  sms.read("enabled", c.auth.sms.enabled, err);
  sms.read("sender", c.auth.sms.sender, err);
  sms.read("url", c.auth.sms.url, err);
  sms.read("code_ttl_s", c.auth.sms.code_ttl_s, err);
  sms.read("phone_interval_s", c.auth.sms.phone_interval_s, err);
  sms.read("phone_per_hour", c.auth.sms.phone_per_hour, err);
  sms.read("ip_per_hour", c.auth.sms.ip_per_hour, err);
  sms.read("max_attempts", c.auth.sms.max_attempts, err);
  sms.read("token_ttl_s", c.auth.sms.token_ttl_s, err);
  sms.finish(err);
  auth.finish(err);

  Section rooms(top.child("rooms"), "rooms");
  rooms.read("member_timeout_s", c.rooms.member_timeout_s, err);
  rooms.read("idle_room_timeout_s", c.rooms.idle_room_timeout_s, err);
  rooms.read("anchor_gone_timeout_s", c.rooms.anchor_gone_timeout_s, err);
  rooms.read("default_max_members", c.rooms.default_max_members, err);
  rooms.read("default_max_seats", c.rooms.default_max_seats, err);
  rooms.read("max_meeting_members", c.rooms.max_meeting_members, err);
  rooms.read("max_live_seats", c.rooms.max_live_seats, err);
  rooms.read("live_max_members", c.rooms.live_max_members, err);
  rooms.read("seat_offer_timeout_s", c.rooms.seat_offer_timeout_s, err);
  rooms.read("kick_ban_s", c.rooms.kick_ban_s, err);
  rooms.read("max_title_chars", c.rooms.max_title_chars, err);
  rooms.read("max_metadata_bytes", c.rooms.max_metadata_bytes, err);
  rooms.finish(err);

  Section pk(top.child("pk"), "pk");
  pk.read("invite_timeout_s", c.pk.invite_timeout_s, err);
  pk.read("duration_s", c.pk.duration_s, err);
  pk.finish(err);

  Section gifts(top.child("gifts"), "gifts");
  gifts.read("payment_url", c.gifts.payment_url, err);
  gifts.read("payment_secret", c.gifts.payment_secret, err);
  gifts.read("payment_timeout_ms", c.gifts.payment_timeout_ms, err);
  gifts.read("max_amount", c.gifts.max_amount, err);
  if (YAML::Node cat = gifts.child("catalog"); cat && !cat.IsNull()) {
    if (!cat.IsSequence()) {
      if (err.empty()) err = "gifts.catalog: must be a list";
    } else {
      c.gifts.catalog.clear();
      std::set<int64_t> ids;
      for (size_t i = 0; i < cat.size(); ++i) {
        GiftItem g;
        Section item(cat[i], "gifts.catalog[" + std::to_string(i) + "]");
        if (!item.valid(err)) break;
        item.read("id", g.id, err);
        item.read("name", g.name, err);
        item.read("price", g.price, err);
        item.read("icon", g.icon, err);
        item.finish(err);
        if (err.empty() && (g.id <= 0 || !ids.insert(g.id).second))
          err = item.name("id") + ": must be a unique positive number";
        if (err.empty() && g.price < 0) err = item.name("price") + ": must not be negative";
        if (err.empty() && g.name.empty()) err = item.name("name") + ": is required";
        c.gifts.catalog.push_back(std::move(g));
      }
    }
  }
  gifts.finish(err);

  Section media(top.child("media"), "media");
  media.read("auth", c.media.auth, err);
  media.read("key", c.media.key, err);
  media.read("play_key", c.media.play_key, err);
  media.read("play_auth", c.media.play_auth, err);
  media.read("url_ttl_s", c.media.url_ttl_s, err);
  media.read("takeover", c.media.takeover, err);
  media.read("gop_max_bytes", c.media.gop_max_bytes, err);
  media.read("queue_soft_bytes", c.media.queue_soft_bytes, err);
  media.read("queue_hard_bytes", c.media.queue_hard_bytes, err);
  media.read("merge_ms", c.media.merge_ms, err);
  media.read("player_stall_s", c.media.player_stall_s, err);
  media.read("audio_cache_ms", c.media.audio_cache_ms, err);
  media.finish(err);
  if (err.empty() && c.media.auth != "none" && c.media.auth != "expiry" && c.media.auth != "hmac")
    err = "media.auth: must be none, expiry or hmac";
  // expiry signatures carry no action: one key for both would let a play URL publish.
  if (err.empty() && !c.media.play_key.empty() && c.media.play_key == c.media.key)
    err = "media.play_key: must differ from media.key";
  if (err.empty() && c.media.queue_soft_bytes < 65536) err = "media.queue_soft_bytes: at least 65536";
  if (err.empty() && c.media.queue_hard_bytes < c.media.queue_soft_bytes)
    err = "media.queue_hard_bytes: must not be below media.queue_soft_bytes";
  if (err.empty() && c.rtmp.max_message_bytes < 65536) err = "rtmp.max_message_bytes: at least 65536";
  if (err.empty() && c.rtmp.timeout_s == 0) err = "rtmp.timeout_s: must be > 0";
  if (err.empty() && c.media.merge_ms > 1000) err = "media.merge_ms: at most 1000";
  if (err.empty() && (c.media.player_stall_s == 0 || c.media.player_stall_s > 3600))
    err = "media.player_stall_s: 1..3600";
  if (err.empty() && c.media.audio_cache_ms > 60000) err = "media.audio_cache_ms: at most 60000";
  if (err.empty() && c.rtmp.preauth_bytes < 4096) err = "rtmp.preauth_bytes: at least 4096";
  if (err.empty() && c.rtmp.auth_timeout_s == 0) err = "rtmp.auth_timeout_s: must be > 0";
  if (err.empty() && c.rtmp.max_buffer_bytes < c.rtmp.max_message_bytes)
    err = "rtmp.max_buffer_bytes: must be at least rtmp.max_message_bytes";
  if (err.empty() && c.rtmp.max_inflight_bytes < c.rtmp.max_buffer_bytes)
    err = "rtmp.max_inflight_bytes: must be at least rtmp.max_buffer_bytes";

  Section hls(top.child("hls"), "hls");
  hls.read("window", c.hls.window, err);
  hls.read("dispose_s", c.hls.dispose_s, err);
  if (YAML::Node seg = hls.child("segment_s"); seg && !seg.IsNull()) {
    try {
      c.hls.segment_s = seg.as<double>();
    } catch (const YAML::Exception&) {
      if (err.empty()) err = "hls.segment_s: not a number";
    }
  }
  hls.finish(err);
  if (err.empty() && (c.hls.segment_s < 0.5 || c.hls.segment_s > 30)) err = "hls.segment_s: must be 0.5..30";
  if (err.empty() && (c.hls.window < 2 || c.hls.window > 100)) err = "hls.window: must be 2..100";

  Section store(top.child("store"), "store");
  store.read("driver", c.store.driver, err);
  store.read("dsn", c.store.dsn, err);
  store.read("sync", c.store.sync, err);
  store.finish(err);
  if (err.empty() && c.store.driver != "sqlite")
    err = "store.driver: only sqlite is available in this build";
  if (err.empty() && c.store.sync != "full" && c.store.sync != "normal")
    err = "store.sync: must be full or normal";

  if (YAML::Node hooks = top.child("webhooks"); hooks && !hooks.IsNull()) {
    if (!hooks.IsSequence()) {
      if (err.empty()) err = "webhooks: must be a list";
    } else {
      for (size_t i = 0; i < hooks.size() && err.empty(); ++i) {
        WebhookConfig w;
        Section item(hooks[i], "webhooks[" + std::to_string(i) + "]");
        if (!item.valid(err)) break;
        item.read("url", w.url, err);
        item.read("secret", w.secret, err);
        if (YAML::Node ev = item.child("events"); ev && !ev.IsNull()) {
          if (!ev.IsSequence()) {
            err = item.name("events") + ": must be a list";
          } else {
            for (const auto& e : ev) w.events.push_back(e.as<std::string>());
          }
        }
        item.finish(err);
        if (err.empty() && !(w.url.starts_with("http://") || w.url.starts_with("https://")))
          err = item.name("url") + ": must be an http:// or https:// URL";
        c.webhooks.push_back(std::move(w));
      }
    }
  }

  Section wd(top.child("webhook_delivery"), "webhook_delivery");
  wd.read("timeout_ms", c.webhook_delivery.timeout_ms, err);
  wd.read("max_attempts", c.webhook_delivery.max_attempts, err);
  wd.read("backoff_ms", c.webhook_delivery.backoff_ms, err);
  wd.read("max_backoff_ms", c.webhook_delivery.max_backoff_ms, err);
  wd.finish(err);

  Section rt(top.child("realtime"), "realtime");
  rt.read("auth_timeout_ms", c.realtime.auth_timeout_ms, err);
  rt.read("idle_timeout_s", c.realtime.idle_timeout_s, err);
  rt.read("batch_ms", c.realtime.batch_ms, err);
  rt.read("batch_max", c.realtime.batch_max, err);
  rt.read("history", c.realtime.history, err);
  rt.read("max_text", c.realtime.max_text, err);
  rt.read("max_frame", c.realtime.max_frame, err);
  rt.read("sample_above", c.realtime.sample_above, err);
  rt.read("room_rate", c.realtime.room_rate, err);
  rt.read("inbox_ttl_s", c.realtime.inbox_ttl_s, err);
  rt.read("inbox_max", c.realtime.inbox_max, err);
  rt.read("user_rate", c.realtime.user_rate, err);
  rt.read("user_burst", c.realtime.user_burst, err);
  rt.read("ping_interval_s", c.realtime.ping_interval_s, err);
  rt.read("max_subscriptions", c.realtime.max_subscriptions, err);
  rt.read("queue_bytes", c.realtime.queue_bytes, err);
  rt.read("queue_hard_bytes", c.realtime.queue_hard_bytes, err);
  rt.read("filter", c.realtime.filter, err);
  if (YAML::Node words = rt.child("words"); err.empty() && words && !words.IsNull()) {
    if (!words.IsSequence()) {
      err = "realtime.words: must be a list";
    } else {
      for (const auto& w : words) {
        if (!w.IsScalar() || w.as<std::string>().empty()) {
          err = "realtime.words: every word must be a non-empty string";
          break;
        }
        c.realtime.words.push_back(w.as<std::string>());
      }
    }
  }
  rt.finish(err);
  const auto& r = c.realtime;
  if (err.empty() && r.filter != "mask" && r.filter != "reject") err = "realtime.filter: must be mask or reject";
  if (err.empty() && (r.batch_ms == 0 || r.batch_ms > 1000)) err = "realtime.batch_ms: must be 1..1000";
  if (err.empty() && r.batch_max == 0) err = "realtime.batch_max: must be > 0";
  if (err.empty() && r.max_frame < 256) err = "realtime.max_frame: at least 256";
  if (err.empty() && r.ping_interval_s == 0) err = "realtime.ping_interval_s: must be > 0";
  if (err.empty() && r.idle_timeout_s <= r.ping_interval_s)
    err = "realtime.idle_timeout_s: must be more than realtime.ping_interval_s";
  if (err.empty() && r.queue_hard_bytes < r.queue_bytes)
    err = "realtime.queue_hard_bytes: must be at least realtime.queue_bytes";
  if (err.empty() && r.user_rate == 0) err = "realtime.user_rate: must be > 0";

  Section wr(top.child("webrtc"), "webrtc");
  wr.read("enabled", c.webrtc.enabled, err);
  wr.read("udp_addr", c.webrtc.udp_addr, err);
  wr.read_strings("public_ips", c.webrtc.public_ips, err);
  wr.read("udp", c.webrtc.udp, err);
  wr.read("tcp", c.webrtc.tcp, err);
  wr.read_strings("ice_servers", c.webrtc.ice_servers, err);
  wr.read("consent_timeout_s", c.webrtc.consent_timeout_s, err);
  wr.read("connect_timeout_s", c.webrtc.connect_timeout_s, err);
  wr.read_strings("video_codecs", c.webrtc.video_codecs, err);
  wr.read("keyframe_request_ms", c.webrtc.keyframe_request_ms, err);
  wr.read("packet_cache", c.webrtc.packet_cache, err);
  wr.read("max_sessions", c.webrtc.max_sessions, err);
  wr.read("drop_inbound_every", c.webrtc.drop_inbound_every, err);
  wr.read("drop_outbound_every", c.webrtc.drop_outbound_every, err);
  wr.finish(err);
  const auto& w = c.webrtc;
  if (err.empty()) {
    for (const auto& codec : w.video_codecs)
      if (codec != "VP8" && codec != "H264") err = "webrtc.video_codecs: only VP8 and H264, got " + codec;
  }
  if (err.empty() && w.video_codecs.empty()) err = "webrtc.video_codecs: at least one";
  if (err.empty() && !w.udp && !w.tcp) err = "webrtc: udp and tcp are both off";
  if (err.empty() && w.consent_timeout_s == 0) err = "webrtc.consent_timeout_s: must be > 0";
  if (err.empty() && w.connect_timeout_s == 0) err = "webrtc.connect_timeout_s: must be > 0";
  if (err.empty() && (w.packet_cache < 64 || w.packet_cache > 32768 || (w.packet_cache & (w.packet_cache - 1))))
    err = "webrtc.packet_cache: a power of two, 64..32768";
  if (err.empty()) {
    if (auto r = split_host_port(w.udp_addr); !r) err = "webrtc.udp_addr: " + r.error().message();
  }
  if (err.empty()) {
    for (const auto& ip : w.public_ips) {
      boost::system::error_code ec;
      boost::asio::ip::make_address(ip, ec);
      if (ec) err = "webrtc.public_ips: not an IP address: " + ip;
    }
  }

  Section br(top.child("bridge"), "bridge");
  br.read("jitter_ms", c.bridge.jitter_ms, err);
  br.read("aac_kbps", c.bridge.aac_kbps, err);
  br.read("opus_kbps", c.bridge.opus_kbps, err);
  br.read("threads", c.bridge.threads, err);
  br.read("vp8_transcode", c.bridge.vp8_transcode, err);
  br.read("h264_kbps", c.bridge.h264_kbps, err);
  br.read("h264_preset", c.bridge.h264_preset, err);
  br.finish(err);
  const auto& b = c.bridge;
  if (err.empty() && (b.jitter_ms < 10 || b.jitter_ms > 2000)) err = "bridge.jitter_ms: 10..2000";
  if (err.empty() && (b.aac_kbps < 16 || b.aac_kbps > 512)) err = "bridge.aac_kbps: 16..512";
  if (err.empty() && (b.opus_kbps < 6 || b.opus_kbps > 510)) err = "bridge.opus_kbps: 6..510";
  if (err.empty() && (b.threads < 1 || b.threads > 64)) err = "bridge.threads: 1..64";
  if (err.empty() && b.vp8_transcode != "on_demand" && b.vp8_transcode != "off")
    err = "bridge.vp8_transcode: on_demand or off";
  if (err.empty() && (b.h264_kbps < 100 || b.h264_kbps > 50000)) err = "bridge.h264_kbps: 100..50000";
  if (err.empty()) {
    static constexpr std::string_view presets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                                   "medium", "slow", "slower", "veryslow", "placebo"};
    if (std::find(std::begin(presets), std::end(presets), b.h264_preset) == std::end(presets))
      err = "bridge.h264_preset: an x264 preset (ultrafast, superfast, veryfast, faster, fast, medium, ...)";
  }

  top.finish(err);

  if (err.empty() && c.node_id > 1023) err = "node_id: must be 0..1023";
  if (err.empty() && c.rooms.default_max_members < 2) err = "rooms.default_max_members: at least 2";
  if (err.empty() && c.rooms.member_timeout_s == 0) err = "rooms.member_timeout_s: must be > 0";
  if (err.empty() && c.http.max_body_bytes < 1024) err = "http.max_body_bytes: at least 1024";
  if (err.empty() && c.http.max_header_bytes < 1024) err = "http.max_header_bytes: at least 1024";
  if (err.empty() && c.auth.sms.sender != "log" && c.auth.sms.sender != "http")
    err = "auth.sms.sender: must be log or http";
  if (err.empty() && c.auth.sms.sender == "http" && c.auth.sms.enabled && c.auth.sms.url.empty())
    err = "auth.sms.url: required by the http sender";
  if (err.empty()) {
    for (const auto& [k, s] : c.auth.keys) {
      if (k.empty() || s.size() < 16) {
        err = "auth.keys." + k + ": the secret must be at least 16 characters";
        break;
      }
    }
  }
  if (err.empty()) {
    if (auto r = split_host_port(c.http.addr); !r) err = "http.addr: " + r.error().message();
  }
  if (err.empty()) {
    if (auto r = split_host_port(c.rtmp.addr); !r) err = "rtmp.addr: " + r.error().message();
  }
  if (!err.empty()) return fail(ErrorCode::invalid_argument, "config: " + err);
  return c;
}

}  // namespace

Result<Config> parse_config(const std::string& yaml_text, char** environ_vars) {
  YAML::Node root;
  try {
    root = yaml_text.empty() ? YAML::Node(YAML::NodeType::Map) : YAML::Load(yaml_text);
    if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::invalid_argument, std::string("config: not valid YAML: ") + e.what());
  }
  if (!root.IsMap()) return fail(ErrorCode::invalid_argument, "config: top level must be a mapping");
  apply_env(root, environ_vars);
  return read_config(root);
}

Result<Config> load_config(const std::string& path, char** environ_vars) {
  std::string text;
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) return fail(ErrorCode::invalid_argument, "config: cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  return parse_config(text, environ_vars);
}

std::vector<std::string> ignored_env(char** environ_vars) {
  std::vector<std::string> out;
  if (environ_vars == nullptr) return out;
  for (char** e = environ_vars; *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto key = onair_key(kv);
    if (!key || is_override(*key) || *key == "token") continue;
    out.emplace_back(kv.substr(0, kv.find('=')));  // the name only: a value may be a secret
  }
  return out;
}

Result<std::pair<std::string, uint16_t>> split_host_port(const std::string& addr) {
  std::string host;
  std::string port;
  if (addr.starts_with('[')) {
    auto close = addr.find(']');
    if (close == std::string::npos || close + 1 >= addr.size() || addr[close + 1] != ':')
      return fail(ErrorCode::invalid_argument, "expected [host]:port");
    host = addr.substr(1, close - 1);
    port = addr.substr(close + 2);
  } else {
    auto colon = addr.rfind(':');
    if (colon == std::string::npos) return fail(ErrorCode::invalid_argument, "expected host:port");
    host = addr.substr(0, colon);
    port = addr.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }))
    return fail(ErrorCode::invalid_argument, "bad port");
  int p = std::stoi(port);
  if (p > 65535) return fail(ErrorCode::invalid_argument, "bad port");
  if (host.empty()) host = "0.0.0.0";
  return std::make_pair(host, static_cast<uint16_t>(p));
}

}  // namespace onair
