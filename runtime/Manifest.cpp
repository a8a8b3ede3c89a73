//===- Manifest.cpp - JSON form of a compiled artifact's manifest ---------===//
//
// Serializes and parses manifest.json with llvm::json.
//
//===----------------------------------------------------------------------===//

#include "normc/Manifest.h"

#include "llvm/Support/JSON.h"

using namespace normc;
namespace json = llvm::json;

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

const EntryInfo *Manifest::findEntry(const std::string &function,
                                     const std::string &mode,
                                     bool backward) const {
  for (const EntryInfo &entry : entries)
    if (entry.function == function && entry.mode == mode &&
        entry.backward == backward)
      return &entry;
  return nullptr;
}

llvm::Expected<DType> normc::parseDType(llvm::StringRef name) {
  for (DType t : {DType::F16, DType::BF16, DType::F32, DType::F64, DType::I64})
    if (name == dtypeName(t))
      return t;
  return llvm::createStringError("unknown dtype '" + name + "'");
}

static json::Value tensorToJSON(const TensorInfo &t) {
  json::Object o{{"name", t.name},
                 {"dtype", dtypeName(t.dtype)},
                 {"shape", json::Array(t.shape)}};
  if (t.isState())
    o["state"] = t.state;
  if (t.isSaved())
    o["saved"] = t.saved;
  if (t.nonzero)
    o["nonzero"] = true;
  return o;
}

