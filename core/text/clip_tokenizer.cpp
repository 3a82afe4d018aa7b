#include "text/clip_tokenizer.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "tensors/error.h"
#include "tensors/json_file.h"
#include "text/unicode.h"

namespace ripen::text {
namespace fs = std::filesystem;

struct ClipTokenizer::Impl {
  std::unordered_map<std::string, int64_t> vocab;
  std::vector<std::string> id_to_token;
  std::unordered_map<std::string, int> ranks;  // "a b" -> merge rank
  std::string byte_char[256];                  // GPT-2 bytes_to_unicode, UTF-8 encoded
  std::unordered_map<std::string, unsigned char> char_byte;
  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<std::string>> cache;

  Impl() {
    // Printable bytes map to themselves; the rest to U+0100 upwards, in byte order.
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char32_t c = printable ? char32_t(b) : char32_t(256 + n++);
      std::string s;
      append_utf8(s, c);
      byte_char[b] = s;
      char_byte[s] = static_cast<unsigned char>(b);
    }
  }

  std::vector<std::string> bpe(const std::string& token) const {
    {
      std::lock_guard<std::mutex> lock(cache_mutex);
      auto it = cache.find(token);
      if (it != cache.end()) return it->second;
    }
    // Symbols: one per code point of the mapped token, "</w>" glued to the last.
    std::vector<std::string> word;
    for (size_t i = 0; i < token.size();) {
      size_t len = 1;
      unsigned char b = token[i];
      if (b >= 0xF0) len = 4;
      else if (b >= 0xE0) len = 3;
      else if (b >= 0xC0) len = 2;
      word.push_back(token.substr(i, len));
      i += len;
    }
    if (!word.empty()) word.back() += "</w>";
    while (word.size() > 1) {
      int best = INT_MAX;
      size_t best_i = 0;
      for (size_t i = 0; i + 1 < word.size(); ++i) {
        auto it = ranks.find(word[i] + " " + word[i + 1]);
        if (it != ranks.end() && it->second < best) {
          best = it->second;
          best_i = i;
        }
      }
      if (best == INT_MAX) break;
      const std::string first = word[best_i], second = word[best_i + 1];
      std::vector<std::string> merged;
      for (size_t i = 0; i < word.size();) {
        if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
          merged.push_back(first + second);
          i += 2;
        } else {
          merged.push_back(word[i++]);
        }
      }
      word.swap(merged);
    }
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cache.size() > 100000) cache.clear();
    cache[token] = word;
    return word;
  }
};

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The pre-tokenizer regex of CLIP on cleaned, lower-cased text.
std::vector<std::u32string> pre_tokenize(const std::u32string& t) {
  std::vector<std::u32string> out;
  size_t i = 0;
  auto starts = [&](std::u32string_view s) { return t.compare(i, s.size(), s) == 0; };
  while (i < t.size()) {
    char32_t c = t[i];
    size_t j = i + 1;
    if (starts(U"<|startoftext|>") || starts(U"<|endoftext|>")) {
      j = i + (starts(U"<|startoftext|>") ? 15 : 13);
    } else if (c == U'\'' && (starts(U"'s") || starts(U"'t") || starts(U"'re") || starts(U"'ve") || starts(U"'m") ||
                             starts(U"'ll") || starts(U"'d"))) {
      j = i + ((starts(U"'re") || starts(U"'ve") || starts(U"'ll")) ? 3 : 2);
    } else if (is_letter(c)) {
      while (j < t.size() && is_letter(t[j])) ++j;
    } else if (is_number(c)) {
      // one digit
    } else if (is_space(c)) {
      ++i;
      continue;
    } else {
      while (j < t.size() && !is_space(t[j]) && !is_letter(t[j]) && !is_number(t[j])) ++j;
    }
    out.push_back(t.substr(i, j - i));
    i = j;
  }
  return out;
}

std::u32string clean_lower(std::string_view piece) {
  std::u32string fixed = ftfy_fix_text(utf8_to_u32(piece));
  std::u32string collapsed;
  for (char32_t c : fixed) {
    if (is_space(c)) {
      if (!collapsed.empty() && collapsed.back() != U' ') collapsed += U' ';
    } else {
      collapsed += c;
    }
  }
  if (!collapsed.empty() && collapsed.back() == U' ') collapsed.pop_back();
  return to_lower(collapsed);
}

}  // namespace

