//===- StateStore.cpp - Running statistics of normalization layers --------===//
//
// Builds the initial PyTorch state of normalization layers, and loads and
// saves it as an .npz with state_dict key names. Loading validates the whole
// file against the expected layers and reports every mismatch at once.
//
//===----------------------------------------------------------------------===//

#include "normc/StateStore.h"

#include "normc/Npz.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/ErrorHandling.h"

#include <set>

using namespace normc;
using llvm::StringRef;

namespace {

llvm::Error stateError(const llvm::Twine &msg) {
  return llvm::createStringError(
      std::make_error_code(std::errc::invalid_argument), msg);
}

/// An array of `dtype` (F32 or F64) and `shape` filled from `values`: empty
/// means `fallback` everywhere, one value is broadcast, otherwise one per
/// element.
Array filled(DType dtype, const std::vector<int64_t> &shape,
             const std::vector<double> &values, double fallback) {
  Array array = Array::zeros(dtype, shape);
  int64_t n = array.numel();
  for (int64_t i = 0; i < n; ++i) {
    double v = values.empty()       ? fallback
               : values.size() == 1 ? values[0]
                                    : values[static_cast<size_t>(i)];
    if (dtype == DType::F32)
      array.as<float>()[i] = static_cast<float>(v);
    else
      array.as<double>()[i] = v;
  }
  return array;
}

/// "f32 (64,)".
std::string describe(DType dtype, const std::vector<int64_t> &shape) {
  return std::string(dtypeName(dtype)) + " " + formatShape(shape);
}

} // namespace

std::string normc::runningMeanKey(StringRef layer) {
  return (layer + ".running_mean").str();
}

std::string normc::runningVarKey(StringRef layer) {
  return (layer + ".running_var").str();
}

std::string normc::numBatchesTrackedKey(StringRef layer) {
  return (layer + ".num_batches_tracked").str();
}

llvm::Error StateStore::checkSpecs(const std::vector<StateSpec> &specs) {
  std::vector<std::string> problems;
  std::set<std::string> seen;
  for (const StateSpec &spec : specs) {
    std::string where = "layer '" + spec.layer + "'";
    if (spec.layer.empty())
      problems.push_back("a layer has an empty name");
    else if (!seen.insert(spec.layer).second)
      problems.push_back(where + " is specified twice");
    if (spec.dtype != DType::F32 && spec.dtype != DType::F64)
      problems.push_back(where +
                         ": running statistics must be f32 or f64, "
                         "not " +
                         dtypeName(spec.dtype));
    if (llvm::any_of(spec.shape, [](int64_t d) { return d < 0; }))
      problems.push_back(where + ": negative extent in shape " +
                         formatShape(spec.shape));
    int64_t numel = 1;
    for (int64_t d : spec.shape)
      numel *= d;
    auto checkInit = [&](const std::vector<double> &values, StringRef what) {
      if (values.size() > 1 && static_cast<int64_t>(values.size()) != numel)
        problems.push_back(where + ": " + what.str() + " has " +
                           std::to_string(values.size()) +
                           " values, expected 0, 1 or " +
                           std::to_string(numel));
    };
    checkInit(spec.initialMean, "initialMean");
    checkInit(spec.initialVar, "initialVar");
    if (spec.initialCount < 0)
      problems.push_back(where + ": negative initialCount");
  }
  if (problems.empty())
    return llvm::Error::success();
  return stateError("invalid state specs: " + llvm::join(problems, "; "));
}

StateStore StateStore::initial(const std::vector<StateSpec> &specs) {
  if (llvm::Error err = checkSpecs(specs))
    llvm::reportFatalUsageError(llvm::Twine(llvm::toString(std::move(err))));
  StateStore store;
  store.layerSpecs = specs;
  for (const StateSpec &spec : specs) {
    store.byKey[runningMeanKey(spec.layer)] =
        filled(spec.dtype, spec.shape, spec.initialMean, 0.0);
    store.byKey[runningVarKey(spec.layer)] =
        filled(spec.dtype, spec.shape, spec.initialVar, 1.0);
    Array count = Array::zeros(DType::I64, {});
    count.as<int64_t>()[0] = spec.initialCount;
    store.byKey[numBatchesTrackedKey(spec.layer)] = std::move(count);
  }
  return store;
}

llvm::Expected<StateStore>
StateStore::load(const std::string &path,
                 const std::vector<StateSpec> &expected) {
  if (llvm::Error err = checkSpecs(expected))
    return stateError(path + ": " + llvm::toString(std::move(err)));
  llvm::Expected<std::map<std::string, Array>> arrays = readNpz(path);
  if (!arrays)
    return arrays.takeError();

  std::vector<std::string> problems;
  std::set<std::string> expectedKeys;
  auto check = [&](const std::string &key, DType dtype,
                   const std::vector<int64_t> &shape) {
    expectedKeys.insert(key);
    auto it = arrays->find(key);
    if (it == arrays->end()) {
      problems.push_back("missing key '" + key + "'");
      return;
    }
    const Array &actual = it->second;
    if (actual.dtype != dtype || actual.shape != shape)
      problems.push_back("key '" + key + "': expected " +
                         describe(dtype, shape) + ", got " +
                         describe(actual.dtype, actual.shape));
    else if (dtype == DType::I64 && actual.as<int64_t>()[0] < 0)
      problems.push_back("key '" + key + "': negative count " +
                         std::to_string(actual.as<int64_t>()[0]));
  };
  for (const StateSpec &spec : expected) {
    check(runningMeanKey(spec.layer), spec.dtype, spec.shape);
    check(runningVarKey(spec.layer), spec.dtype, spec.shape);
    check(numBatchesTrackedKey(spec.layer), DType::I64, {});
  }
  std::vector<std::string> extra;
  for (const auto &entry : *arrays)
    if (!expectedKeys.count(entry.first))
      extra.push_back("'" + entry.first + "'");
  if (!extra.empty())
    problems.push_back("unexpected keys: " + llvm::join(extra, ", "));
  if (!problems.empty())
    return stateError(path + ": state does not match the model: " +
                      llvm::join(problems, "; "));

  StateStore store;
  store.layerSpecs = expected;
  store.byKey = std::move(*arrays);
  return store;
}

llvm::Error StateStore::save(const std::string &path) const {
  return writeNpzAtomic(path, byKey);
}

bool StateStore::hasLayer(StringRef layer) const {
  return llvm::any_of(layerSpecs,
                      [&](const StateSpec &s) { return s.layer == layer; });
}

Array &StateStore::at(const std::string &key) {
  auto it = byKey.find(key);
  if (it == byKey.end())
    llvm::reportFatalUsageError(
        llvm::StringRef("StateStore: no state '" + key + "'"));
  return it->second;
}

const Array &StateStore::at(const std::string &key) const {
  return const_cast<StateStore *>(this)->at(key);
}

Array &StateStore::mean(StringRef layer) { return at(runningMeanKey(layer)); }
const Array &StateStore::mean(StringRef layer) const {
  return at(runningMeanKey(layer));
}
Array &StateStore::var(StringRef layer) { return at(runningVarKey(layer)); }
const Array &StateStore::var(StringRef layer) const {
  return at(runningVarKey(layer));
}
Array &StateStore::count(StringRef layer) {
  return at(numBatchesTrackedKey(layer));
}
const Array &StateStore::count(StringRef layer) const {
  return at(numBatchesTrackedKey(layer));
}
