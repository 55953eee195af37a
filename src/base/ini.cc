#include "base/ini.h"

#include <sstream>

#include "base/strings.h"

namespace imago::base {

std::map<std::string, std::string> ParseIni(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      size_t close = line.find(']');
      section = close == std::string::npos ? "" : Trim(line.substr(1, close - 1));
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    std::string key = Trim(line.substr(0, eq));
    if (key.empty()) continue;
    out[section + "/" + key] = Trim(line.substr(eq + 1));
  }
  return out;
}

std::string FormatIni(const std::map<std::string, std::string>& values) {
  std::string out, section;
  for (const auto& [path, value] : values) {
    size_t slash = path.find('/');
    if (slash == std::string::npos || slash == 0) continue;
    std::string s = path.substr(0, slash);
    if (s != section) {
      out += (out.empty() ? "" : "\n") + std::string("[") + s + "]\n";
      section = s;
    }
    out += path.substr(slash + 1) + " = " + value + "\n";
  }
  return out;
}

}  // namespace imago::base
