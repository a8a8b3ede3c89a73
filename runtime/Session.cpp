//===- Session.cpp - Train and run one graph function ---------------------===//
//
// Builds memref descriptors over caller inputs, the state store and the
// session's reused output buffers, calls the packed entry, and moves the
// updated running statistics back into the store.
//
//===----------------------------------------------------------------------===//

#include "normc/Session.h"

#include "llvm/ADT/StringExtras.h"
#include <cstring>
#include <optional>

using namespace normc;

/// "f32[8, 64]" for error messages.
static std::string describe(DType dtype, const std::vector<int64_t> &shape) {
  std::string text = std::string(dtypeName(dtype)) + "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

/// Index of the first element of `a` equal to zero (either sign), if any.
static std::optional<int64_t> firstZero(const Array &a) {
  for (int64_t i = 0; i < a.numel(); ++i) {
    bool zero = false;
    switch (a.dtype) {
    case DType::F64:
      zero = a.as<double>()[i] == 0.0;
      break;
    case DType::F32:
      zero = a.as<float>()[i] == 0.0f;
      break;
    case DType::F16:
    case DType::BF16: {
      uint16_t bits;
      std::memcpy(&bits, a.data.data() + 2 * i, 2);
      zero = (bits & 0x7fff) == 0;
      break;
    }
    case DType::I64:
      zero = a.as<int64_t>()[i] == 0;
      break;
    }
    if (zero)
      return i;
  }
  return std::nullopt;
}

namespace {
/// Storage of memref descriptors for one call: {allocated, aligned, offset,
/// sizes[rank], strides[rank]}, every field 8 bytes.
class DescriptorTable {
public:
  void add(const void *data, const std::vector<int64_t> &shape) {
    std::vector<int64_t> d(3 + 2 * shape.size());
    auto address = reinterpret_cast<int64_t>(data);
    d[0] = d[1] = address;
    d[2] = 0;
    int64_t stride = 1;
    for (size_t i = shape.size(); i-- > 0;) {
      d[3 + i] = shape[i];
      d[3 + shape.size() + i] = stride;
      stride *= shape[i];
    }
    storage.push_back(std::move(d));
  }
  std::vector<void *> pointers() {
    std::vector<void *> result;
    for (auto &d : storage)
      result.push_back(d.data());
    return result;
  }

private:
  std::vector<std::vector<int64_t>> storage;
};

/// Splits "<layer>.<field>" at the last dot.
std::pair<std::string, std::string> splitStateKey(const std::string &key) {
  size_t dot = key.rfind('.');
  return {key.substr(0, dot), key.substr(dot + 1)};
}
} // namespace

Session::Session(std::shared_ptr<Executable> executable, std::string function)
    : executable(std::move(executable)), function(std::move(function)) {}

std::vector<StateSpec> Session::stateSpecs() const {
  std::vector<StateSpec> specs;
  for (const StateInfo &s : executable->manifest().states)
    specs.push_back(StateSpec{s.layer, s.dtype, s.shape, s.initialMean,
                              s.initialVar, s.initialCount});
  return specs;
}

llvm::Expected<std::unique_ptr<Session>>
Session::create(std::shared_ptr<Executable> executable,
                const std::string &function) {
  std::unique_ptr<Session> session(new Session(executable, function));
  const Manifest &m = executable->manifest();
  if (!m.findEntry(function, "infer") && !m.findEntry(function, "train"))
    return llvm::createStringError("the compiled graph has no function '" +
                                   function + "'");
  if (llvm::Error err = StateStore::checkSpecs(session->stateSpecs()))
    return std::move(err);
  session->store = StateStore::initial(session->stateSpecs());
  // Start in inference mode when compiled, as a framework module in eval().
  llvm::Error err =
      m.findEntry(function, "infer") ? session->eval() : session->train();
  if (err)
    return std::move(err);
  return session;
}

llvm::Error Session::select(const std::string &mode) {
  const EntryInfo *entry = executable->manifest().findEntry(function, mode);
  if (!entry)
    return llvm::createStringError("function '" + function +
                                   "' was not compiled for mode '" + mode +
                                   "' (normc --mode=" + mode + " or both)");
  llvm::Expected<EntryFn> fn = executable->lookup(*entry);
  if (!fn)
    return fn.takeError();
  current = entry;
  currentFn = *fn;
  std::vector<Array> &buffers = outputs[entry->symbol];
  if (buffers.empty())
    for (const TensorInfo &t : entry->outputs)
      buffers.push_back(Array::zeros(t.dtype, t.shape));
  return llvm::Error::success();
}

llvm::Error Session::train() { return select("train"); }
llvm::Error Session::eval() { return select("infer"); }

std::vector<const TensorInfo *> Session::userInputs() const {
  std::vector<const TensorInfo *> result;
  for (const TensorInfo &t : current->inputs)
    if (t.isUser())
      result.push_back(&t);
  return result;
}

std::vector<const TensorInfo *> Session::userOutputs() const {
  std::vector<const TensorInfo *> result;
  for (const TensorInfo &t : current->outputs)
    if (t.isUser())
      result.push_back(&t);
  return result;
}

/// The state array a state tensor of an entry refers to.
static Array &stateArray(StateStore &store, const std::string &key) {
  auto [layer, field] = splitStateKey(key);
  if (field == "running_mean")
    return store.mean(layer);
  if (field == "running_var")
    return store.var(layer);
  return store.count(layer);
}

llvm::Expected<std::vector<const void *>>
Session::checkInputs(const EntryInfo &entry,
                     const std::vector<const Array *> &inputs) const {
  std::vector<const TensorInfo *> expected;
  for (const TensorInfo &t : entry.inputs)
    if (t.isUser())
      expected.push_back(&t);
  if (inputs.size() != expected.size())
    return llvm::createStringError("entry '" + entry.symbol + "' takes " +
                                   std::to_string(expected.size()) +
                                   " inputs, got " +
                                   std::to_string(inputs.size()));
  std::vector<const void *> data;
  for (auto [i, t] : llvm::enumerate(expected)) {
    const Array *a = inputs[i];
    if (a->dtype != t->dtype || a->shape != t->shape)
      return llvm::createStringError("input " + std::to_string(i) + " ('" +
                                     t->name + "') must be " +
                                     describe(t->dtype, t->shape) + ", got " +
                                     describe(a->dtype, a->shape));
    if (t->nonzero)
      if (std::optional<int64_t> zero = firstZero(*a))
        return llvm::createStringError(
            "input " + std::to_string(i) + " ('" + t->name +
            "') is zero at index " + std::to_string(*zero) +
            ": the memory-saving gradient recovers the normalized input by "
            "dividing the output by this scale");
    data.push_back(a->data.data());
  }
  return data;
}

llvm::Expected<std::vector<const Array *>>
Session::forward(const std::vector<const Array *> &inputs) {
  auto data = checkInputs(*current, inputs);
  if (!data)
    return data.takeError();
  return call(*current, currentFn, *data);
}

std::vector<const Array *>
Session::forwardUnchecked(const std::vector<const void *> &inputs) {
  return call(*current, currentFn, inputs);
}

const EntryInfo *Session::backwardEntry() const {
  return executable->manifest().findEntry(function, current->mode,
                                          /*backward=*/true);
}

llvm::Expected<std::vector<const Array *>>
Session::backward(const std::vector<const Array *> &inputs,
                  const std::vector<const Array *> &gradOutputs) {
  const EntryInfo *entry = backwardEntry();
  if (!entry)
    return llvm::createStringError(
        "function '" + function + "' has no backward entry for mode '" +
        current->mode + "' (normc reports why when it compiles the graph)");
  llvm::Expected<EntryFn> fn = executable->lookup(*entry);
  if (!fn)
    return fn.takeError();
  for (const TensorInfo &t : entry->inputs)
    if (t.isSaved() && !saved.count(t.saved))
      return llvm::createStringError(
          "the backward entry of '" + function +
          "' uses the statistics saved by a training forward step (" + t.saved +
          "); run forward in training mode first");
  std::vector<const Array *> all(inputs);
  all.insert(all.end(), gradOutputs.begin(), gradOutputs.end());
  auto data = checkInputs(*entry, all);
  if (!data)
    return data.takeError();
  return call(*entry, *fn, *data);
}

std::vector<const Array *>
Session::call(const EntryInfo &entry, EntryFn fn,
              const std::vector<const void *> &inputs) {
  DescriptorTable table;
  size_t next = 0;
  for (const TensorInfo &t : entry.inputs) {
    if (t.isState())
      table.add(stateArray(store, t.state).data.data(), t.shape);
    else if (t.isSaved())
      table.add(saved.at(t.saved).data.data(), t.shape);
    else
      table.add(inputs[next++], t.shape);
  }
  std::vector<Array> &buffers = outputs[entry.symbol];
  if (buffers.empty())
    for (const TensorInfo &t : entry.outputs)
      buffers.push_back(Array::zeros(t.dtype, t.shape));
  for (Array &out : buffers)
    table.add(out.data.data(), out.shape);
  std::vector<void *> args = table.pointers();
  fn(args.data());

  std::vector<const Array *> results;
  for (auto [info, buffer] : llvm::zip(entry.outputs, buffers)) {
    if (info.isState()) {
      std::swap(stateArray(store, info.state).data, buffer.data);
    } else if (info.isSaved()) {
      Array &kept = saved[info.saved];
      kept.dtype = info.dtype;
      kept.shape = info.shape;
      if (kept.data.size() != buffer.data.size())
        kept.data.assign(buffer.data.size(), 0);
      std::swap(kept.data, buffer.data);
    } else {
      results.push_back(&buffer);
    }
  }
  return results;
}

llvm::Error Session::loadState(const std::string &path) {
  llvm::Expected<StateStore> loaded = StateStore::load(path, stateSpecs());
  if (!loaded)
    return loaded.takeError();
  store = std::move(*loaded);
  return llvm::Error::success();
}

llvm::Error Session::saveState(const std::string &path) const {
  return store.save(path);
}
