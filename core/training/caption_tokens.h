#pragma once
// The embedded model's tokenizer: a SentencePiece unigram model trained on the dataset's captions with the
// `spm_train` tool, and the caption token table the diffusion trainer reads.
//
// Token layout (what the runtime must reproduce for this model): [bos] content ids [eos] then pad up to 77,
// with pad 0, unk 1, bos 2, eos 3; at most 75 content ids. The empty prompt (CFG's unconditional input) is
// [2, 3, 0, 0, ...]. Normalization nmt_nfkc_cf (NFKC + case folding).
#include <string>
#include <vector>

#include "training/emoji_dataset.h"

namespace ripen::training {

constexpr int64_t kTokenLength = 77;
constexpr int64_t kPadId = 0, kUnkId = 1, kBosId = 2, kEosId = 3;

// Writes out_dir/spiece.model (+ .vocab); returns the model path.
std::string train_caption_tokenizer(const EmojiDataset& data, const std::string& out_dir, int vocab_size,
                                    const std::string& spm_train = "spm_train");
// Fills data.tokens [N, V, 77] using the `spm_encode` tool.
void tokenize_captions(EmojiDataset& data, const std::string& model_path, const std::string& spm_encode = "spm_encode");
// One padded row from content ids.
std::vector<int64_t> token_row(const std::vector<int64_t>& content_ids);

}  // namespace ripen::training
