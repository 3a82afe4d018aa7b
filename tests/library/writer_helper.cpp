// ripen_library_writer LIBRARY START COUNT: stores COUNT small generations (seeds START, START+1, ...) and prints
// "committed <seed>" after each row commits, so a test that SIGKILLs it knows what must be in the library.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "library/library.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: ripen_library_writer LIBRARY START COUNT\n");
    return 2;
  }
  ripen::library::Library lib(argv[1]);
  uint64_t start = std::strtoull(argv[2], nullptr, 10);
  int count = std::atoi(argv[3]);
  for (int i = 0; i < count; ++i) {
    ripen::GenerationRequest r;
    r.prompt = "crash test item " + std::to_string(start + i);
    r.seed = start + i;
    r.width = 64;
    r.height = 64;
    ripen::Image img{64, 64, std::vector<uint8_t>(64 * 64 * 3)};
    for (size_t p = 0; p < img.rgb.size(); ++p) img.rgb[p] = static_cast<uint8_t>((p * 31 + r.seed * 7) & 0xff);
    lib.store(r, {}, img);
    std::printf("committed %llu\n", static_cast<unsigned long long>(r.seed));
    std::fflush(stdout);
  }
  return 0;
}
