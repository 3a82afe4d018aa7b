# ripen_lora_files: everything around LoRA and embedding files except the weight merge: the folders and their
# listing (network_folders.h), file hashes (network_hash.h), prompt tags (prompt_tags.h), textual-inversion
# embedding files (embedding_file.h). Engine target: libtorch + nlohmann-json (through ripen_models) only.
add_library(ripen_lora_files STATIC
  ${CMAKE_CURRENT_LIST_DIR}/network_folders.cpp
  ${CMAKE_CURRENT_LIST_DIR}/network_metadata.cpp
  ${CMAKE_CURRENT_LIST_DIR}/network_hash.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prompt_tags.cpp)
target_link_libraries(ripen_lora_files PUBLIC ripen_torch ripen_tensors ripen_models ripen_request)