ClipTokenizer ClipTokenizer::from_files(const fs::path& vocab_json, const fs::path& merges_txt, Options options) {
  auto impl = std::make_shared<Impl>();
  nlohmann::json vocab = read_json_file(vocab_json);
  if (!vocab.is_object() || vocab.empty()) throw Error(vocab_json.string() + ": expected an object of token -> id");
  for (auto& [tok, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0)
      throw Error(vocab_json.string() + ": token '" + tok + "' has no valid id");
    int64_t v = id.get<int64_t>();
    impl->vocab[tok] = v;
    if (impl->id_to_token.size() <= size_t(v)) impl->id_to_token.resize(v + 1);
    impl->id_to_token[v] = tok;
  }
  // transformers' slow CLIPTokenizer: drop the first line ("#version"), keep at most 49152-256-2 merges.
  std::istringstream merges(read_file(merges_txt));
  std::string line;
  std::getline(merges, line);
  int rank = 0;
  while (rank < 49152 - 256 - 2 && std::getline(merges, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto sp = line.find(' ');
    if (sp == std::string::npos) {
      if (line.empty()) continue;
      throw Error(merges_txt.string() + ": line " + std::to_string(rank + 2) + " is not a merge ('a b')");
    }
    impl->ranks.emplace(line, rank++);
  }
  ClipTokenizer tok;
  tok.options_ = options;
  auto find = [&](const char* name) {
    auto it = impl->vocab.find(name);
    if (it == impl->vocab.end()) throw Error(vocab_json.string() + ": no token " + name);
    return it->second;
  };
  tok.bos_id_ = find("<|startoftext|>");
  tok.eos_id_ = find("<|endoftext|>");
  if (options.max_length < 2) throw Error("ClipTokenizer: max_length must be at least 2");
  tok.impl_ = impl;
  return tok;
}

ClipTokenizer::Options ClipTokenizer::options_from_folder(const fs::path& dir) {
  Options o;
  auto pad_of = [](const nlohmann::json& j) -> std::string {
    if (!j.contains("pad_token")) return "";
    const auto& p = j["pad_token"];
    if (p.is_string()) return p.get<std::string>();
    if (p.is_object() && p.contains("content") && p["content"].is_string()) return p["content"].get<std::string>();
    return "";
  };
  std::string pad;
  for (const char* name : {"special_tokens_map.json", "tokenizer_config.json"}) {
    fs::path p = dir / name;
    if (!fs::exists(p)) continue;
    nlohmann::json j = read_json_file(p);
    if (pad.empty()) pad = pad_of(j);
    if (j.contains("model_max_length") && j["model_max_length"].is_number_integer()) {
      int64_t m = j["model_max_length"].get<int64_t>();
      if (m >= 2 && m <= 4096) o.max_length = m;
    }
  }
  if (pad == "!") {
    o.pad_id = 0;  // replaced by the vocabulary id below when loading
    o.bang_as_pad = true;
  }
  return o;
}

ClipTokenizer ClipTokenizer::from_folder(const fs::path& dir) {
  Options o = options_from_folder(dir);
  ClipTokenizer t = from_files(dir / "vocab.json", dir / "merges.txt", o);
  if (o.bang_as_pad) {
    auto it = t.impl_->vocab.find("!");
    if (it != t.impl_->vocab.end()) t.options_.pad_id = it->second;
  }
  return t;
}

ClipTokenizer ClipTokenizer::bundled(Options options) {
  fs::path dir = clip_resources_dir();
  return from_files(dir / "vocab.json", dir / "merges.txt", options);
}

size_t ClipTokenizer::vocab_size() const { return impl_->vocab.size(); }

std::vector<std::string> ClipTokenizer::tokenize(std::string_view text) const {
  std::vector<std::string> out;
  auto process = [&](std::string_view piece) {
    for (const auto& word : pre_tokenize(clean_lower(piece))) {
      std::string mapped;
      for (unsigned char b : u32_to_utf8(word)) mapped += impl_->byte_char[b];
      for (auto& sym : impl_->bpe(mapped)) out.push_back(sym);
    }
  };
  // Special tokens are split out of the raw text first (transformers' added-token trie), then each piece is
  // cleaned separately.
  size_t pos = 0, start = 0;
  while (pos < text.size()) {
    std::string_view special;
    for (std::string_view s : {std::string_view("<|startoftext|>"), std::string_view("<|endoftext|>")})
      if (text.substr(pos, s.size()) == s) special = s;
    if (special.empty() && options_.bang_as_pad && text[pos] == '!') special = "!";
    if (special.empty()) {
      ++pos;
      continue;
    }
    process(text.substr(start, pos - start));
    out.emplace_back(special);
    pos += special.size();
    start = pos;
  }
  process(text.substr(start));
  return out;
}

std::vector<int64_t> ClipTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  const int64_t unk = eos_id_;
  for (const auto& tok : tokenize(text)) {
    auto it = impl_->vocab.find(tok);
    ids.push_back(it == impl_->vocab.end() ? unk : it->second);
  }
  return ids;
}

