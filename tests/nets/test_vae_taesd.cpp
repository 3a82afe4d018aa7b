// TAESD structure and key loading (no real weights here): random weights, save, load again (diffusers and original
// layouts), identical output; shapes.
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "common/test_common.h"
#include "nets/taesd.h"
#include "sampling/noise.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

using namespace ripen;

namespace {
std::map<std::string, std::vector<int64_t>> shapes(const ParamStore& ps) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& [k, v] : ps.params()) out[k] = v.sizes().vec();
  return out;
}
}  // namespace

TEST(Taesd, KeysAndShapesAreDiffusersAutoencoderTiny) {
  ParamStore ps = ParamStore::random(1);
  Taesd t = Taesd::bind(ps, TaesdConfig{}, true, true);
  auto s = shapes(ps);
  using V = std::vector<int64_t>;
  EXPECT_EQ(s.at("decoder.layers.0.weight"), (V{64, 4, 3, 3}));
  EXPECT_TRUE(s.count("decoder.layers.0.bias"));
  EXPECT_EQ(s.at("decoder.layers.2.conv.0.weight"), (V{64, 64, 3, 3}));
  EXPECT_EQ(s.at("decoder.layers.2.conv.4.bias"), (V{64}));
  EXPECT_EQ(s.at("decoder.layers.6.weight"), (V{64, 64, 3, 3}));
  EXPECT_FALSE(s.count("decoder.layers.6.bias"));  // convs after upsampling have no bias
  EXPECT_EQ(s.at("decoder.layers.17.conv.2.weight"), (V{64, 64, 3, 3}));
  EXPECT_EQ(s.at("decoder.layers.18.weight"), (V{3, 64, 3, 3}));
  EXPECT_TRUE(s.count("decoder.layers.18.bias"));
  EXPECT_EQ(s.at("encoder.layers.0.weight"), (V{64, 3, 3, 3}));
  EXPECT_EQ(s.at("encoder.layers.1.conv.0.weight"), (V{64, 64, 3, 3}));
  EXPECT_FALSE(s.count("encoder.layers.2.bias"));  // stride-2 convs have no bias
  EXPECT_EQ(s.at("encoder.layers.14.weight"), (V{4, 64, 3, 3}));
  EXPECT_EQ(s.size(), 2u * (2 + 10 * 6 + 3 + 2)) << "parameter count";  // per part: first conv, 10 blocks, 3 bias-free convs, last conv
  for (const auto& [k, v] : s) EXPECT_EQ(k.find("skip"), std::string::npos) << "no skip when channels agree: " << k;

  auto gen = at::detail::createCPUGenerator(2);
  at::Tensor z = at::randn({1, 4, 8, 12}, gen);
  at::Tensor img = t.decode(z);
  EXPECT_EQ(img.sizes(), (std::vector<int64_t>{1, 3, 64, 96}));
  EXPECT_EQ(t.encode(img).sizes(), z.sizes());
  EXPECT_TRUE(at::isfinite(t.decode(z * 1e6)).all().item<bool>());  // the input soft clamp
  EXPECT_THROW(t.decode(at::zeros({1, 3, 8, 8})), Error);
}

TEST(Taesd, SaveAndLoadBothLayoutsGivesIdenticalOutput) {
  ParamStore ps = ParamStore::random(7);
  Taesd t = Taesd::bind(ps, TaesdConfig{}, true, true);
  auto gen = at::detail::createCPUGenerator(8);
  at::Tensor z = at::randn({1, 4, 8, 8}, gen), img = at::rand({1, 3, 64, 64}, gen) * 2 - 1;
  at::Tensor want_dec = t.decode(z), want_enc = t.encode(img);

  auto dir = ripen::test::temp_dir("taesd");
  const auto all = ps.param_map();
  save_safetensors((dir / "diffusion_pytorch_model.safetensors").string(), all);
  Taesd a = load_taesd({dir.string()});
  EXPECT_TRUE(at::equal(a.decode(z), want_dec));
  EXPECT_TRUE(at::equal(a.encode(img), want_enc));

  // Original layout: two part files, no prefix, the decoder numbered from 1 (its layer 0 is the Clamp).
  std::map<std::string, at::Tensor> dec, enc;
  for (const auto& [k, v] : all) {
    const bool is_dec = k.rfind("decoder.layers.", 0) == 0;
    std::string rest = k.substr(std::string("decoder.layers.").size());
    const size_t dot = rest.find('.');
    const int idx = std::stoi(rest.substr(0, dot)) + (is_dec ? 1 : 0);
    (is_dec ? dec : enc)[std::to_string(idx) + rest.substr(dot)] = v;
  }
  EXPECT_TRUE(dec.count("1.weight") && enc.count("0.weight"));
  save_safetensors((dir / "taesdxl_decoder.safetensors").string(), dec);
  save_safetensors((dir / "taesdxl_encoder.safetensors").string(), enc);
  Taesd b = load_taesd({(dir / "taesdxl_decoder.safetensors").string(), (dir / "taesdxl_encoder.safetensors").string()});
  EXPECT_TRUE(at::equal(b.decode(z), want_dec));
  EXPECT_TRUE(at::equal(b.encode(img), want_enc));
  Taesd dec_only = load_taesd({(dir / "taesdxl_decoder.safetensors").string()});
  EXPECT_TRUE(dec_only.has_decoder());
  EXPECT_FALSE(dec_only.has_encoder());
  EXPECT_THROW(dec_only.encode(img), Error);

  // A wrong shape is reported with the key.
  auto broken = dec;
  broken["3.conv.0.weight"] = at::zeros({64, 32, 3, 3});
  save_safetensors((dir / "broken.safetensors").string(), broken);
  try {
    load_taesd({(dir / "broken.safetensors").string()});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("decoder.layers.2.conv.0.weight"), std::string::npos) << e.what();
  }
}

// Numbers from the reference implementation (madebyollin/taesd's taesd.py, run with Debian's torch 1.13 on weights
// every side can regenerate: see tests/nets/data/README.md). Real TAESD weights are not redistributable here.
TEST(Taesd, MatchesReferenceImplementation) {
  auto seed_of = [](const std::string& key) {
    uint64_t s = 1;
    for (size_t i = 0; i < key.size(); ++i) s += (i + 1) * static_cast<unsigned char>(key[i]);
    return s;
  };
  ParamStore ps = ParamStore::random(1);
  Taesd t = Taesd::bind(ps, TaesdConfig{}, true, true);
  for (const auto& [key, v] : ps.params()) {
    at::Tensor r = sampling::randn_cpu(seed_of(key), v.sizes());
    v.copy_(v.dim() > 1 ? r / std::sqrt(double(v[0].numel())) : r * 0.05);
  }
  SafeTensors ref = SafeTensors::open((ripen::test::source_dir() / "tests/nets/data/taesd_reference.safetensors").string());
  at::Tensor z = sampling::randn_cpu(42, {1, 4, 8, 12}) * 2;
  at::Tensor img = at::tanh(sampling::randn_cpu(43, {1, 3, 64, 96}));
  EXPECT_TRUE(ripen::test::close_to(t.decode(z), ref.tensor("decoded"), 1e-4, 1e-5));
  EXPECT_TRUE(ripen::test::close_to(t.encode(img), ref.tensor("encoded"), 1e-4, 1e-5));
}
