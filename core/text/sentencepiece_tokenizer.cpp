#include "text/sentencepiece_tokenizer.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include "tensors/error.h"
#include "text/spm/spm_module_abi.h"

namespace ripen::text {
namespace fs = std::filesystem;

namespace {

constexpr const char* kModuleName = "libripen_spm.so";

struct Module {
  void* dl = nullptr;
  decltype(&ripen_spm_abi_version) abi_version = nullptr;
  decltype(&ripen_spm_load) load = nullptr;
  decltype(&ripen_spm_free) free = nullptr;
  decltype(&ripen_spm_encode) encode = nullptr;
  decltype(&ripen_spm_decode) decode = nullptr;
  decltype(&ripen_spm_vocab_size) vocab_size = nullptr;
  decltype(&ripen_spm_special_id) special_id = nullptr;
  decltype(&ripen_spm_piece_to_id) piece_to_id = nullptr;
};

std::vector<fs::path> candidates() {
  std::vector<fs::path> out;
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) {
    buf[n] = 0;
    fs::path dir = fs::path(buf).parent_path();
    for (fs::path d : {dir, dir / ".." / "lib", dir / ".." / "lib" / "ripen"}) out.push_back(d / kModuleName);
  }
#ifdef RIPEN_SPM_MODULE_BUILD_PATH
  out.emplace_back(RIPEN_SPM_MODULE_BUILD_PATH);
#endif
#ifdef RIPEN_SPM_MODULE_INSTALL_DIR
  out.push_back(fs::path(RIPEN_SPM_MODULE_INSTALL_DIR) / kModuleName);
#endif
  return out;
}

const Module& module() {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Module>> loaded;  // modules stay loaded for the process's life
  fs::path path = SentencePieceTokenizer::module_path();
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = loaded.find(path.string()); it != loaded.end()) return *it->second;
  void* dl = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!dl) throw Error(path.string() + ": cannot load the SentencePiece module: " + dlerror());
  auto m = std::make_unique<Module>();
  m->dl = dl;
  auto sym = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(dl, name));
    if (!fn) throw Error(path.string() + ": SentencePiece module lacks symbol " + name);
  };
  sym(m->abi_version, "ripen_spm_abi_version");
  if (m->abi_version() != RIPEN_SPM_ABI_VERSION)
    throw Error(path.string() + ": SentencePiece module ABI version " + std::to_string(m->abi_version()) +
                ", expected " + std::to_string(RIPEN_SPM_ABI_VERSION) + " (stale build?)");
  sym(m->load, "ripen_spm_load");
  sym(m->free, "ripen_spm_free");
  sym(m->encode, "ripen_spm_encode");
  sym(m->decode, "ripen_spm_decode");
  sym(m->vocab_size, "ripen_spm_vocab_size");
  sym(m->special_id, "ripen_spm_special_id");
  sym(m->piece_to_id, "ripen_spm_piece_to_id");
  return *(loaded[path.string()] = std::move(m));
}

}  // namespace

struct SentencePieceTokenizer::Handle {
  const Module* mod = nullptr;
  void* sp = nullptr;
  ~Handle() {
    if (sp) mod->free(sp);
  }
};

fs::path SentencePieceTokenizer::module_path() {
  if (const char* env = std::getenv("RIPEN_SPM_MODULE"); env && *env) {
    if (!fs::is_regular_file(env)) throw Error(std::string("RIPEN_SPM_MODULE=") + env + ": no such file");
    return env;
  }
  std::string tried;
  for (const auto& p : candidates()) {
    if (fs::is_regular_file(p)) return p;
    tried += " " + p.string();
  }
  throw Error("SentencePiece module " + std::string(kModuleName) + " not found (build target ripen_spm, or set "
              "RIPEN_SPM_MODULE); looked at:" + tried);
}

SentencePieceTokenizer SentencePieceTokenizer::load(const fs::path& model_file) {
  if (!fs::is_regular_file(model_file)) throw Error(model_file.string() + ": SentencePiece model file not found");
  const Module& mod = module();
  char err[512] = {0};
  void* sp = mod.load(model_file.c_str(), err, sizeof(err));
  if (!sp) throw Error(model_file.string() + ": not a usable SentencePiece model: " + err);
  SentencePieceTokenizer t;
  t.handle_ = std::make_shared<Handle>();
  t.handle_->mod = &mod;
  t.handle_->sp = sp;
  t.origin_ = model_file.string();
  return t;
}

std::vector<int64_t> SentencePieceTokenizer::encode(std::string_view text) const {
  char err[512] = {0};
  std::vector<int32_t> ids(text.size() + 16);
  int64_t n = handle_->mod->encode(handle_->sp, text.data(), text.size(), ids.data(), int64_t(ids.size()), err, sizeof(err));
  if (n < 0) throw Error(origin_ + ": SentencePiece encode failed: " + err);
  if (n > int64_t(ids.size())) {
    ids.resize(n);
    n = handle_->mod->encode(handle_->sp, text.data(), text.size(), ids.data(), n, err, sizeof(err));
    if (n < 0) throw Error(origin_ + ": SentencePiece encode failed: " + err);
  }
  return std::vector<int64_t>(ids.begin(), ids.begin() + n);
}

std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::vector<int32_t> in;
  in.reserve(ids.size());
  for (int64_t id : ids) {
    if (id < 0 || id > INT32_MAX) throw Error(origin_ + ": SentencePiece id " + std::to_string(id) + " out of range");
    in.push_back(int32_t(id));
  }
  char err[512] = {0};
  std::string out(ids.size() * 8 + 64, '\0');
  int64_t n = handle_->mod->decode(handle_->sp, in.data(), in.size(), out.data(), int64_t(out.size()), err, sizeof(err));
  if (n < 0) throw Error(origin_ + ": SentencePiece decode failed: " + err);
  if (n > int64_t(out.size())) {
    out.resize(n);
    n = handle_->mod->decode(handle_->sp, in.data(), in.size(), out.data(), n, err, sizeof(err));
    if (n < 0) throw Error(origin_ + ": SentencePiece decode failed: " + err);
  }
  out.resize(n);
  return out;
}

int64_t SentencePieceTokenizer::vocab_size() const { return handle_->mod->vocab_size(handle_->sp); }
int64_t SentencePieceTokenizer::unk_id() const { return handle_->mod->special_id(handle_->sp, 0); }
int64_t SentencePieceTokenizer::bos_id() const { return handle_->mod->special_id(handle_->sp, 1); }
int64_t SentencePieceTokenizer::eos_id() const { return handle_->mod->special_id(handle_->sp, 2); }
int64_t SentencePieceTokenizer::pad_id() const { return handle_->mod->special_id(handle_->sp, 3); }
int64_t SentencePieceTokenizer::piece_to_id(const std::string& piece) const {
  return handle_->mod->piece_to_id(handle_->sp, piece.c_str());
}

}  // namespace ripen::text
