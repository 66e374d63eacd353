// TopicFilter: which topics a backup or restore takes, from include/exclude patterns.
// A pattern is a glob (`*` any run, `?` one character) or, with a leading `~`, an ECMAScript
// regex that must match the whole name. Empty include = every topic. Exclude wins.
#pragma once

#include <regex>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"

namespace kb {

class TopicFilter {
 public:
  // kInvalidArgument on a bad regex, naming the pattern.
  static Result<TopicFilter> Create(const TopicSelection& selection);

  bool Matches(const std::string& topic) const;
  // Include entries without wildcards or regex: topics the user named exactly. A backup fails
  // when one of them does not exist.
  std::vector<std::string> LiteralIncludes() const;

 private:
  struct Pattern {
    std::string text;
    bool is_regex = false;
    std::regex regex;
  };
  static bool GlobMatch(const std::string& pattern, const std::string& text);
  static bool AnyMatch(const std::vector<Pattern>& patterns, const std::string& topic);
  std::vector<Pattern> include_, exclude_;
};

}  // namespace kb
