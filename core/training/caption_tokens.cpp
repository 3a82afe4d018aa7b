#include "training/caption_tokens.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "tensors/error.h"

namespace ripen::training {

namespace fs = std::filesystem;

namespace {
std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
void run(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) throw Error("command failed: " + cmd);
}
}  // namespace

std::vector<int64_t> token_row(const std::vector<int64_t>& content) {
  std::vector<int64_t> row{kBosId};
  for (size_t i = 0; i < content.size() && i < static_cast<size_t>(kTokenLength - 2); ++i) row.push_back(content[i]);
  row.push_back(kEosId);
  row.resize(kTokenLength, kPadId);
  return row;
}

std::string train_caption_tokenizer(const EmojiDataset& data, const std::string& out_dir, int vocab_size,
                                    const std::string& spm_train) {
  fs::path corpus = fs::path(out_dir) / "captions.txt";
  {
    std::set<std::string> unique;  // each distinct caption once, so frequent templates don't dominate
    for (const auto& caps : data.captions) unique.insert(caps.begin(), caps.end());
    std::ofstream f(corpus);
    for (const auto& c : unique) f << c << "\n";
  }
  fs::path prefix = fs::path(out_dir) / "spiece";
  run(spm_train + " --input=" + quote(corpus.string()) + " --model_prefix=" + quote(prefix.string()) +
      " --vocab_size=" + std::to_string(vocab_size) +
      " --model_type=unigram --character_coverage=1.0 --normalization_rule_name=nmt_nfkc_cf"
      " --pad_id=0 --unk_id=1 --bos_id=2 --eos_id=3 --hard_vocab_limit=false --minloglevel=2 >/dev/null 2>&1");
  fs::remove(corpus);
  return prefix.string() + ".model";
}

void tokenize_captions(EmojiDataset& data, const std::string& model_path, const std::string& spm_encode) {
  fs::path tmp = fs::temp_directory_path() / ("ripen-captions-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  {
    std::ofstream f(tmp / "in.txt");
    for (const auto& caps : data.captions)
      for (const auto& c : caps) {
        if (c.find('\n') != std::string::npos) throw Error("caption contains a newline: " + c);
        f << c << "\n";
      }
  }
  run(spm_encode + " --model=" + quote(model_path) + " --output_format=id < " + quote((tmp / "in.txt").string()) + " > " +
      quote((tmp / "out.txt").string()));
  std::ifstream in(tmp / "out.txt");
  const int64_t n = data.size(), v = data.captions.empty() ? 0 : static_cast<int64_t>(data.captions[0].size());
  std::vector<int64_t> all;
  std::string line;
  for (int64_t i = 0; i < n * v; ++i) {
    if (!std::getline(in, line)) throw Error("spm_encode returned fewer lines than captions");
    std::istringstream s(line);
    std::vector<int64_t> ids;
    int64_t id;
    while (s >> id) ids.push_back(id);
    auto row = token_row(ids);
    all.insert(all.end(), row.begin(), row.end());
  }
  fs::remove_all(tmp);
  data.tokens = at::tensor(all, at::kLong).view({n, v, kTokenLength});
}

}  // namespace ripen::training
