#pragma once
// SentencePiece tokenizer (the embedded model, T5-style encoders). sentencepiece itself lives in the module
// libripen_spm.so, dlopen'ed with RTLD_NOW|RTLD_LOCAL|RTLD_DEEPBIND: linked next to libtorch, the two protobuf
// copies clash and crash. The module is looked for, in order, at $RIPEN_SPM_MODULE (a file), beside the running
// executable (and in ../lib, ../lib/ripen), in the build tree, and in the install lib dir.
// A missing module or model file is a ripen::Error saying where it looked.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ripen::text {

class SentencePieceTokenizer {
 public:
  static SentencePieceTokenizer load(const std::filesystem::path& model_file);

  std::vector<int64_t> encode(std::string_view text) const;
  std::string decode(const std::vector<int64_t>& ids) const;
  int64_t vocab_size() const;
  int64_t unk_id() const;
  int64_t bos_id() const;  // -1 when the model has none
  int64_t eos_id() const;
  int64_t pad_id() const;
  int64_t piece_to_id(const std::string& piece) const;

  // The module that would be loaded (throws ripen::Error naming the places searched when there is none).
  static std::filesystem::path module_path();

 private:
  struct Handle;
  std::shared_ptr<Handle> handle_;
  std::string origin_;
};

}  // namespace ripen::text
