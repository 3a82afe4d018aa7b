#include "imageio/file_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "tensors/error.h"

namespace ripen::imageio {
namespace fs = std::filesystem;

std::string describe_write_errno(int err) {
  if (err == ENOSPC) return "no space left on device";
  if (err == EFBIG) return "no space left: file size limit reached (disk full or quota)";
  if (err == EDQUOT) return "no space left: disk quota exceeded";
  if (err == EROFS) return "the file system is read-only";
  return std::strerror(err);
}

fs::path temp_path_beside(const fs::path& dest) {
  static thread_local std::mt19937_64 rng{std::random_device{}() ^ static_cast<uint64_t>(getpid())};
  std::ostringstream name;
  name << ".tmp-" << dest.filename().string() << "-" << std::hex << rng();
  return dest.parent_path() / name.str();
}

bool is_temp_name(const fs::path& p) { return p.filename().string().rfind(".tmp-", 0) == 0; }

void write_file_synced(const fs::path& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path.string() + ": cannot create: " + describe_write_errno(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : ENOSPC;
      ::close(fd);
      ::unlink(path.c_str());
      throw Error(path.string() + ": cannot write: " + describe_write_errno(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    throw Error(path.string() + ": cannot sync to disk: " + describe_write_errno(err));
  }
  ::close(fd);
}

void rename_synced(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    int err = errno;
    ::unlink(from.c_str());
    throw Error(to.string() + ": cannot rename into place: " + std::strerror(err));
  }
  fs::path dir = to.parent_path().empty() ? fs::path(".") : to.parent_path();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomic(const fs::path& dest, std::string_view bytes) {
  fs::path tmp = temp_path_beside(dest);
  write_file_synced(tmp, bytes);
  rename_synced(tmp, dest);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ripen::imageio
