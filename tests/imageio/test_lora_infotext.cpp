// LoRA networks in AUTOMATIC1111's infotext (imageio/lora_infotext.h): "Lora hashes" written byte for byte as A1111
// writes it, read back by A1111's own rules (the test port of parse_generation_parameters, then lora_script.py's
// infotext_pasted, re-implemented here from its source) and by Ripen's importer; ComfyUI LoraLoader chains.
#include <gtest/gtest.h>

#include <regex>

#include "a1111_reference_parser.h"
#include "imageio/a1111_infotext.h"
#include "imageio/comfyui_import.h"
#include "imageio/lora_infotext.h"
#include "pipeline/presets.h"

using namespace ripen;
using namespace ripen::imageio;

namespace {

NetworkRef net(const std::string& name, double te, double unet, const std::string& hash = "") {
  NetworkRef n;
  n.name = name;
  n.te = te;
  n.unet = unet;
  n.hash = hash;
  return n;
}

GenerationRequest typical() {
  GenerationRequest r;
  r.preset = Preset::Custom;
  r.prompt = "a cat <lora:ink:0.7>, by the sea";
  r.negative_prompt = "blurry";
  r.steps = 20;
  r.sampler = "euler";
  r.schedule = "karras";
  r.cfg = 7.0;
  r.seed = 42;
  r.noise = NoiseSource::Cpu;
  r.networks = {net("wc", 0.5, 0.25, "ba9876543210")};  // from the panel, not the prompt
  return r;
}

GenerationRecord typical_record() {
  GenerationRecord rec;
  rec.model_hash = "6ce0161689";
  rec.model_name = "v1-5";
  // what ran: the prompt's tag, then request.networks, resolved (hash 64 hex: the infotext keeps 12)
  rec.networks = {net("ink", 0.7, 0.7, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
                  net("wc", 0.5, 0.25, "ba9876543210")};
  return rec;
}

// lora_script.py infotext_pasted: hashes = [x.strip().split(':', 1) for x in hashes.split(",")];
// {x[0].strip().replace(",", ""): x[1].strip()}; then every re_lora = "<lora:([^:]+):" alias in the prompt is
// looked up in that dict (a hit is swapped for the local file's alias).
std::map<std::string, std::string> a1111_hashes(const std::string& value) {
  std::map<std::string, std::string> out;
  std::stringstream ss(value);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto colon = item.find(':');
    if (colon == std::string::npos) throw std::runtime_error("A1111 would raise IndexError on '" + item + "'");
    auto strip = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t\n"));
      s.erase(s.find_last_not_of(" \t\n") + 1);
      return s;
    };
    out[strip(item.substr(0, colon))] = strip(item.substr(colon + 1));
  }
  return out;
}

std::vector<std::string> a1111_prompt_aliases(const std::string& prompt) {
  std::vector<std::string> out;
  const std::regex re_lora("<lora:([^:]+):");
  for (auto it = std::sregex_iterator(prompt.begin(), prompt.end(), re_lora); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

}  // namespace

TEST(LoraInfotext, WrittenAsA1111Writes) {
  const GenerationRequest r = typical();
  const std::string text = a1111_parameters(r, plan_for(r), typical_record());
  EXPECT_EQ(text,
            "a cat <lora:ink:0.7>, by the sea<lora:wc:0.5:0.25>\n"
            "Negative prompt: blurry\n"
            "Steps: 20, Sampler: Euler, Schedule type: Karras, CFG scale: 7, Seed: 42, Size: 512x512, "
            "Model hash: 6ce0161689, Model: v1-5, RNG: CPU, Lora hashes: \"ink: 0123456789ab, wc: ba9876543210\"");
}

TEST(LoraInfotext, A1111ReadsRipensField) {
  const GenerationRequest r = typical();
  const std::string text = a1111_parameters(r, plan_for(r), typical_record());
  auto fields = test::a1111_parse_generation_parameters(text);
  ASSERT_EQ(fields.count("Lora hashes"), 1u) << text;
  EXPECT_EQ(fields["Lora hashes"], "ink: 0123456789ab, wc: ba9876543210");
  EXPECT_EQ(fields["Seed"], "42");  // the quoted field did not swallow its neighbours
  const auto hashes = a1111_hashes(fields["Lora hashes"]);
  const auto aliases = a1111_prompt_aliases(fields["Prompt"]);
  ASSERT_EQ(aliases, (std::vector<std::string>{"ink", "wc"}));
  EXPECT_EQ(hashes.at("ink"), "0123456789ab");
  EXPECT_EQ(hashes.at("wc"), "ba9876543210");
}

TEST(LoraInfotext, RipenReadsItBackAndWritesItAgain) {
  const GenerationRequest r = typical();
  const std::string text = a1111_parameters(r, plan_for(r), typical_record());
  auto back = parse_a1111_parameters(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->request.prompt, "a cat , by the sea");  // the text that was encoded
  const std::vector<NetworkRef> want = {net("ink", 0.7, 0.7, "0123456789ab"), net("wc", 0.5, 0.25, "ba9876543210")};
  EXPECT_EQ(back->request.networks, want);
  EXPECT_EQ(back->record.networks, want);
  GenerationRecord rec = typical_record();
  rec.networks = back->record.networks;
  const std::string again = a1111_parameters(back->request, plan_for(back->request), rec);
  EXPECT_NE(again.find("a cat , by the sea<lora:ink:0.7><lora:wc:0.5:0.25>\n"), std::string::npos) << again;
  EXPECT_NE(again.find("Lora hashes: \"ink: 0123456789ab, wc: ba9876543210\""), std::string::npos) << again;
  auto twice = parse_a1111_parameters(again);
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->request, back->request);
}

