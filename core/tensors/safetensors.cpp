#include "tensors/safetensors.h"
#include "tensors/safetensors_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tensors/error.h"

namespace ripen {
namespace {

constexpr uint64_t kMaxHeader = 100ull * 1024 * 1024;  // the reference implementation's limit

[[noreturn]] void fail(const std::string& file, const std::string& what) { throw Error(file + ": " + what); }
[[noreturn]] void fail_key(const std::string& file, const std::string& key, const std::string& what) {
  throw Error(file + ": key '" + key + "': " + what);
}

struct DtypeRow {
  const char* name;
  at::ScalarType type;
  size_t size;
};
constexpr DtypeRow kDtypes[] = {
    {"F64", at::kDouble, 8}, {"F32", at::kFloat, 4},  {"F16", at::kHalf, 2},   {"BF16", at::kBFloat16, 2},
    {"I64", at::kLong, 8},   {"I32", at::kInt, 4},    {"I16", at::kShort, 2},  {"I8", at::kChar, 1},
    {"U8", at::kByte, 1},    {"BOOL", at::kBool, 1},
};

// Deepest legitimate nesting is 3 (root object > entry object > shape array). The parser stops at the first
// object or array deeper than this: a header of nested brackets within the 100 MiB limit would otherwise cost a
// parse stack entry per bracket, and recursion in dump and in error messages.
constexpr int kMaxNesting = 8;
struct TooDeep {};
// nlohmann's parse callback: `depth` counts the containers around the one starting.
bool refuse_deep_nesting(int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
  using E = nlohmann::json::parse_event_t;
  if ((event == E::object_start || event == E::array_start) && depth >= kMaxNesting) throw TooDeep{};
  return true;
}

// A JSON value for an error message, cut short so a hostile header cannot make the message huge.
std::string brief(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

}  // namespace

at::ScalarType safetensors_scalar_type(const std::string& dtype) {
  for (const auto& row : kDtypes)
    if (dtype == row.name) return row.type;
  throw Error("unknown safetensors dtype '" + dtype + "'");
}

std::string safetensors_dtype_name(at::ScalarType type) {
  for (const auto& row : kDtypes)
    if (type == row.type) return row.name;
  throw Error(std::string("dtype ") + c10::toString(type) + " cannot be stored in safetensors");
}

size_t safetensors_dtype_size(const std::string& dtype) {
  for (const auto& row : kDtypes)
    if (dtype == row.name) return row.size;
  return 0;
}

struct SafeTensors::Mapping {
  void* addr = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (addr && addr != MAP_FAILED) munmap(addr, size);
  }
};

SafeTensors SafeTensors::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    fail(path, std::string("cannot stat: ") + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, "not a regular file");
  }
  auto map = std::make_shared<Mapping>();
  map->size = static_cast<size_t>(st.st_size);
  if (map->size < 8) {
    ::close(fd);
    fail(path, "file is " + std::to_string(map->size) + " bytes, too short for a safetensors header");
  }
  // Private writable mapping: tensors handed out may be modified in place by callers without touching
  // the file (copy-on-write), and untouched pages cost no anonymous memory.
  map->addr = mmap(nullptr, map->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  int e = errno;
  ::close(fd);
  if (map->addr == MAP_FAILED) fail(path, std::string("cannot map: ") + std::strerror(e));
  auto* bytes = static_cast<const uint8_t*>(map->addr);
  return parse(std::move(map), bytes, st.st_size, path);
}

SafeTensors SafeTensors::from_buffer(const uint8_t* data, size_t size, std::string name) {
  return parse(nullptr, data, size, std::move(name));
}

