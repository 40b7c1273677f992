#include "core/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/io/atomic_file.h"
#include "core/io/escape.h"

namespace minidl::io {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");
constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // as the reference implementation

using Json = nlohmann::json;

const std::pair<const char*, DType> kDTypeNames[] = {
    {"F32", DType::Float32}, {"F64", DType::Float64}, {"F16", DType::Float16}, {"BF16", DType::BFloat16},
    {"I32", DType::Int32},   {"I64", DType::Int64},   {"U8", DType::UInt8},    {"BOOL", DType::Bool}};

[[noreturn]] void corrupt(const std::string& source, const std::string& what) {
  throw IOError("safetensors file " + source + ": " + what);
}

DType parse_dtype(const std::string& name, const std::string& source, const std::string& key) {
  for (const auto& [text, dtype] : kDTypeNames)
    if (name == text) return dtype;
  corrupt(source, "tensor '" + escaped(key) + "' has unsupported dtype '" + escaped(name) + "'");
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

Entry parse_entry(const std::string& key, const Json& value, uint64_t data_size, const std::string& source) {
  const std::string where = "tensor '" + escaped(key) + "'";
  if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets"))
    corrupt(source, where + " needs dtype, shape and data_offsets");
  const Json& dtype = value["dtype"];
  const Json& shape = value["shape"];
  const Json& offsets = value["data_offsets"];
  if (!dtype.is_string()) corrupt(source, where + ": dtype is not a string");
  if (!shape.is_array()) corrupt(source, where + ": shape is not an array");
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    corrupt(source, where + ": data_offsets must be two non-negative integers");
  Entry entry{key, parse_dtype(dtype.get<std::string>(), source, key), {}, offsets[0].get<uint64_t>(),
              offsets[1].get<uint64_t>()};
  uint64_t numel = 1;
  for (const Json& size : shape) {
    if (!size.is_number_unsigned()) corrupt(source, where + ": shape entries must be non-negative integers");
    const auto s = size.get<uint64_t>();
    if (s != 0 && numel > (uint64_t{1} << 62) / s) corrupt(source, where + ": shape is too large");
    numel *= s;
    entry.shape.push_back(static_cast<int64_t>(s));
  }
  if (entry.begin > entry.end || entry.end > data_size)
    corrupt(source, where + ": data_offsets [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                        "] fall outside the " + std::to_string(data_size) + " data bytes (truncated file?)");
  const uint64_t expected = numel * element_size(entry.dtype);
  if (entry.end - entry.begin != expected)
    corrupt(source, where + ": shape " + shape_str(entry.shape) + " of " + dtype.get<std::string>() + " needs " +
                        std::to_string(expected) + " bytes, data_offsets give " +
                        std::to_string(entry.end - entry.begin));
  return entry;
}

}  // namespace

std::string safetensors_dtype_name(DType dtype) {
  for (const auto& [text, d] : kDTypeNames)
    if (d == dtype) return text;
  throw DTypeError(detail::str_cat("safetensors cannot store dtype ", dtype));
}

std::string serialize_safetensors(const TensorMap& tensors, const Metadata& metadata) {
  Json header = Json::object();
  std::vector<Tensor> payload;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    MINIDL_CHECK(name != "__metadata__", ValueError, "safetensors: '__metadata__' is not a valid tensor name");
    const Tensor host = tensor.detach().to(Device::cpu()).contiguous();
    const uint64_t nbytes = host.nbytes();
    header[name] = {{"dtype", safetensors_dtype_name(host.dtype())},
                    {"shape", host.shape()},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    payload.push_back(host);
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned, as the reference pads
  std::string bytes(8, '\0');
  const uint64_t length = text.size();
  std::memcpy(bytes.data(), &length, 8);
  bytes += text;
  bytes.reserve(bytes.size() + offset);
  for (const Tensor& t : payload) bytes.append(static_cast<const char*>(t.data_ptr()), t.nbytes());
  return bytes;
}

Safetensors parse_safetensors(const std::string& bytes, const std::string& source) {
  if (bytes.size() < 8) corrupt(source, "truncated: " + std::to_string(bytes.size()) + " bytes, no header length");
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  if (length > kMaxHeaderBytes) corrupt(source, "header length " + std::to_string(length) + " is implausible");
  if (length > bytes.size() - 8)
    corrupt(source, "truncated: header length " + std::to_string(length) + " exceeds the " +
                        std::to_string(bytes.size() - 8) + " bytes after it");
  Json header;
  try {
    header = Json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(length));
  } catch (const Json::exception& e) {
    corrupt(source, "invalid JSON header: " + escaped(e.what(), 300));
  }
  if (!header.is_object()) corrupt(source, "the header is not a JSON object");
  const uint64_t data_start = 8 + length;
  const uint64_t data_size = bytes.size() - data_start;

  Safetensors result;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) corrupt(source, "__metadata__ is not an object");
      for (const auto& [mkey, mvalue] : value.items()) {
        if (!mvalue.is_string()) corrupt(source, "__metadata__ value of '" + escaped(mkey) + "' is not a string");
        result.metadata[mkey] = mvalue.get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(key, value, data_size, source));
  }
  // The tensors must tile the data exactly: no overlaps, no gaps, nothing after.
  std::vector<const Entry*> by_offset;
  for (const Entry& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t covered = 0;
  for (const Entry* e : by_offset) {
    if (e->begin != covered)
      corrupt(source, "tensor '" + escaped(e->name) + "' starts at byte " + std::to_string(e->begin) + " but the previous " +
                          "data ends at " + std::to_string(covered) + (e->begin < covered ? " (overlap)" : " (gap)"));
    covered = e->end;
  }
  if (covered != data_size)
    corrupt(source, "the tensors cover " + std::to_string(covered) + " of " + std::to_string(data_size) +
                        " data bytes (truncated or trailing data)");
  for (const Entry& e : entries) {
    Tensor t = empty(e.shape, {.dtype = e.dtype});
    std::memcpy(t.data_ptr(), bytes.data() + data_start + e.begin, e.end - e.begin);
    if (e.dtype == DType::Bool) {
      const auto* raw = reinterpret_cast<const uint8_t*>(bytes.data() + data_start + e.begin);
      for (uint64_t i = 0; i < e.end - e.begin; ++i)
        if (raw[i] > 1) corrupt(source, "tensor '" + escaped(e.name) + "' holds a bool byte other than 0 or 1");
    }
    result.tensors.emplace(e.name, std::move(t));
  }
  return result;
}

void save_safetensors(const std::string& path, const TensorMap& tensors, const Metadata& metadata) {
  const std::string bytes = serialize_safetensors(tensors, metadata);
  atomic_write(path, [&bytes](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

Safetensors load_safetensors(const std::string& path) { return parse_safetensors(read_file(path), path); }

}  // namespace minidl::io
