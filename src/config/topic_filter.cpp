#include "config/topic_filter.h"

namespace kb {

Result<TopicFilter> TopicFilter::Create(const TopicSelection& selection) {
  TopicFilter f;
  auto add = [](const std::vector<std::string>& in, std::vector<Pattern>* out) -> Status {
    for (const auto& text : in) {
      Pattern p;
      p.text = text;
      if (!text.empty() && text[0] == '~') {
        p.is_regex = true;
        try {
          p.regex = std::regex(text.substr(1), std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          return Fail(ErrorCode::kInvalidArgument, "invalid topic regex '" + text + "': " + e.what());
        }
      }
      out->push_back(std::move(p));
    }
    return {};
  };
  KB_TRY(add(selection.include, &f.include_));
  KB_TRY(add(selection.exclude, &f.exclude_));
  return f;
}

bool TopicFilter::GlobMatch(const std::string& pattern, const std::string& text) {
  // Iterative glob with backtracking to the last '*'.
  size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool TopicFilter::AnyMatch(const std::vector<Pattern>& patterns, const std::string& topic) {
  for (const auto& p : patterns) {
    if (p.is_regex ? std::regex_match(topic, p.regex) : GlobMatch(p.text, topic)) return true;
  }
  return false;
}

bool TopicFilter::Matches(const std::string& topic) const {
  if (!include_.empty() && !AnyMatch(include_, topic)) return false;
  return !AnyMatch(exclude_, topic);
}

std::vector<std::string> TopicFilter::LiteralIncludes() const {
  std::vector<std::string> out;
  for (const auto& p : include_)
    if (!p.is_regex && p.text.find_first_of("*?") == std::string::npos) out.push_back(p.text);
  return out;
}

}  // namespace kb
