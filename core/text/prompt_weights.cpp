#include "text/prompt_weights.h"

#include <cctype>
#include <cstdlib>

#include "tensors/error.h"

namespace ripen::text {
namespace {

bool is_word_byte(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || u >= 0x80;  // non-ASCII counted as word characters (\b approximation)
}
bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Splits plain text at BREAK words (re_break = \s*\bBREAK\b\s*), emitting text and break spans.
void add_text(std::vector<WeightedSpan>& out, std::string_view text, bool enable_break) {
  size_t start = 0;
  if (enable_break) {
    for (size_t p = text.find("BREAK"); p != std::string_view::npos; p = text.find("BREAK", p + 1)) {
      bool left = p == 0 || !is_word_byte(text[p - 1]);
      bool right = p + 5 >= text.size() || !is_word_byte(text[p + 5]);
      if (!left || !right || p < start) continue;
      size_t a = p, b = p + 5;
      while (a > start && is_ws(text[a - 1])) --a;
      while (b < text.size() && is_ws(text[b])) ++b;
      out.push_back({std::string(text.substr(start, a - start)), 1.0, false});
      out.push_back({"", -1.0, true});
      start = b;
      p = b - 1;
    }
  }
  out.push_back({std::string(text.substr(start)), 1.0, false});
}

// Matches ":\s*([+-]?[.\d]+)\s*\)" at i; on success sets weight and the end position.
bool weight_close_at(std::string_view t, size_t i, double& weight, size_t& end) {
  if (t[i] != ':') return false;
  size_t j = i + 1;
  while (j < t.size() && is_ws(t[j])) ++j;
  size_t num = j;
  if (j < t.size() && (t[j] == '+' || t[j] == '-')) ++j;
  size_t digits = j;
  while (j < t.size() && (std::isdigit(static_cast<unsigned char>(t[j])) || t[j] == '.')) ++j;
  if (j == digits) return false;
  std::string number(t.substr(num, j - num));
  while (j < t.size() && is_ws(t[j])) ++j;
  if (j >= t.size() || t[j] != ')') return false;
  char* endp = nullptr;
  weight = std::strtod(number.c_str(), &endp);
  if (endp != number.c_str() + number.size()) return false;  // "1.2.3": not a number, stays text
  end = j + 1;
  return true;
}

}  // namespace

std::vector<WeightedSpan> parse_prompt_weights(std::string_view t, bool enable_break) {
  std::vector<WeightedSpan> res;
  std::vector<size_t> round, square;
  auto multiply = [&](size_t from, double m) {
    for (size_t p = from; p < res.size(); ++p)
      if (!res[p].is_break) res[p].weight *= m;
  };
  size_t i = 0;
  while (i < t.size()) {
    char c = t[i];
    double w = 0;
    size_t end = 0;
    if (c == '\\') {
      if (i + 1 < t.size() && (t[i + 1] == '(' || t[i + 1] == ')' || t[i + 1] == '[' || t[i + 1] == ']' || t[i + 1] == '\\')) {
        res.push_back({std::string(1, t[i + 1]), 1.0, false});
        i += 2;
      } else {
        ++i;  // a lone backslash
      }
    } else if (c == '(') {
      round.push_back(res.size());
      ++i;
    } else if (c == '[') {
      square.push_back(res.size());
      ++i;
    } else if (!round.empty() && weight_close_at(t, i, w, end)) {
      multiply(round.back(), w);
      round.pop_back();
      i = end;
    } else if (c == ')' && !round.empty()) {
      multiply(round.back(), 1.1);
      round.pop_back();
      ++i;
    } else if (c == ']' && !square.empty()) {
      multiply(square.back(), 1 / 1.1);
      square.pop_back();
      ++i;
    } else {
      size_t j = i + 1;
      if (c != ':' && c != ')' && c != ']')
        while (j < t.size() && std::string_view("\\()[]:").find(t[j]) == std::string_view::npos) ++j;
      add_text(res, t.substr(i, j - i), enable_break);
      i = j;
    }
  }
  for (size_t p : round) multiply(p, 1.1);
  for (size_t p : square) multiply(p, 1 / 1.1);
  if (res.empty()) res.push_back({"", 1.0, false});
  std::vector<WeightedSpan> merged;
  for (auto& s : res) {
    if (!merged.empty() && !s.is_break && !merged.back().is_break && merged.back().weight == s.weight)
      merged.back().text += s.text;
    else
      merged.push_back(std::move(s));
  }
  return merged;
}

bool WeightedChunks::all_weights_one() const {
  for (auto& w : weights)
    for (float x : w)
      if (x != 1.0f) return false;
  return true;
}

at::Tensor WeightedChunks::ids_tensor() const {
  int64_t len = ids.empty() ? 0 : int64_t(ids[0].size());
  at::Tensor out = at::empty({int64_t(ids.size()), len}, at::kLong);
  for (size_t k = 0; k < ids.size(); ++k)
    std::copy(ids[k].begin(), ids[k].end(), out[k].data_ptr<int64_t>());
  return out;
}

at::Tensor WeightedChunks::weights_tensor() const {
  int64_t len = weights.empty() ? 0 : int64_t(weights[0].size());
  at::Tensor out = at::empty({int64_t(weights.size()), len}, at::kFloat);
  for (size_t k = 0; k < weights.size(); ++k)
    std::copy(weights[k].begin(), weights[k].end(), out[k].data_ptr<float>());
  return out;
}

void WeightedChunks::pad_to(size_t k, const TokenEncoder& tokenizer) {
  while (ids.size() < k) {
    ids.push_back(tokenizer.encode_padded(""));
    weights.emplace_back(size_t(tokenizer.max_length()), 1.0f);
    fixes.emplace_back();
  }
}

namespace {

// A span's text cut at ComfyUI's `embedding:NAME` words: text pieces and (with a non-null embedding) references.
struct Piece {
  std::string text;
  const PromptEmbedding* embedding = nullptr;
};

std::vector<Piece> split_embedding_refs(const std::string& text, const PromptEmbeddings* embeddings) {
  static constexpr std::string_view kPrefix = "embedding:";
  std::vector<Piece> out;
  if (!embeddings || embeddings->empty()) return {{text, nullptr}};
  size_t start = 0;
  for (size_t p = text.find(kPrefix); p != std::string::npos; p = text.find(kPrefix, p + 1)) {
    if (p > 0 && !is_ws(text[p - 1])) continue;  // a word of its own (ComfyUI splits the text at spaces)
    size_t end = p + kPrefix.size();
    while (end < text.size() && !is_ws(text[end])) ++end;
    std::string name = text.substr(p + kPrefix.size(), end - p - kPrefix.size());
    size_t name_end = end;
    const PromptEmbedding* e = embeddings->by_name(name);
    if (!e) {  // "embedding:name," : the commas are not part of the name (sd1_clip.py _try_get_embedding)
      while (!name.empty() && name.back() == ',') name.pop_back(), --name_end;
      e = embeddings->by_name(name);
    }
    if (!e) continue;
    out.push_back({text.substr(start, p - start), nullptr});
    out.push_back({"", e});
    start = name_end;
    p = name_end - 1;
  }
  out.push_back({text.substr(start), nullptr});
  return out;
}

}  // namespace

WeightedChunks tokenize_weighted(const TokenEncoder& tok, std::string_view prompt, const ChunkOptions& options,
                                 const PromptEmbeddings* embeddings) {
  const size_t chunk_len = size_t(tok.max_length() - 2);
  const auto comma = tok.encode(",");
  const int64_t comma_id = comma.size() == 1 ? comma[0] : -1;
  WeightedChunks out;
  std::vector<int64_t> ids;
  std::vector<float> ws;
  std::vector<EmbeddingFix> fixes;  // offsets into ids (BOS not counted)
  int64_t last_comma = -1;
  auto next_chunk = [&] {
    std::vector<int64_t> c{tok.bos_id()};
    std::vector<float> cw{1.0f};
    c.insert(c.end(), ids.begin(), ids.end());
    cw.insert(cw.end(), ws.begin(), ws.end());
    c.push_back(tok.eos_id());
    cw.push_back(1.0f);
    c.resize(size_t(tok.max_length()), tok.pad_id());
    cw.resize(size_t(tok.max_length()), 1.0f);
    for (auto& f : fixes) f.offset += 1;  // after BOS
    out.ids.push_back(std::move(c));
    out.weights.push_back(std::move(cw));
    out.fixes.push_back(std::move(fixes));
    ids.clear();
    ws.clear();
    fixes.clear();
    last_comma = -1;
  };
  // One content position: A1111's comma backtrack, then a new chunk when this one is full.
  auto make_room = [&](int64_t id) {
    if (id == comma_id) {
      last_comma = int64_t(ids.size());
    } else if (options.comma_backtrack > 0 && ids.size() == chunk_len && last_comma != -1 &&
               int64_t(ids.size()) - last_comma <= options.comma_backtrack) {
      const size_t cut = size_t(last_comma + 1);
      std::vector<int64_t> moved(ids.begin() + int64_t(cut), ids.end());
      std::vector<float> moved_w(ws.begin() + int64_t(cut), ws.end());
      std::vector<EmbeddingFix> moved_fixes, kept;
      for (auto& f : fixes) (size_t(f.offset) >= cut ? moved_fixes : kept).push_back(f);
      for (auto& f : moved_fixes) f.offset -= int64_t(cut);
      ids.resize(cut);
      ws.resize(cut);
      fixes = std::move(kept);
      next_chunk();
      ids = std::move(moved);
      ws = std::move(moved_w);
      fixes = std::move(moved_fixes);
    }
    if (ids.size() == chunk_len) next_chunk();
  };
  auto add_embedding = [&](const PromptEmbedding& e, float weight) {
    const size_t n = size_t(e.vectors.size(0));
    if (ids.size() + n > chunk_len) next_chunk();
    fixes.push_back({int64_t(ids.size()), e.vectors});
    ids.insert(ids.end(), n, 0);
    ws.insert(ws.end(), n, weight);
    out.token_count += int64_t(n);
  };
  for (const auto& span : parse_prompt_weights(prompt, options.enable_break)) {
    if (span.is_break) {
      next_chunk();
      continue;
    }
    const float weight = float(span.weight);
    for (const Piece& piece : split_embedding_refs(span.text, embeddings)) {
      if (piece.embedding) {
        if (ids.size() == chunk_len) next_chunk();
        add_embedding(*piece.embedding, weight);
        continue;
      }
      const std::vector<int64_t> span_ids = tok.encode(piece.text);
      for (size_t pos = 0; pos < span_ids.size();) {
        const int64_t id = span_ids[pos];
        make_room(id);
        size_t covered = 0;
        const PromptEmbedding* e = embeddings ? embeddings->match(span_ids, pos, covered) : nullptr;
        if (e) {
          add_embedding(*e, weight);
          pos += covered;
          continue;
        }
        ++out.token_count;
        ids.push_back(id);
        ws.push_back(weight);
        ++pos;
      }
    }
  }
  if (!ids.empty() || out.ids.empty()) next_chunk();
  return out;
}

at::Tensor apply_prompt_weights(const at::Tensor& hidden, const at::Tensor& weights) {
  if (hidden.dim() != 3) throw Error("apply_prompt_weights: hidden must be [B, T, C], got " + std::to_string(hidden.dim()) + " dims");
  at::Tensor w = weights.to(hidden.device(), hidden.scalar_type());
  if (w.dim() == 1) w = w.unsqueeze(0).expand({hidden.size(0), w.size(0)});
  if (w.size(0) != hidden.size(0) || w.size(1) != hidden.size(1))
    throw Error("apply_prompt_weights: weights shape does not match hidden [B, T]");
  if ((w == 1).all().item<bool>()) return hidden;
  // Means in fp32 at least, so half-precision outputs keep their scale.
  auto acc = hidden.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
  at::Tensor original_mean = hidden.to(acc).mean({1, 2}, /*keepdim=*/true);
  at::Tensor z = hidden.to(acc) * w.to(acc).unsqueeze(-1);
  at::Tensor new_mean = z.mean({1, 2}, /*keepdim=*/true);
  return (z * (original_mean / new_mean)).to(hidden.scalar_type());
}

}  // namespace ripen::text
