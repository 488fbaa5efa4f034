#include "media/webrtc/sdp.hpp"

#include <algorithm>
#include <charconv>

namespace onair::webrtc::sdp {
namespace {

// Splits on single spaces, skipping empty tokens (some writers double a space).
std::vector<std::string_view> split(std::string_view s, char sep = ' ') {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(sep, i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal number that is the whole token and within [lo, hi].
template <class T>
std::optional<T> number(std::string_view s, uint64_t lo, uint64_t hi) {
  uint64_t v = 0;
  if (s.empty() || s.size() > 20) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return T(v);
}

std::string quoted(std::string_view s) {
  constexpr size_t kShown = 40;  // keep error messages short whatever the input
  std::string out = "\"";
  out += s.substr(0, kShown);
  if (s.size() > kShown) out += "...";
  return out + "\"";
}

std::optional<Direction> direction_of(std::string_view s) {
  if (s == "sendrecv") return Direction::sendrecv;
  if (s == "sendonly") return Direction::sendonly;
  if (s == "recvonly") return Direction::recvonly;
  if (s == "inactive") return Direction::inactive;
  return std::nullopt;
}

bool is_rtp(std::string_view proto) {
  return proto.find("RTP/") != std::string_view::npos;
}

// Parses the lines of one SDP body; line_ is 1-based for messages.
class Parser {
 public:
  Result<SessionDescription> run(std::string_view text);

 private:
  std::unexpected<Error> error(std::string_view what) const {
    return fail(ErrorCode::invalid_argument,
                "line " + std::to_string(line_) + ": " + std::string(what));
  }
  Result<void> line(char type, std::string_view value);
  Result<void> media_line(std::string_view value);
  Result<void> attribute(std::string_view name, std::string_view value, bool has_value,
                         std::string_view whole);
  Result<void> media_attribute(MediaSection& m, std::string_view name, std::string_view value,
                               std::string_view whole);
  Result<Codec*> codec_for(MediaSection& m, std::string_view attr, std::string_view pt_text);
  Result<void> candidate(MediaSection& m, std::string_view value);
  Result<void> simulcast(MediaSection& m, std::string_view value);
  Result<SimulcastStreams> simulcast_streams(std::string_view value);

  SessionDescription d_;
  size_t line_ = 0;
};

Result<SessionDescription> Parser::run(std::string_view text) {
  if (text.size() > kMaxSize)
    return fail(ErrorCode::invalid_argument, "SDP too large: " + std::to_string(text.size()) +
                                                 " bytes (max " + std::to_string(kMaxSize) + ")");
  bool seen_version = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (trim(l).empty()) continue;  // tolerate blank lines, e.g. a trailing one
    if (l.size() < 2 || l[1] != '=' || l[0] < 'a' || l[0] > 'z')
      return error("expected <type>=<value>, got " + quoted(l));
    for (char c : l)
      if ((unsigned char)(c) < 0x20 && c != '\t') return error("control character in line");
    std::string_view value = l.substr(2);
    if (!seen_version) {
      if (l[0] != 'v') return error("expected v=0 as the first line, got " + quoted(l));
      seen_version = true;
    }
    if (auto r = line(l[0], value); !r) return std::unexpected(r.error());
  }
  if (!seen_version) return fail(ErrorCode::invalid_argument, "empty SDP: no v= line");
  return std::move(d_);
}

Result<void> Parser::line(char type, std::string_view value) {
  MediaSection* m = d_.media.empty() ? nullptr : &d_.media.back();
  switch (type) {
    case 'v':
      if (value != "0") return error("unsupported version v=" + std::string(value.substr(0, 8)));
      return {};
    case 'o': {
      auto t = split(value);
      if (t.size() != 6) return error("o= line needs 6 fields, has " + std::to_string(t.size()));
      d_.origin = {std::string(t[0]), std::string(t[1]), std::string(t[2]),
                   std::string(t[3]), std::string(t[4]), std::string(t[5])};
      return {};
    }
    case 's':
      d_.session_name = std::string(value);
      return {};
    case 't':
      d_.timing = std::string(value);
      return {};
    case 'c':
      (m ? m->connection : d_.connection) = std::string(trim(value));
      return {};
    case 'm':
      return media_line(value);
    case 'a': {
      size_t colon = value.find(':');
      bool has_value = colon != std::string_view::npos;
      std::string_view name = has_value ? value.substr(0, colon) : value;
      std::string_view v = has_value ? value.substr(colon + 1) : std::string_view();
      return attribute(trim(name), v, has_value, value);
    }
    default:
      return {};  // b=, i=, u=, e=, p=, k=, r=, z=: not modelled
  }
}

// m=<media> <port>[/<count>] <proto> <fmt> ... (RFC 8866 5.14)
Result<void> Parser::media_line(std::string_view value) {
  if (d_.media.size() >= kMaxMediaSections)
    return error("more than " + std::to_string(kMaxMediaSections) + " m= sections");
  auto t = split(value);
  if (t.size() < 4)
    return error("m= line needs <media> <port> <proto> <fmt>..., got " + quoted(value));
  MediaSection m;
  m.kind = std::string(t[0]);
  std::string_view port = t[1].substr(0, t[1].find('/'));
  auto p = number<uint16_t>(port, 0, 65535);
  if (!p) return error("m= line: port " + quoted(t[1]) + " is not a number in 0-65535");
  m.port = *p;
  m.proto = std::string(t[2]);
  bool rtp = is_rtp(m.proto);
  for (size_t i = 3; i < t.size(); ++i) {
    if (rtp) {
      auto pt = number<int>(t[i], 0, 127);
      if (!pt) return error("m= line: payload type " + quoted(t[i]) + " is not a number in 0-127");
      if (m.codec(*pt))
        return error("m= line: payload type " + std::to_string(*pt) + " listed twice");
      m.codecs.push_back(Codec{.payload_type = *pt});
    }
    m.formats.emplace_back(t[i]);
  }
  d_.media.push_back(std::move(m));
  return {};
}

Result<void> Parser::attribute(std::string_view name, std::string_view value, bool has_value,
                               std::string_view whole) {
  MediaSection* m = d_.media.empty() ? nullptr : &d_.media.back();
  // Attributes that may stand at either level.
  if (name == "ice-ufrag") {
    (m ? m->ice_ufrag : d_.ice_ufrag) = std::string(trim(value));
    return {};
  }
  if (name == "ice-pwd") {
    (m ? m->ice_pwd : d_.ice_pwd) = std::string(trim(value));
    return {};
  }
  if (name == "ice-options") {
    (m ? m->ice_options : d_.ice_options) = std::string(trim(value));
    return {};
  }
  if (name == "fingerprint") {
    // RFC 8122 5: several may be given; the first is modelled, the others kept verbatim.
    auto t = split(trim(value));
    if (t.size() != 2) return error("a=fingerprint needs <hash> <value>, got " + quoted(value));
    Fingerprint& f = m ? m->fingerprint : d_.fingerprint;
    if (!f.empty()) {
      (m ? m->other : d_.other).emplace_back(whole);
      return {};
    }
    f.algorithm = std::string(t[0]);
    std::transform(f.algorithm.begin(), f.algorithm.end(), f.algorithm.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
    f.value = std::string(t[1]);
    return {};
  }
  if (name == "setup") {
    Setup s;
    std::string_view v = trim(value);
    if (v == "actpass")
      s = Setup::actpass;
    else if (v == "active")
      s = Setup::active;
    else if (v == "passive")
      s = Setup::passive;
    else if (v == "holdconn")
      s = Setup::holdconn;
    else
      return error("a=setup: unknown role " + quoted(v));
    (m ? m->setup : d_.setup) = s;
    return {};
  }
  if (name == "extmap-allow-mixed" && !has_value) {
    (m ? m->extmap_allow_mixed : d_.extmap_allow_mixed) = true;
    return {};
  }
  if (auto dir = direction_of(name); dir && !has_value) {
    (m ? m->direction : d_.direction) = *dir;
    return {};
  }
  if (m) return media_attribute(*m, name, value, whole);

  // Session level only.
  if (name == "ice-lite" && !has_value) {
    d_.ice_lite = true;
    return {};
  }
  if (name == "group") {
    auto t = split(trim(value));
    if (!t.empty() && t[0] == "BUNDLE" && d_.bundle.empty()) {
      for (size_t i = 1; i < t.size(); ++i) d_.bundle.emplace_back(t[i]);
      if (!d_.bundle.empty()) return {};
    }
  }
  if (name == "msid-semantic" && d_.msid_semantic.empty()) {
    d_.msid_semantic = std::string(trim(value));
    return {};
  }
  d_.other.emplace_back(whole);
  return {};
}

Result<Codec*> Parser::codec_for(MediaSection& m, std::string_view attr, std::string_view pt_text) {
  auto pt = number<int>(pt_text, 0, 127);
  if (!pt)
    return error("a=" + std::string(attr) + ": payload type " + quoted(pt_text) +
                 " is not a number in 0-127");
  for (auto& c : m.codecs)
    if (c.payload_type == *pt) return &c;
  return nullptr;  // not in the m= line: kept verbatim by the caller
}

Result<void> Parser::media_attribute(MediaSection& m, std::string_view name, std::string_view value,
                                     std::string_view whole) {
  auto keep = [&]() -> Result<void> {
    m.other.emplace_back(whole);
    return {};
  };
  if (name == "mid") {
    m.mid = std::string(trim(value));
    return {};
  }
  if (name == "rtcp") {
    m.rtcp = std::string(trim(value));
    return {};
  }
  // Flags (RFC 5761 5.1.3, RFC 8858, RFC 5506, RFC 8843 6, RFC 8840 8.2).
  for (auto [flag, field] : {std::pair{"rtcp-mux", &MediaSection::rtcp_mux},
                             {"rtcp-mux-only", &MediaSection::rtcp_mux_only},
                             {"rtcp-rsize", &MediaSection::rtcp_rsize},
                             {"bundle-only", &MediaSection::bundle_only},
                             {"end-of-candidates", &MediaSection::end_of_candidates}}) {
    if (name != flag) continue;
    m.*field = true;
    return {};
  }

  if (name == "rtpmap" || name == "fmtp" || name == "rtcp-fb") {
    std::string_view v = trim(value);
    size_t sp = v.find(' ');
    std::string_view pt = v.substr(0, sp);
    std::string_view rest =
        sp == std::string_view::npos ? std::string_view() : trim(v.substr(sp + 1));
    if (name == "rtcp-fb" && pt == "*") return keep();  // wildcard (RFC 4585 4.2): not modelled
    auto c = codec_for(m, name, pt);
    if (!c) return std::unexpected(c.error());
    if (!*c) return keep();
    Codec& codec = **c;
    if (name == "rtpmap") {
      // <encoding name>/<clock rate>[/<encoding parameters>] (RFC 8866 6.6)
      auto parts = split(rest, '/');
      if (parts.size() < 2 || parts.size() > 3 || rest.find(' ') != std::string_view::npos)
        return error("a=rtpmap needs <pt> <name>/<clock rate>[/<channels>], got " + quoted(value));
      auto clock = number<uint32_t>(parts[1], 1, 0xFFFFFFFF);
      if (!clock) return error("a=rtpmap: clock rate " + quoted(parts[1]) + " is not a number");
      uint32_t channels = 0;
      if (parts.size() == 3) {
        auto ch = number<uint32_t>(parts[2], 1, 255);
        if (!ch)
          return error("a=rtpmap: channels " + quoted(parts[2]) + " is not a number in 1-255");
        channels = *ch;
      }
      if (!codec.name.empty()) return keep();
      codec.name = std::string(parts[0]);
      codec.clock_rate = *clock;
      codec.channels = channels;
    } else if (name == "fmtp") {
      if (!codec.fmtp.empty()) return keep();
      codec.fmtp = std::string(rest);
    } else {
      if (rest.empty()) return error("a=rtcp-fb needs a feedback type");
      codec.rtcp_fb.emplace_back(rest);
    }
    return {};
  }
  if (name == "extmap") {
    // <id>[/<direction>] <uri> [<extension attributes>] (RFC 8285 8)
    std::string_view v = trim(value);
    size_t sp = v.find(' ');
    if (sp == std::string_view::npos)
      return error("a=extmap needs <id> <uri>, got " + quoted(value));
    std::string_view id_text = v.substr(0, sp);
    std::string_view rest = trim(v.substr(sp + 1));
    Extmap e;
    if (size_t slash = id_text.find('/'); slash != std::string_view::npos) {
      auto dir = direction_of(id_text.substr(slash + 1));
      if (!dir) return error("a=extmap: unknown direction " + quoted(id_text.substr(slash + 1)));
      e.direction = *dir;
      id_text = id_text.substr(0, slash);
    }
    auto id = number<int>(id_text, 1, 255);
    if (!id) return error("a=extmap: id " + quoted(id_text) + " is not a number in 1-255");
    e.id = *id;
    size_t sp2 = rest.find(' ');
    e.uri = std::string(rest.substr(0, sp2));
    if (sp2 != std::string_view::npos) e.attributes = std::string(trim(rest.substr(sp2 + 1)));
    if (e.uri.empty()) return error("a=extmap: missing URI");
    m.extmaps.push_back(std::move(e));
    return {};
  }
  if (name == "rid") {
    // <rid-id> SP <direction> [SP <rid-pt-param-list> / <rid-param-list>] (RFC 8851 10)
    auto t = split(trim(value));
    if (t.size() < 2 || t.size() > 3)
      return error("a=rid needs <id> send|recv [<params>], got " + quoted(value));
    if (t[1] != "send" && t[1] != "recv")
      return error("a=rid: direction " + quoted(t[1]) + " is not send or recv");
    m.rids.push_back(
        Rid{std::string(t[0]), t[1] == "send", t.size() == 3 ? std::string(t[2]) : std::string()});
    return {};
  }
  if (name == "simulcast") return simulcast(m, value);
  if (name == "msid") {
    auto t = split(trim(value));
    if (t.empty() || t.size() > 2)
      return error("a=msid needs <stream> [<track>], got " + quoted(value));
    if (m.msid) return keep();
    m.msid = Msid{std::string(t[0]), t.size() == 2 ? std::string(t[1]) : std::string()};
    return {};
  }
  if (name == "ssrc") {
    // <ssrc-id> SP <attribute>[:<value>] (RFC 5576 4.1)
    std::string_view v = trim(value);
    size_t sp = v.find(' ');
    auto id = number<uint32_t>(v.substr(0, sp), 0, 0xFFFFFFFF);
    if (!id) return error("a=ssrc: " + quoted(v.substr(0, sp)) + " is not a 32-bit number");
    auto it =
        std::find_if(m.ssrcs.begin(), m.ssrcs.end(), [&](const Ssrc& s) { return s.ssrc == *id; });
    if (it == m.ssrcs.end()) it = m.ssrcs.insert(m.ssrcs.end(), Ssrc{.ssrc = *id});
    if (sp == std::string_view::npos) return {};
    std::string_view attr = trim(v.substr(sp + 1));
    size_t colon = attr.find(':');
    std::string_view key = attr.substr(0, colon);
    std::string_view val =
        colon == std::string_view::npos ? std::string_view() : attr.substr(colon + 1);
    if (key == "cname" && it->cname.empty())
      it->cname = std::string(val);
    else if (key == "msid" && it->msid.empty())
      it->msid = std::string(val);
    return {};  // other SSRC attributes (label, mslabel) are legacy: dropped
  }
  if (name == "ssrc-group") {
    auto t = split(trim(value));
    if (t.empty()) return error("a=ssrc-group needs <semantics> <ssrc>...");
    SsrcGroup g{std::string(t[0]), {}};
    for (size_t i = 1; i < t.size(); ++i) {
      auto id = number<uint32_t>(t[i], 0, 0xFFFFFFFF);
      if (!id) return error("a=ssrc-group: " + quoted(t[i]) + " is not a 32-bit number");
      g.ssrcs.push_back(*id);
    }
    m.ssrc_groups.push_back(std::move(g));
    return {};
  }
  if (name == "candidate") return candidate(m, value);
  return keep();
}

// <foundation> <component> <transport> <priority> <address> <port> typ <type>
// [raddr <a>] [rport <p>] *(<extension name> <extension value>) (RFC 8839 5.1)
Result<void> Parser::candidate(MediaSection& m, std::string_view value) {
  auto t = split(trim(value));
  if (t.size() < 8 || t[6] != "typ")
    return error("a=candidate needs 8 fields ending in typ <type>, got " + quoted(value));
  Candidate c;
  c.foundation = std::string(t[0]);
  auto component = number<int>(t[1], 1, 256);
  auto priority = number<uint32_t>(t[3], 0, 0xFFFFFFFF);
  auto port = number<uint16_t>(t[5], 0, 65535);
  if (!component || !priority || !port)
    return error("a=candidate: bad component, priority or port in " + quoted(value));
  c.component = *component;
  c.transport = std::string(t[2]);
  c.priority = *priority;
  c.address = std::string(t[4]);
  c.port = *port;
  c.type = std::string(t[7]);
  for (size_t i = 8; i < t.size(); i += 2) {
    std::string_view key = t[i];
    std::string_view val = i + 1 < t.size() ? t[i + 1] : std::string_view();
    if (key == "raddr" && !val.empty()) {
      c.related_address = std::string(val);
    } else if (key == "rport" && !val.empty()) {
      auto p = number<uint16_t>(val, 0, 65535);
      if (!p) return error("a=candidate: rport " + quoted(val) + " is not a port");
      c.related_port = *p;
    } else if (key == "tcptype" && !val.empty()) {
      c.tcp_type = std::string(val);
    } else {
      if (!c.extensions.empty()) c.extensions += ' ';
      c.extensions += key;
      if (!val.empty()) (c.extensions += ' ') += val;
    }
  }
  m.candidates.push_back(std::move(c));
  return {};
}

Result<SimulcastStreams> Parser::simulcast_streams(std::string_view value) {
  SimulcastStreams out;
  for (auto stream : split(value, ';')) {
    std::vector<SimulcastRid> alternatives;
    for (auto alt : split(stream, ',')) {
      SimulcastRid r;
      if (alt.front() == '~') {
        r.paused = true;
        alt.remove_prefix(1);
      }
      if (alt.empty()) return error("a=simulcast: empty rid");
      r.id = std::string(alt);
      alternatives.push_back(std::move(r));
    }
    if (alternatives.empty()) return error("a=simulcast: empty stream");
    out.push_back(std::move(alternatives));
  }
  if (out.empty()) return error("a=simulcast: empty stream list");
  return out;
}

// send <streams> [recv <streams>] or recv <streams> [send <streams>] (RFC 8853 5.1)
Result<void> Parser::simulcast(MediaSection& m, std::string_view value) {
  auto t = split(trim(value));
  if (t.size() != 2 && t.size() != 4)
    return error("a=simulcast needs send|recv <streams>, got " + quoted(value));
  Simulcast s;
  for (size_t i = 0; i < t.size(); i += 2) {
    SimulcastStreams* target = t[i] == "send" ? &s.send : t[i] == "recv" ? &s.recv : nullptr;
    if (!target || !target->empty())
      return error("a=simulcast: expected send or recv, got " + quoted(t[i]));
    auto streams = simulcast_streams(t[i + 1]);
    if (!streams) return std::unexpected(streams.error());
    *target = std::move(*streams);
  }
  if (!m.simulcast.empty()) return error("a=simulcast given twice");
  m.simulcast = std::move(s);
  return {};
}

void line(std::string& out, std::string_view a, std::string_view b = {}, std::string_view c = {}) {
  out += a;
  out += b;
  out += c;
  out += "\r\n";
}

std::string simulcast_text(const SimulcastStreams& streams) {
  std::string out;
  for (size_t i = 0; i < streams.size(); ++i) {
    if (i) out += ';';
    for (size_t j = 0; j < streams[i].size(); ++j) {
      if (j) out += ',';
      if (streams[i][j].paused) out += '~';
      out += streams[i][j].id;
    }
  }
  return out;
}

void write_transport(std::string& out, const std::string& ufrag, const std::string& pwd,
                     const std::string& options, const Fingerprint& fp, Setup setup) {
  if (!ufrag.empty()) line(out, "a=ice-ufrag:", ufrag);
  if (!pwd.empty()) line(out, "a=ice-pwd:", pwd);
  if (!options.empty()) line(out, "a=ice-options:", options);
  if (!fp.empty()) line(out, "a=fingerprint:", fp.algorithm, " " + fp.value);
  if (setup != Setup::none) line(out, "a=setup:", to_string(setup));
}

}  // namespace

std::string_view to_string(Direction d) {
  switch (d) {
    case Direction::sendrecv:
      return "sendrecv";
    case Direction::sendonly:
      return "sendonly";
    case Direction::recvonly:
      return "recvonly";
    case Direction::inactive:
      return "inactive";
    case Direction::none:
      break;
  }
  return "";
}

std::string_view to_string(Setup s) {
  switch (s) {
    case Setup::actpass:
      return "actpass";
    case Setup::active:
      return "active";
    case Setup::passive:
      return "passive";
    case Setup::holdconn:
      return "holdconn";
    case Setup::none:
      break;
  }
  return "";
}

const Codec* MediaSection::codec(int payload_type) const {
  for (const auto& c : codecs)
    if (c.payload_type == payload_type) return &c;
  return nullptr;
}

const Extmap* MediaSection::extmap(std::string_view uri) const {
  for (const auto& e : extmaps)
    if (e.uri == uri) return &e;
  return nullptr;
}

Result<SessionDescription> parse(std::string_view text) {
  return Parser().run(text);
}

std::string write(const SessionDescription& d) {
  std::string out;
  out.reserve(2048 + 2048 * d.media.size());
  line(out, "v=0");
  const Origin& o = d.origin;
  line(out, "o=",
       o.username + " " + o.session_id + " " + o.session_version + " " + o.net_type + " " +
           o.address_type + " " + o.address);
  line(out, "s=", d.session_name);
  line(out, "t=", d.timing);
  if (!d.connection.empty()) line(out, "c=", d.connection);
  if (d.ice_lite) line(out, "a=ice-lite");
  write_transport(out, d.ice_ufrag, d.ice_pwd, d.ice_options, d.fingerprint, d.setup);
  if (d.direction != Direction::none) line(out, "a=", to_string(d.direction));
  if (!d.bundle.empty()) {
    std::string g = "a=group:BUNDLE";
    for (const auto& mid : d.bundle) (g += ' ') += mid;
    line(out, g);
  }
  if (d.extmap_allow_mixed) line(out, "a=extmap-allow-mixed");
  if (!d.msid_semantic.empty()) line(out, "a=msid-semantic: ", d.msid_semantic);
  for (const auto& a : d.other) line(out, "a=", a);

  for (const auto& m : d.media) {
    std::string ml = "m=" + m.kind + " " + std::to_string(m.port) + " " + m.proto;
    for (const auto& f : m.formats) (ml += ' ') += f;
    line(out, ml);
    if (!m.connection.empty()) line(out, "c=", m.connection);
    if (!m.rtcp.empty()) line(out, "a=rtcp:", m.rtcp);
    write_transport(out, m.ice_ufrag, m.ice_pwd, m.ice_options, m.fingerprint, m.setup);
    if (!m.mid.empty()) line(out, "a=mid:", m.mid);
    if (m.bundle_only) line(out, "a=bundle-only");
    for (const auto& e : m.extmaps) {
      std::string id = std::to_string(e.id);
      if (e.direction != Direction::none) (id += '/') += to_string(e.direction);
      line(out, "a=extmap:", id + " " + e.uri, e.attributes.empty() ? "" : " " + e.attributes);
    }
    if (m.extmap_allow_mixed) line(out, "a=extmap-allow-mixed");
    if (m.direction != Direction::none) line(out, "a=", to_string(m.direction));
    if (m.msid)
      line(out, "a=msid:", m.msid->stream, m.msid->track.empty() ? "" : " " + m.msid->track);
    if (m.rtcp_mux) line(out, "a=rtcp-mux");
    if (m.rtcp_mux_only) line(out, "a=rtcp-mux-only");
    if (m.rtcp_rsize) line(out, "a=rtcp-rsize");
    for (const auto& c : m.codecs) {
      std::string pt = std::to_string(c.payload_type);
      if (!c.name.empty())
        line(out, "a=rtpmap:", pt + " " + c.name + "/" + std::to_string(c.clock_rate),
             c.channels ? "/" + std::to_string(c.channels) : "");
      if (!c.fmtp.empty()) line(out, "a=fmtp:", pt + " ", c.fmtp);
      for (const auto& fb : c.rtcp_fb) line(out, "a=rtcp-fb:", pt + " ", fb);
    }
    for (const auto& r : m.rids)
      line(out, "a=rid:", r.id + (r.send ? " send" : " recv"),
           r.params.empty() ? "" : " " + r.params);
    if (!m.simulcast.empty()) {
      std::string s;
      if (!m.simulcast.send.empty()) s += "send " + simulcast_text(m.simulcast.send);
      if (!m.simulcast.recv.empty())
        s += (s.empty() ? "recv " : " recv ") + simulcast_text(m.simulcast.recv);
      line(out, "a=simulcast:", s);
    }
    for (const auto& g : m.ssrc_groups) {
      std::string s = g.semantics;
      for (uint32_t id : g.ssrcs) (s += ' ') += std::to_string(id);
      line(out, "a=ssrc-group:", s);
    }
    for (const auto& s : m.ssrcs) {
      std::string id = std::to_string(s.ssrc);
      if (!s.cname.empty()) line(out, "a=ssrc:", id + " cname:", s.cname);
      if (!s.msid.empty()) line(out, "a=ssrc:", id + " msid:", s.msid);
      if (s.cname.empty() && s.msid.empty()) line(out, "a=ssrc:", id);
    }
    for (const auto& c : m.candidates) {
      std::string s = c.foundation + " " + std::to_string(c.component) + " " + c.transport + " " +
                      std::to_string(c.priority) + " " + c.address + " " + std::to_string(c.port) +
                      " typ " + c.type;
      if (!c.related_address.empty()) s += " raddr " + c.related_address;
      if (c.related_port) s += " rport " + std::to_string(c.related_port);
      if (!c.tcp_type.empty()) s += " tcptype " + c.tcp_type;
      if (!c.extensions.empty()) s += " " + c.extensions;
      line(out, "a=candidate:", s);
    }
    if (m.end_of_candidates) line(out, "a=end-of-candidates");
    for (const auto& a : m.other) line(out, "a=", a);
  }
  return out;
}

std::string fmtp_value(std::string_view fmtp, std::string_view key) {
  for (auto param : split(fmtp, ';')) {
    param = trim(param);
    size_t eq = param.find('=');
    if (eq != std::string_view::npos && trim(param.substr(0, eq)) == key)
      return std::string(trim(param.substr(eq + 1)));
  }
  return "";
}

}  // namespace onair::webrtc::sdp
