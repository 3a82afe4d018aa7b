// Hand-made corrupt safetensors files: every defect must give a ripen::Error naming the file (and the key
// where one is involved), never a crash or a half-read tensor.
#include <fstream>
#include <random>

#include "common/test_common.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

using namespace ripen;

namespace {

std::string le64(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

// header JSON + data bytes, with the correct length prefix unless `declared_len` overrides it.
std::string make_file(const std::string& header, size_t data_bytes, std::optional<uint64_t> declared_len = {}) {
  return le64(declared_len.value_or(header.size())) + header + std::string(data_bytes, '\x01');
}

std::string write(const std::string& name, const std::string& bytes) {
  static auto dir = test::temp_dir("corrupt");
  auto p = (dir / name).string();
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

// Opens the file (and the same bytes through from_buffer) and returns the error message; fails the test if
// either succeeds or throws anything but ripen::Error.
std::string error_of(const std::string& name, const std::string& bytes) {
  std::string path = write(name, bytes);
  std::string msg;
  try {
    SafeTensors::open(path);
    ADD_FAILURE() << name << ": opened without error";
  } catch (const Error& e) {
    msg = e.what();
  }
  try {
    SafeTensors::from_buffer(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), name);
    ADD_FAILURE() << name << ": parsed from buffer without error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
  EXPECT_NE(msg.find(path), std::string::npos) << "message does not name the file: " << msg;
  return msg;
}

void expect_key(const std::string& msg, const std::string& key) {
  EXPECT_NE(msg.find("'" + key + "'"), std::string::npos) << "message does not name key " << key << ": " << msg;
}

const std::string kGood = R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";

}  // namespace

TEST(SafeTensorsCorrupt, WellFormedControlOpens) {
  auto path = write("good.safetensors", make_file(kGood, 16));
  auto st = SafeTensors::open(path);
  EXPECT_EQ(st.tensor("a").numel(), 4);
}

TEST(SafeTensorsCorrupt, EmptyAndTruncatedFiles) {
  error_of("empty.safetensors", "");
  error_of("short.safetensors", std::string("\x10\x00\x00", 3));
  // Data section cut short: the tensor's range runs past the end.
  auto msg = error_of("truncated.safetensors", make_file(kGood, 10));
  expect_key(msg, "a");
  // Header cut short.
  std::string full = make_file(kGood, 16);
  error_of("truncated_header.safetensors", full.substr(0, 20));
}

TEST(SafeTensorsCorrupt, HugeHeaderLength) {
  auto msg = error_of("huge_header.safetensors", make_file(kGood, 16, UINT64_MAX));
  EXPECT_NE(msg.find("header length"), std::string::npos) << msg;
  error_of("huge_header2.safetensors", make_file(kGood, 16, (1ull << 40)));
}

TEST(SafeTensorsCorrupt, HeaderPastEndOfFile) {
  auto msg = error_of("header_past_eof.safetensors", make_file(kGood, 0, kGood.size() + 100));
  EXPECT_NE(msg.find("past the end"), std::string::npos) << msg;
}

TEST(SafeTensorsCorrupt, NotJsonOrNotObject) {
  auto msg = error_of("not_json.safetensors", make_file("{\"a\": [1, 2", 0));
  EXPECT_NE(msg.find("JSON"), std::string::npos) << msg;
  error_of("binary.safetensors", make_file(std::string("\xff\xfe\x00\x01garbage", 11), 0));
  msg = error_of("array.safetensors", make_file("[1,2,3]", 0));
  EXPECT_NE(msg.find("not a JSON object"), std::string::npos) << msg;
  msg = error_of("entry_not_object.safetensors", make_file(R"({"w": 5})", 0));
  expect_key(msg, "w");
  msg = error_of("bad_metadata.safetensors", make_file(R"({"__metadata__": {"x": 1}})", 0));
  expect_key(msg, "__metadata__");
}

TEST(SafeTensorsCorrupt, MissingFields) {
  expect_key(error_of("no_dtype.safetensors", make_file(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", 4)), "w");
  expect_key(error_of("no_shape.safetensors", make_file(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", 4)), "w");
  expect_key(error_of("no_offsets.safetensors", make_file(R"({"w":{"dtype":"F32","shape":[1]}})", 4)), "w");
  expect_key(error_of("three_offsets.safetensors", make_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})", 8)), "w");
}

TEST(SafeTensorsCorrupt, OverlappingRanges) {
  auto msg = error_of("overlap.safetensors",
                      make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12));
  EXPECT_NE(msg.find("overlaps"), std::string::npos) << msg;
  expect_key(msg, "a");
  expect_key(msg, "b");
  // Identical ranges overlap too.
  error_of("same_range.safetensors",
           make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})", 8));
}

TEST(SafeTensorsCorrupt, UnknownDtype) {
  auto msg = error_of("dtype.safetensors", make_file(R"({"w":{"dtype":"F8_E9M9","shape":[4],"data_offsets":[0,4]}})", 4));
  expect_key(msg, "w");
  EXPECT_NE(msg.find("F8_E9M9"), std::string::npos) << msg;
  expect_key(error_of("dtype_num.safetensors", make_file(R"({"w":{"dtype":7,"shape":[4],"data_offsets":[0,4]}})", 4)), "w");
}

TEST(SafeTensorsCorrupt, NegativeAndOverflowingShapes) {
  expect_key(error_of("neg.safetensors", make_file(R"({"w":{"dtype":"F32","shape":[-1,4],"data_offsets":[0,16]}})", 16)), "w");
  expect_key(error_of("float_dim.safetensors", make_file(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4)), "w");
  expect_key(error_of("string_dim.safetensors", make_file(R"({"w":{"dtype":"F32","shape":["4"],"data_offsets":[0,16]}})", 16)), "w");
  // 2^32 * 2^32 elements wraps to 0 in 64 bits: must be caught as overflow, not accepted as an empty tensor.
  auto msg = error_of("overflow.safetensors",
                      make_file(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", 0));
  expect_key(msg, "w");
  // Element count fits, byte count does not.
  expect_key(error_of("overflow_bytes.safetensors",
                      make_file(R"({"w":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,0]}})", 0)), "w");
  expect_key(error_of("too_big_dim.safetensors",
                      make_file(R"({"w":{"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,0]}})", 0)), "w");
}

TEST(SafeTensorsCorrupt, OffsetsNotMatchingShape) {
  auto msg = error_of("size_mismatch.safetensors", make_file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 12));
  expect_key(msg, "w");
  expect_key(error_of("reversed.safetensors", make_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 12)), "w");
  expect_key(error_of("neg_offset.safetensors", make_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", 12)), "w");
}

TEST(SafeTensorsCorrupt, OffsetsPastEnd) {
  auto msg = error_of("past_end.safetensors", make_file(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}})", 20));
  expect_key(msg, "w");
  expect_key(error_of("past_end_huge.safetensors",
                      make_file(R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[18446744073709551612,18446744073709551615]}})", 4)), "w");
}

TEST(SafeTensorsCorrupt, DeeplyNestedHeaderIsAnErrorNotAStackOverflow) {
  std::string deep = R"({"w":{"dtype":"F32","shape":[)" + std::string(200000, '[') + std::string(200000, ']') +
                     R"(],"data_offsets":[0,4]}})";
  auto msg = error_of("deep.safetensors", make_file(deep, 4));
  EXPECT_NE(msg.find("nests deeper"), std::string::npos) << msg;
  // Deep nesting inside a string is just text.
  std::string in_string = R"({"__metadata__":{"x":")" + std::string(1000, '[') + R"("},"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})";
  auto path = write("deep_in_string.safetensors", make_file(in_string, 1));
  EXPECT_EQ(SafeTensors::open(path).metadata().at("x").size(), 1000u);
}

TEST(SafeTensorsCorrupt, ProcessSurvivesManyBadFiles) {
  // Random byte flips of a good file: each open either succeeds or throws ripen::Error.
  std::string good = make_file(R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"I64","shape":[1],"data_offsets":[16,24]}})", 24);
  std::mt19937 rng(7);
  int errors = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string bytes = good;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    try {
      auto st = SafeTensors::from_buffer(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "flip");
      for (const auto& k : st.keys()) st.tensor(k);
    } catch (const Error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 100);
}
