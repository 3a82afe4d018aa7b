#pragma once
// Crash-safe file writing: a temporary file in the destination folder, fsync, rename, fsync of the folder.
// After a crash the destination holds either the old content or the complete new one, never a torn file.
#include <filesystem>
#include <string>
#include <string_view>

namespace ripen::imageio {

// A unique temporary name beside `dest` (".tmp-<name>-<random>"), so `library check` can recognise leftovers.
std::filesystem::path temp_path_beside(const std::filesystem::path& dest);
bool is_temp_name(const std::filesystem::path& p);

// Writes bytes to `path` and fsyncs it. Throws ripen::Error naming the file; a full disk or a file size
// limit gives "no space left" wording.
void write_file_synced(const std::filesystem::path& path, std::string_view bytes);
// rename(from, to) then fsync of to's folder.
void rename_synced(const std::filesystem::path& from, const std::filesystem::path& to);
// Both of the above through a temporary name.
void write_file_atomic(const std::filesystem::path& dest, std::string_view bytes);
std::string read_file(const std::filesystem::path& path);

// "No space left on device" style message for errno values from a failed write.
std::string describe_write_errno(int err);

}  // namespace ripen::imageio
