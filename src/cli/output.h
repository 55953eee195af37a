// Output for the imago command: aligned tables for people, JSON (the API
// resource) and YAML for scripts, and progress lines on a terminal.
#ifndef IMAGO_CLI_OUTPUT_H_
#define IMAGO_CLI_OUTPUT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace imago::cli {

using Json = nlohmann::json;

enum class Format { kTable, kJson, kYaml };

/// A table column: a header and how to get the cell from a resource.
struct Column {
  std::string header;
  std::function<std::string(const Json&)> cell;
};

/// Prints rows under upper-case headers (unless `heading` is false),
/// columns padded to line up.
void PrintTable(std::ostream& out, const std::vector<Json>& rows, const std::vector<Column>& cols,
                bool heading = true);
/// Prints one resource as aligned "key: value" lines (nested keys dotted).
void PrintKeyValues(std::ostream& out, const Json& resource);
/// YAML text of a JSON value (block style, as gcloud prints).
std::string ToYaml(const Json& value);

/// Prints one resource / a list in `format`, tables with `cols` (an empty
/// table: "Listed 0 items." on stderr, as gcloud). With a projection set
/// (SetProjection), the projection instead, whatever `format` says.
void PrintResource(std::ostream& out, Format format, const Json& resource);
void PrintList(std::ostream& out, Format format, const std::vector<Json>& rows,
               const std::vector<Column>& cols);

struct Projection;
/// The --format projection (`value(name)`, ...) or --uri of this process,
/// which PrintResource and PrintList apply; nullptr: none. Set once, by the
/// global flags' parsing, before any command prints; not thread-safe.
void SetProjection(const Projection* projection);

/// The string at a dotted path of `j` ("a.b", "list.0.c"), or "" when absent.
std::string Field(const Json& j, const std::string& dotted);

/// "1.5 GiB", "512 KiB".
std::string HumanBytes(uint64_t n);

/// Progress of a long task on stderr: a line rewritten in place on a
/// terminal, nothing otherwise (logs stay clean).
class Progress {
 public:
  explicit Progress(std::string what);
  ~Progress();
  void Update(uint64_t done, uint64_t total);
  void Finish();

 private:
  std::string what_;
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace imago::cli

#endif  // IMAGO_CLI_OUTPUT_H_
