// What a terminal shows for output written to it: enough of a VT100 to check redrawn lines.
#pragma once

#include <string>
#include <vector>

namespace kb::test {

// Replays `output` on a one-line-at-a-time screen: "\r" moves to column 0, "\n" ends the line,
// "ESC [ K" erases from the cursor to the end, other characters overwrite. Returns the finished
// lines (a last unfinished line included), so text left over from an earlier redraw shows up.
std::vector<std::string> RenderTerminal(const std::string& output);

// Every redraw in `output`: the text after a "\r" (other than a terminal's "\r\n") up to the next
// "\r" or "\n".
std::vector<std::string> Redraws(const std::string& output);

}  // namespace kb::test
