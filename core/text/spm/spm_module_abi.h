#pragma once
// The C ABI of the ripen_spm module (libripen_spm.so), shared by the module and its loader.
// Every function catches everything; errors come back as a negative return and a message in `err`.
#include <stddef.h>
#include <stdint.h>

#define RIPEN_SPM_ABI_VERSION 1

extern "C" {
int ripen_spm_abi_version(void);
// Loads a .model file; nullptr on failure with the reason in err (NUL-terminated, truncated to err_cap).
void* ripen_spm_load(const char* model_path, char* err, size_t err_cap);
void ripen_spm_free(void* handle);
// Encodes UTF-8 text to ids. Returns the number of ids (write at most `cap` of them), or -1 on error.
int64_t ripen_spm_encode(void* handle, const char* text, size_t len, int32_t* ids, int64_t cap, char* err, size_t err_cap);
// Decodes ids to UTF-8. Returns the byte length (writes at most `cap` bytes, no NUL), or -1 on error.
int64_t ripen_spm_decode(void* handle, const int32_t* ids, size_t n, char* out, int64_t cap, char* err, size_t err_cap);
int32_t ripen_spm_vocab_size(void* handle);
// -1 when the model has no such id.
int32_t ripen_spm_special_id(void* handle, int which);  // 0 unk, 1 bos, 2 eos, 3 pad
int32_t ripen_spm_piece_to_id(void* handle, const char* piece);
}
