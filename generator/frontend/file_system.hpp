// The file system Clang sees while scanning.
#pragma once

#include <llvm/ADT/IntrusiveRefCntPtr.h>
#include <llvm/Support/VirtualFileSystem.h>

namespace gofork::gen::frontend {

// The real file system, except that every path whose file name ends in ".gofork.hpp" exists and is empty:
// sources may include their generated headers before they exist, and stale generated files are never parsed.
llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> make_scan_file_system();

bool is_generated_header(llvm::StringRef path);

}  // namespace gofork::gen::frontend
