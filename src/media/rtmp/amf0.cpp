#include "media/rtmp/amf0.hpp"

#include <bit>
#include <cstring>

namespace onair::amf0 {
namespace {

constexpr int kMaxDepth = 16;
constexpr size_t kMaxElements = 65536;

std::unexpected<Error> bad(const char* why) { return fail(ErrorCode::invalid_argument, std::string("amf0: ") + why); }

bool need(std::span<const uint8_t> d, size_t pos, size_t n) { return pos <= d.size() && d.size() - pos >= n; }

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

double be_double(const uint8_t* p) {
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = bits << 8 | p[i];
  return std::bit_cast<double>(bits);
}

Result<Value> decode_value(std::span<const uint8_t> d, size_t& pos, int depth);

Result<std::string> read_string(std::span<const uint8_t> d, size_t& pos, bool long_form) {
  size_t header = long_form ? 4 : 2;
  if (!need(d, pos, header)) return bad("truncated string length");
  size_t len = long_form ? be32(&d[pos]) : be16(&d[pos]);
  pos += header;
  if (!need(d, pos, len)) return bad("truncated string");
  std::string s(reinterpret_cast<const char*>(&d[pos]), len);
  pos += len;
  return s;
}

// Key/value pairs up to the object-end marker (00 00 09).
Result<std::vector<Property>> read_properties(std::span<const uint8_t> d, size_t& pos, int depth) {
  std::vector<Property> props;
  while (true) {
    if (!need(d, pos, 3)) return bad("object without end marker");
    if (d[pos] == 0 && d[pos + 1] == 0 && d[pos + 2] == 0x09) {
      pos += 3;
      return props;
    }
    if (props.size() >= kMaxElements) return bad("too many properties");
    auto key = read_string(d, pos, false);
    if (!key) return std::unexpected(key.error());
    auto value = decode_value(d, pos, depth + 1);
    if (!value) return std::unexpected(value.error());
    props.push_back({std::move(*key), std::move(*value)});
  }
}

Result<Value> decode_value(std::span<const uint8_t> d, size_t& pos, int depth) {
  if (depth > kMaxDepth) return bad("nested too deeply");
  if (!need(d, pos, 1)) return bad("truncated value");
  uint8_t marker = d[pos++];
  Value v;
  switch (marker) {
    case 0x00:
      if (!need(d, pos, 8)) return bad("truncated number");
      v.type = Type::number;
      v.number = be_double(&d[pos]);
      pos += 8;
      return v;
    case 0x01:
      if (!need(d, pos, 1)) return bad("truncated boolean");
      v.type = Type::boolean;
      v.boolean = d[pos++] != 0;
      return v;
    case 0x02:
    case 0x0C: {
      auto s = read_string(d, pos, marker == 0x0C);
      if (!s) return std::unexpected(s.error());
      v.type = Type::string;
      v.string = std::move(*s);
      return v;
    }
    case 0x03: {
      auto props = read_properties(d, pos, depth);
      if (!props) return std::unexpected(props.error());
      v.type = Type::object;
      v.props = std::move(*props);
      return v;
    }
    case 0x05:
      v.type = Type::null;
      return v;
    case 0x06:
      v.type = Type::undefined;
      return v;
    case 0x08: {
      // The count is a hint only (encoders get it wrong); the end marker ends it.
      if (!need(d, pos, 4)) return bad("truncated ECMA array");
      pos += 4;
      auto props = read_properties(d, pos, depth);
      if (!props) return std::unexpected(props.error());
      v.type = Type::ecma_array;
      v.props = std::move(*props);
      return v;
    }
    case 0x0A: {
      if (!need(d, pos, 4)) return bad("truncated strict array");
      uint32_t n = be32(&d[pos]);
      pos += 4;
      if (n > kMaxElements || n > d.size() - pos) return bad("strict array too long");
      v.type = Type::strict_array;
      v.items.reserve(n);
      for (uint32_t i = 0; i < n; ++i) {
        auto item = decode_value(d, pos, depth + 1);
        if (!item) return std::unexpected(item.error());
        v.items.push_back(std::move(*item));
      }
      return v;
    }
    case 0x0B:
      if (!need(d, pos, 10)) return bad("truncated date");
      v.type = Type::date;
      v.number = be_double(&d[pos]);
      pos += 10;  // the time zone is reserved and ignored
      return v;
    case 0x10: {
      // Typed object: a class name, then an object body. Kept as a plain object.
      auto name = read_string(d, pos, false);
      if (!name) return std::unexpected(name.error());
      auto props = read_properties(d, pos, depth);
      if (!props) return std::unexpected(props.error());
      v.type = Type::object;
      v.props = std::move(*props);
      return v;
    }
    case 0x07:
      return bad("references are not supported");
    case 0x11:
      return bad("AMF3 values are not supported");
    default:
      return bad("unknown type marker");
  }
}

void put16(std::string& out, uint16_t v) {
  out += char(v >> 8);
  out += char(v & 0xff);
}
void put32(std::string& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out += char((v >> s) & 0xff);
}
void put_double(std::string& out, double d) {
  uint64_t bits = std::bit_cast<uint64_t>(d);
  for (int s = 56; s >= 0; s -= 8) out += char((bits >> s) & 0xff);
}
void put_key(std::string& out, const std::string& key) {
  put16(out, uint16_t(std::min<size_t>(key.size(), 0xffff)));
  out.append(key, 0, std::min<size_t>(key.size(), 0xffff));
}
void put_properties(std::string& out, const std::vector<Property>& props) {
  for (const auto& p : props) {
    put_key(out, p.key);
    encode(out, p.value);
  }
  out += '\0';
  out += '\0';
  out += char(0x09);
}

}  // namespace

Value Value::num(double v) {
  Value x;
  x.type = Type::number;
  x.number = v;
  return x;
}
Value Value::boolean_of(bool v) {
  Value x;
  x.type = Type::boolean;
  x.boolean = v;
  return x;
}
Value Value::str(std::string v) {
  Value x;
  x.type = Type::string;
  x.string = std::move(v);
  return x;
}
Value Value::null_value() { return Value{}; }
Value Value::object_of(std::vector<Property> props) {
  Value x;
  x.type = Type::object;
  x.props = std::move(props);
  return x;
}
Value Value::ecma_array_of(std::vector<Property> props) {
  Value x;
  x.type = Type::ecma_array;
  x.props = std::move(props);
  return x;
}

const Value* Value::get(std::string_view key) const {
  for (const auto& p : props)
    if (p.key == key) return &p.value;
  return nullptr;
}

std::optional<std::string> Value::get_string(std::string_view key) const {
  const Value* v = get(key);
  if (v == nullptr || v->type != Type::string) return std::nullopt;
  return v->string;
}

std::optional<double> Value::get_number(std::string_view key) const {
  const Value* v = get(key);
  if (v == nullptr || v->type != Type::number) return std::nullopt;
  return v->number;
}

Result<Value> decode(std::span<const uint8_t> data, size_t& pos) { return decode_value(data, pos, 0); }

Result<std::vector<Value>> decode_all(std::span<const uint8_t> data) {
  std::vector<Value> out;
  size_t pos = 0;
  while (pos < data.size()) {
    if (out.size() >= kMaxElements) return bad("too many values");
    auto v = decode_value(data, pos, 0);
    if (!v) return std::unexpected(v.error());
    out.push_back(std::move(*v));
  }
  return out;
}

void encode(std::string& out, const Value& v) {
  switch (v.type) {
    case Type::number:
      out += char(0x00);
      put_double(out, v.number);
      break;
    case Type::boolean:
      out += char(0x01);
      out += char(v.boolean ? 1 : 0);
      break;
    case Type::string:
      if (v.string.size() > 0xffff) {
        out += char(0x0C);
        put32(out, uint32_t(v.string.size()));
      } else {
        out += char(0x02);
        put16(out, uint16_t(v.string.size()));
      }
      out += v.string;
      break;
    case Type::object:
      out += char(0x03);
      put_properties(out, v.props);
      break;
    case Type::null:
      out += char(0x05);
      break;
    case Type::undefined:
      out += char(0x06);
      break;
    case Type::ecma_array:
      out += char(0x08);
      put32(out, uint32_t(v.props.size()));
      put_properties(out, v.props);
      break;
    case Type::strict_array:
      out += char(0x0A);
      put32(out, uint32_t(v.items.size()));
      for (const auto& item : v.items) encode(out, item);
      break;
    case Type::date:
      out += char(0x0B);
      put_double(out, v.number);
      put16(out, 0);
      break;
  }
}

}  // namespace onair::amf0