SafeTensors SafeTensors::parse(std::shared_ptr<Mapping> map, const uint8_t* bytes, uint64_t size, std::string name) {
  if (size < 8) fail(name, "too short for a safetensors header (" + std::to_string(size) + " bytes)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  if (n > kMaxHeader) fail(name, "header length " + std::to_string(n) + " exceeds the 100 MiB limit (corrupt or not a safetensors file)");
  if (n > size - 8)
    fail(name, "header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(size) +
                   " bytes): truncated or not a safetensors file");
  if (n < 2) fail(name, "header is empty");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(reinterpret_cast<const char*>(bytes + 8), reinterpret_cast<const char*>(bytes + 8 + n),
                                   refuse_deep_nesting);
  } catch (const TooDeep&) {
    fail(name, "header nests deeper than " + std::to_string(kMaxNesting) + " levels: not a safetensors header");
  } catch (const std::exception& ex) {
    fail(name, std::string("header is not valid JSON: ") + ex.what());
  }
  if (!header.is_object()) fail(name, "header is not a JSON object");

  SafeTensors st;
  st.map_ = std::move(map);
  st.path_ = std::move(name);
  st.data_ = bytes + 8 + n;
  st.data_size_ = size - 8 - n;
  const std::string& file = st.path_;

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& key = it.key();
    const auto& v = it.value();
    if (key == "__metadata__") {
      if (!v.is_object()) fail_key(file, key, "metadata must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) fail_key(file, key, "metadata value '" + m.key() + "' is not a string");
        st.metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!v.is_object()) fail_key(file, key, "entry is not an object");
    TensorInfo info;
    info.name = key;
    auto dt = v.find("dtype");
    auto sh = v.find("shape");
    auto off = v.find("data_offsets");
    if (dt == v.end() || !dt->is_string()) fail_key(file, key, "missing or non-string 'dtype'");
    if (sh == v.end() || !sh->is_array()) fail_key(file, key, "missing or non-array 'shape'");
    if (off == v.end() || !off->is_array() || off->size() != 2) fail_key(file, key, "'data_offsets' must be [begin, end]");
    info.dtype = dt->get<std::string>();
    size_t elem = safetensors_dtype_size(info.dtype);
    if (elem == 0) fail_key(file, key, "unknown dtype '" + info.dtype + "'");
    uint64_t numel = 1;
    bool overflow = false;
    for (const auto& d : *sh) {
      if (!d.is_number_unsigned()) fail_key(file, key, "shape entries must be non-negative integers, got " + brief(d));
      uint64_t dim = d.get<uint64_t>();
      if (dim > static_cast<uint64_t>(INT64_MAX)) fail_key(file, key, "dimension " + brief(d) + " is too large");
      info.shape.push_back(static_cast<int64_t>(dim));
      if (dim != 0 && numel > UINT64_MAX / dim) overflow = true;
      numel *= dim;
    }
    if (overflow || numel > UINT64_MAX / elem) fail_key(file, key, "shape " + brief(*sh) + " overflows the element count");
    for (const auto& o : *off)
      if (!o.is_number_unsigned()) fail_key(file, key, "data_offsets must be non-negative integers, got " + brief(*off));
    info.begin = (*off)[0].get<uint64_t>();
    info.end = (*off)[1].get<uint64_t>();
    if (info.end < info.begin) fail_key(file, key, "data_offsets " + brief(*off) + " end before they begin");
    if (info.end - info.begin != numel * elem)
      fail_key(file, key, "shape " + brief(*sh) + " of " + info.dtype + " needs " + std::to_string(numel * elem) +
                              " bytes but data_offsets " + brief(*off) + " cover " + std::to_string(info.end - info.begin));
    if (info.end > st.data_size_)
      fail_key(file, key, "data_offsets " + brief(*off) + " run past the data section (" + std::to_string(st.data_size_) +
                              " bytes): file truncated?");
    st.infos_.push_back(std::move(info));
  }
  // Ranges must not overlap (zero-length tensors may sit anywhere).
  std::vector<const TensorInfo*> order;
  for (const auto& i : st.infos_)
    if (i.end > i.begin) order.push_back(&i);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < order.size(); ++i)
    if (order[i]->begin < order[i - 1]->end)
      fail_key(file, order[i]->name, "data range overlaps that of '" + order[i - 1]->name + "'");
  for (size_t i = 0; i < st.infos_.size(); ++i) st.index_[st.infos_[i].name] = i;
  return st;
}

