#pragma once
// An enum's words as one table of {value, name} pairs, read both ways, so each vocabulary of the request is written
// once (request.cpp, image_input.cpp).
#include <string>
#include <utility>

#include "tensors/error.h"

namespace ripen {

template <typename E, size_t N>
E from_table(const std::string& s, const std::pair<E, const char*> (&table)[N], const char* what) {
  for (const auto& [e, name] : table)
    if (s == name) return e;
  std::string names;
  for (const auto& [e, name] : table) names += std::string(names.empty() ? "" : ", ") + name;
  throw Error(std::string("unknown ") + what + " '" + s + "' (expected one of: " + names + ")");
}

// The first name of `v` in the table (later rows may be older spellings that read as the same value).
template <typename E, size_t N>
std::string to_table(E v, const std::pair<E, const char*> (&table)[N]) {
  for (const auto& [e, name] : table)
    if (e == v) return name;
  return "?";
}

}  // namespace ripen