TEST(LoraInfotext, DictRulesAndOddNames) {
  // ':' and ',' leave the key; a later network of the same name replaces the hash in the first place; no hash: absent
  EXPECT_EQ(lora_hashes_value({net("a:b,c", 1, 1, "111111111111"), net("x", 1, 1), net("a:b,c", 1, 1, "222222222222")}),
            "abc: 222222222222");
  EXPECT_EQ(lora_hashes_value({net("x", 1, 1)}), "");
  GenerationRequest r = typical();
  r.networks.clear();
  GenerationRecord rec = typical_record();
  rec.networks.clear();
  EXPECT_EQ(a1111_parameters(r, plan_for(r), rec).find("Lora hashes"), std::string::npos);
  EXPECT_EQ(parse_lora_hashes(" a: 1 , junk, b:2:3"), (std::map<std::string, std::string>{{"a", "1"}, {"b", "2:3"}}));
  EXPECT_EQ(network_tag(net("n", 1.0, 1.0)), "<lora:n:1.0>");
  EXPECT_EQ(network_tag(net("n", 0.1, 1.0)), "<lora:n:0.1:1.0>");
}

TEST(LoraInfotext, A1111ImageWithTagsAndHashes) {
  // As A1111 v1.10 writes one: the tags in the prompt, UNet default = TE, a lyco tag
  const std::string text =
      "portrait <lora:add_detail:0.6>, <lyco:film:te=0.3:unet=0.9> masterpiece\n"
      "Negative prompt: bad\n"
      "Steps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 7, Size: 512x768, "
      "Model hash: 6ce0161689, Model: v1-5, Lora hashes: \"add_detail: 7c6bad76eb54, film: 0ac87f8bb38f\", Version: v1.10.1";
  auto p = parse_a1111_parameters(text);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request.prompt, "portrait ,  masterpiece");
  EXPECT_EQ(p->request.networks,
            (std::vector<NetworkRef>{net("add_detail", 0.6, 0.6, "7c6bad76eb54"), net("film", 0.3, 0.9, "0ac87f8bb38f")}));
}

TEST(LoraInfotext, ComfyPromptGraphLoraChain) {
  const std::string prompt = R"({
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd15/dream.safetensors"}},
    "10": {"class_type": "LoraLoader", "inputs": {"lora_name": "styles\\ink.safetensors", "strength_model": 0.8,
           "strength_clip": 0.6, "model": ["4", 0], "clip": ["4", 1]}},
    "11": {"class_type": "LoraLoaderModelOnly", "inputs": {"lora_name": "hero.safetensors", "strength_model": 0.5,
           "model": ["10", 0]}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a hero", "clip": ["10", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "bad", "clip": ["10", 1]}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
    "3": {"class_type": "KSampler", "inputs": {"seed": 5, "steps": 20, "cfg": 7, "sampler_name": "euler",
          "scheduler": "normal", "denoise": 1, "model": ["11", 0], "positive": ["6", 0], "negative": ["7", 0],
          "latent_image": ["5", 0]}}})";
  auto p = parse_comfyui(prompt, "");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request.networks, (std::vector<NetworkRef>{net("ink", 0.6, 0.8), net("hero", 0.0, 0.5)}));
  EXPECT_EQ(p->record.model_name, "dream");
  EXPECT_EQ(p->request.prompt, "a hero");
}

TEST(LoraInfotext, ComfyWorkflowLoraChain) {
  const std::string workflow = R"({
    "nodes": [
      {"id": 4, "type": "CheckpointLoaderSimple", "widgets_values": ["dream.safetensors"]},
      {"id": 10, "type": "LoraLoader", "inputs": [{"name": "model", "link": 1}, {"name": "clip", "link": 2}],
       "widgets_values": ["ink.safetensors", 0.8, 0.6]},
      {"id": 11, "type": "LoraLoaderModelOnly", "inputs": [{"name": "model", "link": 3}],
       "widgets_values": ["sub/hero.safetensors", 1.25]},
      {"id": 3, "type": "KSampler", "inputs": [{"name": "model", "link": 4}],
       "widgets_values": [5, "fixed", 20, 7, "euler", "normal", 1]}],
    "links": [[1, 4, 0, 10, 0, "MODEL"], [2, 4, 1, 10, 1, "CLIP"], [3, 10, 0, 11, 0, "MODEL"], [4, 11, 0, 3, 0, "MODEL"]]})";
  auto p = parse_comfyui("", workflow);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->request.networks, (std::vector<NetworkRef>{net("ink", 0.6, 0.8), net("hero", 0.0, 1.25)}));
  EXPECT_EQ(p->record.model_name, "dream");
}
