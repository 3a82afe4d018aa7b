// libripen_spm: sentencepiece behind the C ABI of spm_module_abi.h (see CMakeLists.txt for why a module).
#include <sentencepiece_processor.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "spm_module_abi.h"

namespace {
void set_err(char* err, size_t cap, const std::string& msg) {
  if (!err || cap == 0) return;
  size_t n = std::min(cap - 1, msg.size());
  std::memcpy(err, msg.data(), n);
  err[n] = 0;
}
}  // namespace

extern "C" {

__attribute__((visibility("default"))) int ripen_spm_abi_version(void) { return RIPEN_SPM_ABI_VERSION; }

__attribute__((visibility("default"))) void* ripen_spm_load(const char* model_path, char* err, size_t err_cap) {
  try {
    auto* sp = new sentencepiece::SentencePieceProcessor();
    auto status = sp->Load(model_path);
    if (!status.ok()) {
      set_err(err, err_cap, status.ToString());
      delete sp;
      return nullptr;
    }
    return sp;
  } catch (const std::exception& e) {
    set_err(err, err_cap, e.what());
  } catch (...) {
    set_err(err, err_cap, "unknown error");
  }
  return nullptr;
}

__attribute__((visibility("default"))) void ripen_spm_free(void* handle) {
  delete static_cast<sentencepiece::SentencePieceProcessor*>(handle);
}

__attribute__((visibility("default"))) int64_t ripen_spm_encode(void* handle, const char* text, size_t len,
                                                                 int32_t* ids, int64_t cap, char* err, size_t err_cap) {
  try {
    std::vector<int> out;
    auto status = static_cast<sentencepiece::SentencePieceProcessor*>(handle)->Encode(std::string(text, len), &out);
    if (!status.ok()) {
      set_err(err, err_cap, status.ToString());
      return -1;
    }
    for (int64_t i = 0; i < int64_t(out.size()) && i < cap; ++i) ids[i] = out[i];
    return int64_t(out.size());
  } catch (const std::exception& e) {
    set_err(err, err_cap, e.what());
  } catch (...) {
    set_err(err, err_cap, "unknown error");
  }
  return -1;
}

__attribute__((visibility("default"))) int64_t ripen_spm_decode(void* handle, const int32_t* ids, size_t n, char* out,
                                                                 int64_t cap, char* err, size_t err_cap) {
  try {
    auto* sp = static_cast<sentencepiece::SentencePieceProcessor*>(handle);
    std::vector<int> in(ids, ids + n);
    for (int id : in)
      if (id < 0 || id >= sp->GetPieceSize()) {
        set_err(err, err_cap, "id " + std::to_string(id) + " out of range [0, " + std::to_string(sp->GetPieceSize()) + ")");
        return -1;
      }
    std::string text;
    auto status = sp->Decode(in, &text);
    if (!status.ok()) {
      set_err(err, err_cap, status.ToString());
      return -1;
    }
    std::memcpy(out, text.data(), std::min<size_t>(text.size(), size_t(std::max<int64_t>(cap, 0))));
    return int64_t(text.size());
  } catch (const std::exception& e) {
    set_err(err, err_cap, e.what());
  } catch (...) {
    set_err(err, err_cap, "unknown error");
  }
  return -1;
}

__attribute__((visibility("default"))) int32_t ripen_spm_vocab_size(void* handle) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(handle)->GetPieceSize();
}

__attribute__((visibility("default"))) int32_t ripen_spm_special_id(void* handle, int which) {
  auto* sp = static_cast<sentencepiece::SentencePieceProcessor*>(handle);
  switch (which) {
    case 0: return sp->unk_id();
    case 1: return sp->bos_id();
    case 2: return sp->eos_id();
    case 3: return sp->pad_id();
    default: return -1;
  }
}

__attribute__((visibility("default"))) int32_t ripen_spm_piece_to_id(void* handle, const char* piece) {
  try {
    return static_cast<sentencepiece::SentencePieceProcessor*>(handle)->PieceToId(piece);
  } catch (...) {
    return -1;
  }
}

}  // extern "C"