const TensorInfo& SafeTensors::info(const std::string& key) const {
  auto it = index_.find(key);
  if (it == index_.end()) throw Error(path_ + ": key '" + key + "' not found");
  return infos_[it->second];
}

std::vector<std::string> SafeTensors::keys() const {
  std::vector<std::string> out;
  out.reserve(infos_.size());
  for (const auto& i : infos_) out.push_back(i.name);
  return out;
}

at::Tensor SafeTensors::tensor(const std::string& key) const {
  const TensorInfo& i = info(key);
  auto type = safetensors_scalar_type(i.dtype);
  const uint8_t* ptr = data_ + i.begin;
  size_t elem = safetensors_dtype_size(i.dtype);
  auto opts = at::TensorOptions().dtype(type).device(at::kCPU);
  if (i.end == i.begin) return at::empty(i.shape, opts);
  if (map_ && reinterpret_cast<uintptr_t>(ptr) % elem == 0) {
    auto keep = map_;
    return at::from_blob(const_cast<uint8_t*>(ptr), i.shape, [keep](void*) {}, opts);
  }
  // Unaligned (or an unowned buffer): copy.
  auto out = at::empty(i.shape, opts);
  std::memcpy(out.data_ptr(), ptr, i.end - i.begin);
  return out;
}

at::Tensor SafeTensors::tensor(const std::string& key, const at::TensorOptions& options) const {
  at::Tensor t = tensor(key);
  return t.to(options.device(), options.dtype().toScalarType(), /*non_blocking=*/false, /*copy=*/false);
}

std::map<std::string, at::Tensor> SafeTensors::load_all() const {
  std::map<std::string, at::Tensor> out;
  for (const auto& i : infos_) out.emplace(i.name, tensor(i.name));
  return out;
}

namespace {
// The padded JSON header and the contiguous CPU tensors in file order.
struct Layout {
  std::string header;
  std::vector<at::Tensor> data;
};
Layout layout_of(const std::map<std::string, at::Tensor>& tensors, const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  Layout l;
  uint64_t offset = 0;
  for (const auto& [name, t0] : tensors) {
    at::Tensor t = t0.detach().to(at::kCPU).contiguous();
    std::string dtype = safetensors_dtype_name(t.scalar_type());
    uint64_t bytes = t.numel() * t.element_size();
    header[name] = {{"dtype", dtype}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    l.data.push_back(t);
  }
  l.header = header.dump();
  while ((l.header.size() + 8) % 8 != 0) l.header.push_back(' ');
  return l;
}

std::string length_prefix(uint64_t n) {
  std::string len(8, '\0');
  for (int i = 0; i < 8; ++i) len[size_t(i)] = static_cast<char>(n >> (8 * i));
  return len;
}
}  // namespace

std::string safetensors_bytes(const std::map<std::string, at::Tensor>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  Layout l = layout_of(tensors, metadata);
  std::string out = length_prefix(l.header.size()) + l.header;
  for (const auto& t : l.data) out.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
  return out;
}

void save_safetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  Layout l = layout_of(tensors, metadata);
  const std::string& h = l.header;
  std::vector<at::Tensor>& data = l.data;
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, std::string("cannot create: ") + std::strerror(errno));
  auto write_all = [&](const void* p, size_t n) {
    const char* c = static_cast<const char*>(p);
    while (n > 0) {
      ssize_t w = ::write(fd, c, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        int e = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        fail(path, std::string("write failed: ") + std::strerror(e));
      }
      c += w;
      n -= static_cast<size_t>(w);
    }
  };
  const std::string len = length_prefix(h.size());
  write_all(len.data(), len.size());
  write_all(h.data(), h.size());
  for (const auto& t : data) write_all(t.data_ptr(), t.numel() * t.element_size());
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    fail(path, std::string("cannot flush to disk: ") + std::strerror(e));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    fail(path, std::string("cannot rename temp file: ") + std::strerror(e));
  }
}

}  // namespace ripen
