// The safetensors format (huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header {"name": {"dtype", "shape", "data_offsets"},
// "__metadata__": {...}}, then the raw little-endian tensor bytes. Files move
// weights between minidl and PyTorch. Loading validates every header field and
// rejects a corrupt or truncated file with an IOError naming the file and entry.
#pragma once

#include <map>
#include <string>

#include "core/tensor.h"

namespace minidl::io {

using TensorMap = std::map<std::string, Tensor>;
using Metadata = std::map<std::string, std::string>;

struct Safetensors {
  TensorMap tensors;  // on the CPU
  Metadata metadata;
};

/// The file's bytes (tensors from any device, any layout).
std::string serialize_safetensors(const TensorMap& tensors, const Metadata& metadata = {});
/// Parses bytes; `source` names them in errors (a file name).
Safetensors parse_safetensors(const std::string& bytes, const std::string& source = "<bytes>");

/// Writes atomically (a failed save leaves the previous file).
void save_safetensors(const std::string& path, const TensorMap& tensors, const Metadata& metadata = {});
Safetensors load_safetensors(const std::string& path);

/// "F32", "BF16", ... as the format names our dtypes.
std::string safetensors_dtype_name(DType dtype);

}  // namespace minidl::io
