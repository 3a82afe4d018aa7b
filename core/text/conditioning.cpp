#include "text/conditioning.h"

#include <algorithm>

#include "tensors/error.h"

namespace ripen::text {

TextConditioner::TextConditioner(TextArch arch, std::vector<TextEncoderRef> encoders)
    : arch_(arch), encoders_(std::move(encoders)) {
  const size_t want = arch == TextArch::SDXL ? 2 : 1;
  if (encoders_.size() != want)
    throw Error("TextConditioner: " + std::to_string(want) + " text encoder(s) expected, got " +
                std::to_string(encoders_.size()));
  for (auto& e : encoders_)
    if (!e.tokenizer || !e.model) throw Error("TextConditioner: missing tokenizer or text encoder");
  if (arch == TextArch::SDXL && !encoders_[1].model->config().with_projection)
    throw Error("TextConditioner: SDXL's second text encoder needs a text projection");
}

std::vector<WeightedChunks> TextConditioner::chunk(const TextEncoderRef& encoder, const std::vector<std::string>& prompts,
                                                   const ConditioningOptions& o) const {
  const TokenEncoder& tok = *encoder.tokenizer;
  std::vector<WeightedChunks> out;
  for (const auto& p : prompts) {
    if (o.parse_weights) {
      out.push_back(tokenize_weighted(tok, p, o.chunks, encoder.embeddings));
      continue;
    }
    // Plain text: same chunking, no syntax (weights all 1). Escaping every bracket makes the parser literal.
    std::string escaped;
    for (char c : p) {
      if (c == '(' || c == ')' || c == '[' || c == ']' || c == '\\') escaped += '\\';
      escaped += c;
    }
    ChunkOptions co = o.chunks;
    co.enable_break = false;
    out.push_back(tokenize_weighted(tok, escaped, co, encoder.embeddings));
  }
  return out;
}

at::Tensor TextConditioner::select_layer(size_t e, const ClipTextOutput& out, int clip_skip) const {
  const ClipTextModel& m = *encoders_[e].model;
  const int n = int(out.hidden_states.size());  // layers + 1
  const int k = std::max(clip_skip, 1);
  switch (arch_) {
    case TextArch::SD1:
      return m.clip_skip(out, k);
    case TextArch::SD2: {
      const int base = m.config().num_layers == 23 ? 1 : 2;  // see the header
      return m.clip_skip(out, base + k - 1);
    }
    case TextArch::SDXL: {
      const int from_end = k + 1;
      if (from_end >= n) throw Error("clip skip " + std::to_string(k) + " too large for a " + std::to_string(n - 1) + "-layer encoder");
      return out.hidden_states[n - from_end];
    }
  }
  return {};
}

TextConditioning TextConditioner::encode_chunks(const std::vector<std::vector<WeightedChunks>>& per_encoder, size_t k,
                                                const ConditioningOptions& o) const {
  TextConditioning result;
  std::vector<at::Tensor> per_encoder_context;
  for (size_t e = 0; e < encoders_.size(); ++e) {
    const auto& prompts = per_encoder[e];
    std::vector<at::Tensor> parts;
    for (size_t j = 0; j < k; ++j) {
      std::vector<at::Tensor> ids, ws;
      std::vector<std::vector<EmbeddingFix>> fixes;
      for (const auto& c : prompts) {
        ids.push_back(at::from_blob(const_cast<int64_t*>(c.ids[j].data()), {int64_t(c.ids[j].size())}, at::kLong));
        ws.push_back(at::from_blob(const_cast<float*>(c.weights[j].data()), {int64_t(c.weights[j].size())}, at::kFloat));
        fixes.push_back(j < c.fixes.size() ? c.fixes[j] : std::vector<EmbeddingFix>{});
      }
      at::Tensor id_batch = at::stack(ids), w_batch = at::stack(ws);  // stack copies out of the chunk vectors
      ClipTextOutput out = encoders_[e].model->forward(id_batch, fixes);
      parts.push_back(apply_prompt_weights(select_layer(e, out, o.clip_skip), w_batch));
      if (arch_ == TextArch::SDXL && e == 1 && j == 0) result.pooled = out.text_embeds;
    }
    per_encoder_context.push_back(at::cat(parts, 1));
  }
  result.context = per_encoder_context.size() == 1 ? per_encoder_context[0] : at::cat(per_encoder_context, -1);
  return result;
}

TextConditioning TextConditioner::encode(const std::vector<std::string>& prompts, const ConditioningOptions& o) const {
  return encode_pair(prompts, {}, o).first;
}

std::pair<TextConditioning, TextConditioning> TextConditioner::encode_pair(const std::vector<std::string>& prompts,
                                                                           const std::vector<std::string>& negatives_in,
                                                                           const ConditioningOptions& o) const {
  if (prompts.empty()) throw Error("TextConditioner: no prompts");
  std::vector<std::string> negatives = negatives_in.empty() ? std::vector<std::string>(prompts.size()) : negatives_in;
  if (negatives.size() != prompts.size())
    throw Error("TextConditioner: " + std::to_string(negatives.size()) + " negative prompts for " +
                std::to_string(prompts.size()) + " prompts");
  const bool want_negative = !negatives_in.empty();
  std::vector<std::vector<WeightedChunks>> pos(encoders_.size()), neg(encoders_.size());
  size_t k = 1;
  for (size_t e = 0; e < encoders_.size(); ++e) {
    pos[e] = chunk(encoders_[e], prompts, o);
    if (want_negative) neg[e] = chunk(encoders_[e], negatives, o);
    for (auto* set : {&pos[e], &neg[e]})
      for (auto& c : *set) k = std::max(k, c.size());
  }
  for (size_t e = 0; e < encoders_.size(); ++e)
    for (auto* set : {&pos[e], &neg[e]})
      for (auto& c : *set) c.pad_to(k, *encoders_[e].tokenizer);

  std::pair<TextConditioning, TextConditioning> result;
  result.first = encode_chunks(pos, k, o);
  if (!want_negative) return result;
  const bool all_empty = std::all_of(negatives.begin(), negatives.end(), [](const std::string& s) { return s.empty(); });
  if (arch_ == TextArch::SDXL && o.zeros_for_empty_negative && all_empty) {
    result.second.context = at::zeros_like(result.first.context);
    result.second.pooled = at::zeros_like(result.first.pooled);
    return result;
  }
  result.second = encode_chunks(neg, k, o);
  if (arch_ == TextArch::SDXL && o.zeros_for_empty_negative) {
    // Mixed batch: the empty negatives of it are zeros.
    for (size_t i = 0; i < negatives.size(); ++i)
      if (negatives[i].empty()) {
        result.second.context[int64_t(i)].zero_();
        result.second.pooled[int64_t(i)].zero_();
      }
  }
  return result;
}

}  // namespace ripen::text
