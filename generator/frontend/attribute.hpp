// Registration of [[gofork::forkable]] / __attribute__((gofork_forkable)) with Clang's attribute registry.
#pragma once

namespace gofork::gen::frontend {

// Referencing this from the scanner keeps the registering object file linked in from the static library.
void ensure_attribute_registered();

}  // namespace gofork::gen::frontend
