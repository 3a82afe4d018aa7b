#include "text/sentencepiece_prompt_tokenizer.h"

#include <nlohmann/json.hpp>

#include "tensors/error.h"
#include "tensors/json_file.h"

namespace ripen::text {
namespace fs = std::filesystem;
namespace {

nlohmann::json read_config(const fs::path& dir) {
  fs::path file = dir / "tokenizer_config.json";
  if (!fs::is_regular_file(file)) return nlohmann::json::object();
  return read_json_file(file);
}

}  // namespace

bool SentencePiecePromptTokenizer::is_sentencepiece_folder(const fs::path& dir) {
  if (fs::is_regular_file(dir / "spiece.model")) return true;
  auto cfg = read_config(dir);
  return cfg.value("tokenizer_class", std::string()) == "SentencePieceTokenizer";
}

SentencePiecePromptTokenizer SentencePiecePromptTokenizer::from_folder(const fs::path& dir) {
  auto cfg = read_config(dir);
  fs::path model = dir / cfg.value("model_file", std::string("spiece.model"));
  SentencePieceTokenizer sp = SentencePieceTokenizer::load(model);
  auto id = [&](const char* key, int64_t from_model) {
    if (cfg.contains(key) && cfg[key].is_number_integer()) return cfg[key].get<int64_t>();
    return from_model;
  };
  Layout l;
  l.bos_id = id("bos_token_id", sp.bos_id());
  l.eos_id = id("eos_token_id", sp.eos_id());
  l.pad_id = id("pad_token_id", sp.pad_id() >= 0 ? sp.pad_id() : 0);
  l.max_length = id("model_max_length", 77);
  if (l.bos_id < 0 || l.eos_id < 0)
    throw Error(dir.string() + ": the SentencePiece tokenizer has no bos/eos id (set bos_token_id/eos_token_id in tokenizer_config.json)");
  if (l.max_length < 3) throw Error(dir.string() + "/tokenizer_config.json: model_max_length must be at least 3");
  return SentencePiecePromptTokenizer(std::move(sp), l);
}

}  // namespace ripen::text