std::string Manifest::toJSON() const {
  json::Array entryList;
  for (const EntryInfo &e : entries) {
    json::Array in, out;
    for (const TensorInfo &t : e.inputs)
      in.push_back(tensorToJSON(t));
    for (const TensorInfo &t : e.outputs)
      out.push_back(tensorToJSON(t));
    entryList.push_back(
        json::Object{{"function", e.function},
                     {"mode", e.mode},
                     {"symbol", e.symbol},
                     {"direction", e.backward ? "backward" : "forward"},
                     {"inputs", std::move(in)},
                     {"outputs", std::move(out)}});
  }
  json::Array stateList;
  for (const StateInfo &s : states)
    stateList.push_back(
        json::Object{{"layer", s.layer},
                     {"dtype", dtypeName(s.dtype)},
                     {"shape", json::Array(s.shape)},
                     {"initial_mean", json::Array(s.initialMean)},
                     {"initial_var", json::Array(s.initialVar)},
                     {"initial_count", s.initialCount}});
  json::Object root{{"format", "normc-manifest-1"},
                    {"library", library},
                    {"entries", std::move(entryList)},
                    {"states", std::move(stateList)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", json::Value(std::move(root)));
  return text;
}

namespace {
/// Reads fields with errors that name where they are.
struct Reader {
  llvm::StringRef source;
  std::string error;

  bool fail(const llvm::Twine &where, const llvm::Twine &what) {
    if (error.empty())
      error = (source + ": " + where + ": " + what).str();
    return false;
  }

  bool readString(const json::Object &o, llvm::StringRef key,
                  const llvm::Twine &where, std::string &out) {
    std::optional<llvm::StringRef> v = o.getString(key);
    if (!v)
      return fail(where, "missing string '" + key + "'");
    out = v->str();
    return true;
  }

  bool readInts(const json::Object &o, llvm::StringRef key,
                const llvm::Twine &where, std::vector<int64_t> &out) {
    const json::Array *a = o.getArray(key);
    if (!a)
      return fail(where, "missing array '" + key + "'");
    for (const json::Value &v : *a) {
      std::optional<int64_t> i = v.getAsInteger();
      if (!i)
        return fail(where, "'" + key + "' must hold integers");
      out.push_back(*i);
    }
    return true;
  }

  bool readDoubles(const json::Object &o, llvm::StringRef key,
                   const llvm::Twine &where, std::vector<double> &out) {
    const json::Array *a = o.getArray(key);
    if (!a)
      return fail(where, "missing array '" + key + "'");
    for (const json::Value &v : *a) {
      std::optional<double> d = v.getAsNumber();
      if (!d)
        return fail(where, "'" + key + "' must hold numbers");
      out.push_back(*d);
    }
    return true;
  }

  bool readDType(const json::Object &o, const llvm::Twine &where, DType &out) {
    std::string name;
    if (!readString(o, "dtype", where, name))
      return false;
    llvm::Expected<DType> t = parseDType(name);
    if (!t) {
      llvm::consumeError(t.takeError());
      return fail(where, "unknown dtype '" + name + "'");
    }
    out = *t;
    return true;
  }

  bool readTensors(const json::Object &o, llvm::StringRef key,
                   const llvm::Twine &where, std::vector<TensorInfo> &out) {
    const json::Array *a = o.getArray(key);
    if (!a)
      return fail(where, "missing array '" + key + "'");
    for (auto [i, v] : llvm::enumerate(*a)) {
      std::string here = (where + "." + key + "[" + llvm::Twine(i) + "]").str();
      const json::Object *t = v.getAsObject();
      if (!t)
        return fail(here, "expected an object");
      TensorInfo info;
      if (!readString(*t, "name", here, info.name) ||
          !readDType(*t, here, info.dtype) ||
          !readInts(*t, "shape", here, info.shape))
        return false;
      if (std::optional<llvm::StringRef> s = t->getString("state"))
        info.state = s->str();
      if (std::optional<llvm::StringRef> s = t->getString("saved"))
        info.saved = s->str();
      info.nonzero = t->getBoolean("nonzero").value_or(false);
      out.push_back(std::move(info));
    }
    return true;
  }
};
} // namespace

llvm::Expected<Manifest> Manifest::fromJSON(llvm::StringRef text,
                                            llvm::StringRef source) {
  llvm::Expected<json::Value> parsed = json::parse(text);
  if (!parsed)
    return llvm::createStringError(
        source + ": invalid JSON: " + llvm::toString(parsed.takeError()));
  Reader r{source, {}};
  Manifest m;
  const json::Object *root = parsed->getAsObject();
  if (!root)
    return llvm::createStringError(source + ": expected a JSON object");
  std::string format;
  if (!r.readString(*root, "format", "manifest", format) ||
      !r.readString(*root, "library", "manifest", m.library))
    return llvm::createStringError(r.error);
  if (format != "normc-manifest-1")
    return llvm::createStringError(source + ": unsupported format '" + format +
                                   "'");
  const json::Array *entries = root->getArray("entries");
  const json::Array *states = root->getArray("states");
  if (!entries || !states)
    return llvm::createStringError(source +
                                   ": missing 'entries' or 'states' array");
  for (auto [i, v] : llvm::enumerate(*entries)) {
    std::string where = ("entries[" + llvm::Twine(i) + "]").str();
    const json::Object *o = v.getAsObject();
    EntryInfo e;
    if (!o || !r.readString(*o, "function", where, e.function) ||
        !r.readString(*o, "mode", where, e.mode) ||
        !r.readString(*o, "symbol", where, e.symbol) ||
        !r.readTensors(*o, "inputs", where, e.inputs) ||
        !r.readTensors(*o, "outputs", where, e.outputs))
      return llvm::createStringError(
          r.error.empty() ? source + ": " + where + ": expected an object"
                          : r.error);
    e.backward = o->getString("direction").value_or("forward") == "backward";
    m.entries.push_back(std::move(e));
  }
  for (auto [i, v] : llvm::enumerate(*states)) {
    std::string where = ("states[" + llvm::Twine(i) + "]").str();
    const json::Object *o = v.getAsObject();
    StateInfo s;
    if (!o || !r.readString(*o, "layer", where, s.layer) ||
        !r.readDType(*o, where, s.dtype) ||
        !r.readInts(*o, "shape", where, s.shape) ||
        !r.readDoubles(*o, "initial_mean", where, s.initialMean) ||
        !r.readDoubles(*o, "initial_var", where, s.initialVar))
      return llvm::createStringError(
          r.error.empty() ? source + ": " + where + ": expected an object"
                          : r.error);
    s.initialCount = o->getInteger("initial_count").value_or(0);
    m.states.push_back(std::move(s));
  }
  return m;
}
