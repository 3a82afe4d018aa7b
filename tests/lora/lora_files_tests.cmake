if(TARGET ripen_lora_files)
  ripen_add_test(test_lora_files SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_network_folders.cpp
                 ${CMAKE_CURRENT_LIST_DIR}/test_prompt_tags.cpp ${CMAKE_CURRENT_LIST_DIR}/test_network_hash.cpp
                 LIBS ripen_lora_files TIMEOUT 120)
endif()
if(TARGET ripen_lora_files AND TARGET ripen_pipeline)
  ripen_add_test(test_lora_prompt SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_lora_prompt.cpp
                 LIBS ripen_lora_files ripen_pipeline TIMEOUT 180)
endif()
