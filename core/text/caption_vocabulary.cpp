#include "text/caption_vocabulary.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "tensors/error.h"
#include "tensors/json_file.h"
#include "text/prompt_weights.h"

namespace ripen::text {
namespace {

using nlohmann::json;

bool is_word_byte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

void append_words(std::string_view text, std::vector<std::string>& out) {
  std::string word;
  auto flush = [&] {
    if (!word.empty()) out.push_back(std::move(word));
    word.clear();
  };
  for (unsigned char c : text) {
    if (is_word_byte(c)) word += static_cast<char>(c < 0x80 ? std::tolower(c) : c);
    else flush();
  }
  flush();
}

// Drops <…> extra-network tags (<lora:name:0.8>, <hypernet:…>): they name files, not things to draw.
std::string without_tags(std::string_view prompt) {
  std::string out;
  int depth = 0;
  for (char c : prompt) {
    if (c == '<') ++depth;
    else if (c == '>' && depth > 0) --depth;
    else if (depth == 0) out += c;
  }
  return out;
}

}  // namespace

std::vector<std::string> prompt_words(std::string_view prompt) {
  std::vector<std::string> out;
  for (const WeightedSpan& span : parse_prompt_weights(without_tags(prompt)))
    if (!span.is_break) append_words(span.text, out);
  return out;
}

CaptionVocabulary CaptionVocabulary::from_captions(const std::vector<std::string>& captions) {
  CaptionVocabulary v;
  std::vector<std::string> words;
  for (const std::string& c : captions) {
    words.clear();
    append_words(c, words);
    for (std::string& w : words) ++v.words_[std::move(w)];
  }
  return v;
}

CaptionVocabulary CaptionVocabulary::from_json_text(std::string_view text, const std::string& origin) {
  return from_json(parse_json_text(text, origin), origin);
}

CaptionVocabulary CaptionVocabulary::load(const std::string& file) { return from_json(read_json_file(file), file); }

CaptionVocabulary CaptionVocabulary::from_json(const json& j, const std::string& origin) {
  if (!j.is_object()) throw Error(origin + ": not a JSON object");
  CaptionVocabulary v;
  const auto words = j.find("words");
  if (words == j.end() || !words->is_object()) throw Error(origin + ": key 'words' must be an object of word counts");
  for (const auto& [word, count] : words->items()) {
    if (!count.is_number_integer() || count.get<int64_t>() < 1)
      throw Error(origin + ": 'words." + word + "' must be a positive integer count");
    std::vector<std::string> parts;
    append_words(word, parts);
    if (parts.size() != 1 || parts[0] != word)
      throw Error(origin + ": 'words' key \"" + word + "\" is not one lower-case word");
    v.words_[word] = count.get<int64_t>();
  }
  if (const auto ex = j.find("examples"); ex != j.end()) {
    if (!ex->is_array()) throw Error(origin + ": key 'examples' must be an array of prompts");
    for (const auto& e : *ex) {
      if (!e.is_string()) throw Error(origin + ": 'examples' holds a value that is not a string");
      v.examples_.push_back(e.get<std::string>());
    }
  }
  return v;
}

std::optional<CaptionVocabulary> CaptionVocabulary::load_for_model(const std::string& dir) {
  const std::filesystem::path file = std::filesystem::path(dir) / "vocabulary.json";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  return load(file.string());
}

std::string CaptionVocabulary::to_json_text(const std::string& source) const {
  json j;
  j["source"] = source;
  j["words"] = words_;
  j["examples"] = examples_;
  return j.dump(1) + "\n";
}

bool CaptionVocabulary::knows(std::string_view word) const {
  std::string w(word);
  for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return words_.count(w) > 0;
}

std::vector<std::string> CaptionVocabulary::complete(std::string_view prefix, size_t max) const {
  std::string p(prefix);
  for (char& c : p) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (p.empty() || max == 0) return {};
  std::vector<std::pair<int64_t, std::string>> found;
  for (auto it = words_.lower_bound(p); it != words_.end() && it->first.compare(0, p.size(), p) == 0; ++it)
    found.emplace_back(it->second, it->first);
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (auto& [count, word] : found) {
    if (out.size() == max) break;
    if (word != p) out.push_back(std::move(word));
  }
  return out;
}

VocabularyCoverage CaptionVocabulary::coverage(std::string_view prompt) const {
  VocabularyCoverage c;
  std::set<std::string> listed;
  for (const std::string& w : prompt_words(prompt)) {
    ++c.words;
    if (words_.count(w)) continue;
    ++c.unknown;
    if (listed.insert(w).second) c.unknown_words.push_back(w);
  }
  return c;
}

}  // namespace ripen::text
