// A1111's <lora:NAME:TE[:UNET]> tags (lora/prompt_tags.h): removal, multipliers and their defaults, named forms.
#include <gtest/gtest.h>

#include "lora/prompt_tags.h"
#include "tensors/error.h"

using namespace ripen;
using namespace ripen::lora;

namespace {
NetworkRef net(const std::string& name, double te, double unet) {
  NetworkRef n;
  n.name = name;
  n.te = te;
  n.unet = unet;
  return n;
}
}  // namespace

TEST(PromptTags, RemovedAndParsedAsA1111) {
  const auto p = extract_network_tags("a cat <lora:ink:0.7>, <lora:wc> by the sea<lyco:loha:0.5:0.25>");
  EXPECT_EQ(p.prompt, "a cat ,  by the sea");
  ASSERT_EQ(p.networks.size(), 3u);
  EXPECT_EQ(p.networks[0], net("ink", 0.7, 0.7));  // UNET defaults to TE
  EXPECT_EQ(p.networks[1], net("wc", 1.0, 1.0));
  EXPECT_EQ(p.networks[2], net("loha", 0.5, 0.25));
  EXPECT_TRUE(p.ignored.empty());
}

TEST(PromptTags, NamedMultipliers) {
  EXPECT_EQ(extract_network_tags("<lora:a:te=0.3>").networks[0], net("a", 0.3, 0.3));
  EXPECT_EQ(extract_network_tags("<lora:a:unet=0.2>").networks[0], net("a", 1.0, 0.2));
  EXPECT_EQ(extract_network_tags("<lora:a:0.5:unet=0.2>").networks[0], net("a", 0.5, 0.2));
  EXPECT_EQ(extract_network_tags("<lora:a:0.5:0.1:te=0.9>").networks[0], net("a", 0.9, 0.1));
  EXPECT_EQ(extract_network_tags("<lora:a:unet=0.2:te=0.4>").networks[0], net("a", 0.4, 0.2));
  EXPECT_EQ(extract_network_tags("<lora:a: 1e-1 >").networks[0], net("a", 0.1, 0.1));  // float(" 1e-1 ")
  EXPECT_EQ(extract_network_tags("<lora:a:-1>").networks[0], net("a", -1.0, -1.0));
}

TEST(PromptTags, OtherKindsAndNonTagsAsA1111) {
  const auto p = extract_network_tags("x <hypernet:h:1> y <notatag> <:x> <lo ra:a> <lora:> z");
  EXPECT_EQ(p.prompt, "x  y <notatag> <:x> <lo ra:a> <lora:> z");
  EXPECT_TRUE(p.networks.empty());
  ASSERT_EQ(p.ignored.size(), 1u);
  EXPECT_EQ(p.ignored[0], "<hypernet:h:1>");
  // [^>]+ runs over '<' and newlines to the first '>'
  const auto q = extract_network_tags("<lora:a\nb<c:1>tail");
  EXPECT_EQ(q.prompt, "tail");
  ASSERT_EQ(q.networks.size(), 1u);
  EXPECT_EQ(q.networks[0].name, "a\nb<c");
  // the word before ':' may carry digits and '_'
  EXPECT_EQ(extract_network_tags("<lora_2:x>").ignored.size(), 1u);
  EXPECT_EQ(extract_network_tags("no tags (at:1.2) [all]").prompt, "no tags (at:1.2) [all]");
}

TEST(PromptTags, BadTagsNameTheTag) {
  for (const char* bad : {"<lora:a:abc>", "<lora:a:1:x>", "<lora:a:te=>", "<lora::1>", "<lora:te=1>", "<lora:a:inf>",
                          "<lora:a:1:1:8>", "<lora:a:dyn=8>"}) {
    try {
      extract_network_tags(std::string("p ") + bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(PromptTags, RecordKeepsItsNetworksThroughJson) {
  // the library stores the record's JSON: the networks that ran come back with file and hash
  GenerationRecord rec;
  rec.networks = {net("ink", 0.7, 0.5)};
  rec.networks[0].path = "/loras/ink.safetensors";
  rec.networks[0].hash = "0123456789ab";
  const GenerationRecord back = GenerationRecord::from_json(nlohmann::json::parse(rec.to_json().dump()));
  EXPECT_EQ(back.networks, rec.networks);
  EXPECT_TRUE(GenerationRecord::from_json(GenerationRecord{}.to_json()).networks.empty());
}
