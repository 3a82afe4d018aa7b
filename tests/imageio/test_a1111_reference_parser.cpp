// The test port of A1111's parse_generation_parameters behaves as the Python does on the cases its rules single
// out: the docstring's example, quoted values, the last-line rule, the "Negative prompt:" line, empty values.
#include <gtest/gtest.h>

#include "a1111_reference_parser.h"

using ripen::test::a1111_parse_generation_parameters;

TEST(A1111ReferenceParser, DocstringExample) {
  auto r = a1111_parse_generation_parameters(
      "girl with an artist's beret, determined\n"
      "Negative prompt: ugly, fat\n"
      "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 965400086, Size: 512x512, Model hash: 45dee52b\n");
  EXPECT_EQ(r["Prompt"], "girl with an artist's beret, determined");
  EXPECT_EQ(r["Negative prompt"], "ugly, fat");
  EXPECT_EQ(r["Steps"], "20");
  EXPECT_EQ(r["Sampler"], "Euler a");
  EXPECT_EQ(r["CFG scale"], "7");
  EXPECT_EQ(r["Size-1"], "512");
  EXPECT_EQ(r["Size-2"], "512");
  EXPECT_EQ(r.count("Size"), 0u);
  EXPECT_EQ(r["Model hash"], "45dee52b");
  EXPECT_EQ(r["Schedule type"], "Automatic");  // defaults for absent keys
  EXPECT_EQ(r["Clip skip"], "1");
  EXPECT_EQ(r["RNG"], "GPU");
  EXPECT_EQ(r["Hires sampler"], "Use same sampler");
}

TEST(A1111ReferenceParser, QuotedValuesAreJsonDecoded) {
  auto r = a1111_parse_generation_parameters(
      "p\nSteps: 5, Model: \"a, b: c\", Plan: \"{\\\"x\\\": [1, 2]}\", Empty: , Seed: 1");
  EXPECT_EQ(r["Model"], "a, b: c");
  EXPECT_EQ(r["Plan"], "{\"x\": [1, 2]}");
  EXPECT_EQ(r.count("Empty"), 0u);  // v[0] of an empty value raises; the key is skipped
  EXPECT_EQ(r["Seed"], "1");
}

TEST(A1111ReferenceParser, LastLineWithFewerThanThreeFieldsIsPrompt) {
  auto r = a1111_parse_generation_parameters("a cat\nStyle: oil, Mood: calm");
  EXPECT_EQ(r["Prompt"], "a cat\nStyle: oil, Mood: calm");
  EXPECT_EQ(r.count("Style"), 0u);
  auto n = a1111_parse_generation_parameters("a cat\nNegative prompt: dog\nmore dog\nSteps: 1, Seed: 2, Size: 8x8");
  EXPECT_EQ(n["Prompt"], "a cat");
  EXPECT_EQ(n["Negative prompt"], "dog\nmore dog");
}
