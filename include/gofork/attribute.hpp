// File: gofork/attribute.hpp
//
// Lets the user's own compiler accept [[gofork::forkable]] silently. Only gofork-gen gives the
// attribute a meaning; gcc and clang would otherwise warn about an unknown scoped attribute.
// Deliberately no push/pop: the attribute is used after this header, in the including file.
#pragma once

#if defined(__clang__)
#pragma clang diagnostic ignored "-Wunknown-attributes"
#elif defined(__GNUC__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored_attributes "gofork::"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wattributes"
#endif
