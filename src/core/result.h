// Result<T>: a value or an Error, for expected failures: errors are values.
//
// Errors come from a small closed set of kinds (ErrorKind); the message is for
// humans (logs, FAIL lines). Exceptions are kept for start-up/config errors and
// broken invariants.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace pchat {

enum class ErrorKind {
  kInvalidInput,  // the caller's input is malformed; retrying the same input fails again
  kNotFound,      // the thing named does not exist (or is invisible to the caller)
  kConflict,      // the thing exists already / a concurrent change won
  kDenied,        // the caller may not do this
  kUnavailable,   // a dependency (store, peer) cannot be reached now; retry later
  kInternal,      // a broken invariant or an unexpected failure
};

const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;
};

inline Error make_error(ErrorKind kind, std::string message) {
  return Error{kind, std::move(message)};
}

// The caller's input is malformed: the common case, spelled once.
inline Error invalid_input(std::string message) {
  return make_error(ErrorKind::kInvalidInput, std::move(message));
}

// Result<T> holds either a T or an Error. REQUIRES: value() only when ok(),
// error() only when !ok().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Status: a Result with no value.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() {
  return Ok{};
}

}  // namespace pchat
