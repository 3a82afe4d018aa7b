#pragma once
// What a small model trained on a fixed caption set can read: the words of its training captions (with how often
// each occurs) and a few example prompts it draws well. The studio completes words from it and says when a prompt
// is mostly unknown. Stored beside the model as vocabulary.json:
//   {"source": "...", "words": {"face": 812, ...}, "examples": ["grinning face, google style", ...]}
// Real Stable Diffusion models have no such file: their encoders read any text.
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ripen::text {

struct VocabularyCoverage {
  int words = 0;    // words in the prompt (weights syntax, <…> tags and BREAK removed)
  int unknown = 0;  // of them, not in the vocabulary
  std::vector<std::string> unknown_words;  // in prompt order, each once
  // True when the prompt has words and most of them are unknown: the model will not draw it.
  bool mostly_unknown() const { return words > 0 && unknown * 2 > words; }
};

class CaptionVocabulary {
 public:
  // The vocabulary of the model folder `dir` (its vocabulary.json); nullopt when the folder has none.
  // Throws ripen::Error naming the file and key when the file is there but malformed.
  static std::optional<CaptionVocabulary> load_for_model(const std::string& dir);
  static CaptionVocabulary load(const std::string& file);
  static CaptionVocabulary from_json(const nlohmann::json& j, const std::string& origin);
  static CaptionVocabulary from_json_text(std::string_view text, const std::string& origin);

  // Counts words of captions (lower-cased, split at anything that is not a letter or digit).
  static CaptionVocabulary from_captions(const std::vector<std::string>& captions);
  std::string to_json_text(const std::string& source) const;

  bool knows(std::string_view word) const;
  // Up to `max` known words that start with `prefix` and are longer (case-insensitive), most frequent first.
  std::vector<std::string> complete(std::string_view prefix, size_t max = 8) const;
  VocabularyCoverage coverage(std::string_view prompt) const;

  const std::map<std::string, int64_t>& words() const { return words_; }
  const std::vector<std::string>& examples() const { return examples_; }
  void set_examples(std::vector<std::string> examples) { examples_ = std::move(examples); }

 private:
  std::map<std::string, int64_t> words_;
  std::vector<std::string> examples_;
};

// The words of a prompt as the vocabulary counts them: lower-case runs of letters and digits (bytes of multi-byte
// UTF-8 count as letters), after removing (word:1.2)-style weights, <lora:…> tags and BREAK.
std::vector<std::string> prompt_words(std::string_view prompt);

}  // namespace ripen::text
