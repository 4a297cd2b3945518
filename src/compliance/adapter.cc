#include "compliance/adapter.h"

#include <algorithm>

#include "compliance/xml_adapter.h"

namespace pchat::compliance {

namespace {

struct Entry {
  const char* name;
  std::unique_ptr<Adapter> (*create)();
};

const Entry kAdapters[] = {
    {XmlAdapter::kName, [] { return std::unique_ptr<Adapter>(new XmlAdapter()); }},
};

}  // namespace

std::vector<std::string> known_adapters() {
  std::vector<std::string> names;
  for (const Entry& e : kAdapters) names.emplace_back(e.name);
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::unique_ptr<Adapter>> make_adapter(std::string_view name) {
  for (const Entry& e : kAdapters) {
    if (name == e.name) return e.create();
  }
  std::string known;
  for (const std::string& n : known_adapters()) {
    if (!known.empty()) known += ", ";
    known += n;
  }
  return make_error(ErrorKind::kNotFound, "unknown compliance adapter '" + std::string(name) +
                                              "' (known: " + known + ")");
}

}  // namespace pchat::compliance
