#pragma once

#include <string>
#include <utility>
#include <variant>

namespace duplex::conflict {

// A key index failure, with a message that names the index directory and what to do.
// A default-constructed IndexError means success; it converts to false.
class IndexError {
 public:
  IndexError() = default;
  explicit IndexError(std::string message) : message_(std::move(message)), failed_(true) {}

  explicit operator bool() const { return failed_; }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
  bool failed_ = false;
};

template <class T>
using IndexResult = std::variant<T, IndexError>;

}  // namespace duplex::conflict
