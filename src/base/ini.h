// INI files as gcloud writes its properties: `[section]`, `key = value`,
// `#` or `;` comments. imago reads gcloud's configuration with it and keeps
// its own (`imago config`) in the same format.
#ifndef IMAGO_BASE_INI_H_
#define IMAGO_BASE_INI_H_

#include <map>
#include <string>

namespace imago::base {

/// "section/key" -> value. Keys before any section, and lines that are not
/// pairs, are ignored; whitespace around keys and values is dropped.
std::map<std::string, std::string> ParseIni(const std::string& text);

/// The text of "section/key" -> value pairs: one [section] per section, in
/// order, `key = value` lines. Keys without a section are left out.
std::string FormatIni(const std::map<std::string, std::string>& values);

}  // namespace imago::base

#endif  // IMAGO_BASE_INI_H_
