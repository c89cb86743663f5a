// Errors as values for the runtime and its public API: a Status is success or
// a message; Result<T> is a value or a Status. Never throws, never aborts.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace attn {

class [[nodiscard]] Status {
public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(std::string message) {
    Status s;
    s.message_ = std::move(message);
    return s;
  }
  bool isOk() const { return !message_.has_value(); }
  explicit operator bool() const { return isOk(); }
  const std::string &message() const {
    static const std::string empty;
    return message_ ? *message_ : empty;
  }

private:
  std::optional<std::string> message_;
};

template <typename T> class [[nodiscard]] Result {
public:
  Result(T value) : state_(std::move(value)) {}
  Result(Status status) : state_(std::move(status)) {
    assert(!std::get<Status>(state_).isOk() && "a Result needs a value or an error");
  }
  bool isOk() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return isOk(); }
  T &value() { return std::get<T>(state_); }
  const T &value() const { return std::get<T>(state_); }
  T &operator*() { return value(); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }
  Status status() const { return isOk() ? Status::ok() : std::get<Status>(state_); }
  const std::string &message() const {
    static const std::string empty;
    return isOk() ? empty : std::get<Status>(state_).message();
  }

private:
  std::variant<T, Status> state_;
};

} // namespace attn
