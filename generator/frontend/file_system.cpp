#include "frontend/file_system.hpp"

#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Path.h>

#include <optional>

namespace gofork::gen::frontend {
namespace {

class generated_headers_are_empty : public llvm::vfs::ProxyFileSystem {
 public:
  explicit generated_headers_are_empty(llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> real)
      : ProxyFileSystem(std::move(real)), empty_(new llvm::vfs::InMemoryFileSystem()) {}

  llvm::ErrorOr<llvm::vfs::Status> status(const llvm::Twine& path) override {
    if (auto virtual_path = virtualize(path)) return empty_->status(*virtual_path);
    return ProxyFileSystem::status(path);
  }

  llvm::ErrorOr<std::unique_ptr<llvm::vfs::File>> openFileForRead(const llvm::Twine& path) override {
    if (auto virtual_path = virtualize(path)) return empty_->openFileForRead(*virtual_path);
    return ProxyFileSystem::openFileForRead(path);
  }

 private:
  // Adds the (empty) file on first sight; returns its absolute path, or nothing for ordinary files.
  std::optional<std::string> virtualize(const llvm::Twine& path) {
    llvm::SmallString<256> absolute;
    path.toVector(absolute);
    if (!is_generated_header(absolute)) return std::nullopt;
    if (makeAbsolute(absolute)) return std::nullopt;
    llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
    const std::string key(absolute.str());
    if (!empty_->exists(key)) empty_->addFile(key, 0, llvm::MemoryBuffer::getMemBuffer("", key));
    return key;
  }

  llvm::IntrusiveRefCntPtr<llvm::vfs::InMemoryFileSystem> empty_;
};

}  // namespace

bool is_generated_header(llvm::StringRef path) {
  const llvm::StringRef suffix = ".gofork.hpp";
  return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
}

llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> make_scan_file_system() {
  return new generated_headers_are_empty(llvm::vfs::getRealFileSystem());
}

}  // namespace gofork::gen::frontend
