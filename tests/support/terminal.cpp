#include "support/terminal.h"

namespace kb::test {

std::vector<std::string> RenderTerminal(const std::string& output) {
  std::vector<std::string> lines;
  std::string line;
  size_t cursor = 0;
  for (size_t i = 0; i < output.size(); ++i) {
    const char c = output[i];
    if (c == '\r') {
      cursor = 0;
    } else if (c == '\n') {
      lines.push_back(line);
      line.clear();
      cursor = 0;
    } else if (c == '\x1b' && output.compare(i, 3, "\x1b[K") == 0) {
      line.resize(cursor);
      i += 2;
    } else {
      if (cursor < line.size()) line[cursor] = c;
      else line.push_back(c);
      ++cursor;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::vector<std::string> Redraws(const std::string& output) {
  std::vector<std::string> out;
  for (size_t at = output.find('\r'); at != std::string::npos; at = output.find('\r', at + 1)) {
    if (output.compare(at, 2, "\r\n") == 0) continue;
    const size_t end = output.find_first_of("\r\n", at + 1);
    out.push_back(output.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1));
  }
  return out;
}

}  // namespace kb::test