std::vector<int64_t> ClipTokenizer::encode_padded(std::string_view text) const {
  std::vector<int64_t> content = encode(text);
  std::vector<int64_t> ids{bos_id_};
  size_t keep = std::min<size_t>(content.size(), size_t(options_.max_length - 2));
  ids.insert(ids.end(), content.begin(), content.begin() + keep);
  ids.push_back(eos_id_);
  ids.resize(options_.max_length, options_.pad_id);
  return ids;
}

at::Tensor ClipTokenizer::encode_batch(const std::vector<std::string>& prompts) const {
  at::Tensor out = at::empty({int64_t(prompts.size()), options_.max_length}, at::kLong);
  auto acc = out.accessor<int64_t, 2>();
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto ids = encode_padded(prompts[i]);
    for (int64_t j = 0; j < options_.max_length; ++j) acc[i][j] = ids[j];
  }
  return out;
}

std::string ClipTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string mapped;
  for (int64_t id : ids) {
    if (id == bos_id_ || id == eos_id_ || id < 0 || size_t(id) >= impl_->id_to_token.size()) continue;
    mapped += impl_->id_to_token[id];
  }
  std::string bytes;
  for (size_t i = 0; i < mapped.size();) {
    if (mapped.compare(i, 4, "</w>") == 0) {
      bytes += ' ';
      i += 4;
      continue;
    }
    size_t len = 1;
    unsigned char b = mapped[i];
    if (b >= 0xF0) len = 4;
    else if (b >= 0xE0) len = 3;
    else if (b >= 0xC0) len = 2;
    auto it = impl_->char_byte.find(mapped.substr(i, len));
    if (it != impl_->char_byte.end()) bytes += char(it->second);
    i += len;
  }
  while (!bytes.empty() && bytes.back() == ' ') bytes.pop_back();
  return bytes;
}

fs::path clip_resources_dir() {
  std::vector<fs::path> tried;
  auto ok = [&](const fs::path& d) {
    tried.push_back(d);
    return fs::exists(d / "vocab.json") && fs::exists(d / "merges.txt");
  };
  if (const char* env = std::getenv("RIPEN_CLIP_VOCAB_DIR"); env && *env)
    if (ok(env)) return env;
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) {
    buf[n] = 0;
    fs::path dir = fs::path(buf).parent_path();
    if (ok(dir / ".." / "share" / "ripen" / "clip")) return dir / ".." / "share" / "ripen" / "clip";
    for (fs::path d = dir; !d.empty() && d != d.root_path(); d = d.parent_path())
      if (ok(d / "resources" / "clip")) return d / "resources" / "clip";
  }
#ifdef RIPEN_CLIP_INSTALL_DIR
  if (ok(RIPEN_CLIP_INSTALL_DIR)) return RIPEN_CLIP_INSTALL_DIR;
#endif
#ifdef RIPEN_CLIP_SOURCE_DIR
  if (ok(RIPEN_CLIP_SOURCE_DIR)) return RIPEN_CLIP_SOURCE_DIR;
#endif
  std::string msg = "CLIP vocabulary (vocab.json, merges.txt) not found; looked in:";
  for (auto& t : tried) msg += " " + t.string();
  throw Error(msg + " (set RIPEN_CLIP_VOCAB_DIR)");
}

}  // namespace ripen::text
