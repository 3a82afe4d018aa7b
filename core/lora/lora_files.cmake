# Everything around LoRA and embedding files except the weight merge.
# ripen_lora_tags: the prompt's <lora:...> tags (prompt_tags.h); plain data, no libtorch, so image import/export
# (core/imageio) can use it.
add_library(ripen_lora_tags STATIC ${CMAKE_CURRENT_LIST_DIR}/prompt_tags.cpp)
target_link_libraries(ripen_lora_tags PUBLIC ripen_request)
target_include_directories(ripen_lora_tags PUBLIC ${CMAKE_SOURCE_DIR}/core)
# ripen_lora_files: the folders and their listing (network_folders.h), metadata (network_metadata.h), file hashes
# (network_hash.h). Engine target: libtorch + nlohmann-json (through ripen_models) only.
add_library(ripen_lora_files STATIC
  ${CMAKE_CURRENT_LIST_DIR}/network_folders.cpp
  ${CMAKE_CURRENT_LIST_DIR}/network_metadata.cpp
  ${CMAKE_CURRENT_LIST_DIR}/network_hash.cpp
  ${CMAKE_CURRENT_LIST_DIR}/embedding_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/request_networks.cpp)
target_link_libraries(ripen_lora_files PUBLIC ripen_torch ripen_tensors ripen_text ripen_models ripen_lora_tags)
