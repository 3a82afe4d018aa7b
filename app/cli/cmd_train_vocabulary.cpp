// ripen-cli train vocabulary: the words of the training set's captions (train part only: what the model was
// taught) as the model folder's vocabulary.json (text/caption_vocabulary.h). The example prompts already in --out
// are kept: they are chosen by looking at what the model draws, not computed.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/cmd_train.h"
#include "tensors/error.h"
#include "text/caption_vocabulary.h"
#include "training/emoji_dataset.h"

namespace ripen::cli {
namespace {

namespace fs = std::filesystem;

int run_vocabulary(Args& args) {
  const std::string data = args.require("--data");
  const std::string out = args.require("--out");
  args.finish();
  const training::EmojiDataset ds = training::EmojiDataset::load(data);
  std::vector<std::string> captions;
  for (int64_t row : ds.indices(false))
    captions.insert(captions.end(), ds.captions[row].begin(), ds.captions[row].end());
  text::CaptionVocabulary vocabulary = text::CaptionVocabulary::from_captions(captions);
  if (fs::exists(out)) vocabulary.set_examples(text::CaptionVocabulary::load(out).examples());
  for (const std::string& e : vocabulary.examples())
    if (const auto c = vocabulary.coverage(e); c.unknown > 0)
      throw Error(out + ": example prompt \"" + e + "\" has words the captions do not: " + c.unknown_words.front());
  std::string source = "train part of " + fs::path(data).filename().string() + " (";
  for (const auto& [package, style] : ds.sources) source += package + (package == ds.sources.rbegin()->first ? ")" : ", ");
  const std::string tmp = out + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << vocabulary.to_json_text(source);
    if (!f.flush()) throw Error(tmp + ": cannot write");
  }
  fs::rename(tmp, out);
  std::cout << "wrote " << out << ": " << vocabulary.words().size() << " words from " << captions.size()
            << " captions, " << vocabulary.examples().size() << " example prompts\n";
  return 0;
}

RegisterTrainSubcommand reg{
    "vocabulary", {"the caption words of the training set as a model's vocabulary.json: --data FILE --out FILE", run_vocabulary}};

}  // namespace
}  // namespace ripen::cli
