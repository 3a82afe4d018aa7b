#pragma once
// safetensors reader (mmap, zero-copy where the stored dtype is what the caller wants) and writer.
// Format: u64 little-endian header length N, N bytes of JSON {"key": {"dtype", "shape", "data_offsets"}, "__metadata__": {...}},
// then the data section. Everything is validated before any tensor is handed out.
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ripen {

struct TensorInfo {
  std::string name;
  std::string dtype;             // "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;   // byte range inside the data section
};

class SafeTensors {
 public:
  // Opens and validates the whole header. Throws ripen::Error naming the file (and key) on any defect.
  static SafeTensors open(const std::string& path);
  // Parses an in-memory buffer (the fuzzer's entry point); the buffer must outlive the object.
  static SafeTensors from_buffer(const uint8_t* data, size_t size, std::string name = "<buffer>");

  const std::string& path() const { return path_; }
  const std::vector<TensorInfo>& tensors() const { return infos_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& key) const { return index_.count(key) != 0; }
  const TensorInfo& info(const std::string& key) const;
  std::vector<std::string> keys() const;

  // The tensor as stored, on CPU. Shares the mapped memory (copy-on-write) when aligned, so it costs
  // no resident memory until touched. The mapping stays alive while any returned tensor does.
  at::Tensor tensor(const std::string& key) const;
  // Converted to `options` (dtype/device); zero-copy when nothing changes.
  at::Tensor tensor(const std::string& key, const at::TensorOptions& options) const;
  // All tensors, as stored.
  std::map<std::string, at::Tensor> load_all() const;

 private:
  struct Mapping;
  std::shared_ptr<Mapping> map_;
  std::string path_;
  std::vector<TensorInfo> infos_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
  const uint8_t* data_ = nullptr;  // start of data section
  uint64_t data_size_ = 0;

  static SafeTensors parse(std::shared_ptr<Mapping> map, const uint8_t* bytes, uint64_t size, std::string name);
};

// Maps dtype names to ATen scalar types and back.
at::ScalarType safetensors_scalar_type(const std::string& dtype);  // throws on unknown
std::string safetensors_dtype_name(at::ScalarType type);          // throws on unsupported
size_t safetensors_dtype_size(const std::string& dtype);          // 0 when unknown

// Writes tensors (made contiguous, copied to CPU) with optional string metadata. Writes to
// `path + ".tmp"`, fsyncs and renames, so a crash never leaves a half-written file under `path`.
void save_safetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace ripen
