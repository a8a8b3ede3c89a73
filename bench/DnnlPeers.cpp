//===- DnnlPeers.cpp - oneDNN as the peer of normc's kernels --------------===//
//
// oneDNN 2.6 (Debian libdnnl, OpenMP threading) on NormBench's normalization
// shapes. Primitive descriptors are created for each run after the thread
// count is set (oneDNN partitions work by the OpenMP thread count); the
// memories of the problem last run are kept, filled and touched, for its
// next run. The timed loop only executes the primitive and waits on the
// stream. Traffic is the minimal model: each argument of the timed
// primitive read or written once (scale, shift and statistics included),
// never the scratchpad.
//
//===----------------------------------------------------------------------===//

#include "bench/DnnlPeers.h"
#include "bench/BenchUtils.h"

#include "oneapi/dnnl/dnnl.hpp"
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

extern "C" void omp_set_num_threads(int);

using namespace normc::bench;
using dnnl::memory;

namespace {
using DataType = memory::data_type;
using Tag = memory::format_tag;
using Memories = std::unordered_map<int, memory>;

constexpr float kEpsilon = 1e-5f;

enum class Op {
  LayerNorm,
  LayerNormNoAffine,
  LayerNormBwd,
  BatchNormTrain,
  BatchNormInfer,
  BatchNormBwd
};

/// One benchmark without its dtype: the operation on dims {N, C} (layer
/// norm) or {N, C, H, W} (batch norm) stored in format `tag`.
struct Problem {
  std::string name; // oneDNN/<Op>_<Layout>_<shape>
  Op op;
  memory::dims dims;
  Tag tag;
  std::string pairedWith; // the NormBench case it runs next to
};

/// A primitive descriptor and the arguments it reads or writes.
struct Step {
  dnnl::primitive_desc pd;
  std::vector<int> args;
};

/// What one run executes: the timed step and, before a backward, the
/// forward training step that produces the statistics it reads.
struct Plan {
  Step timed, forward;
};

/// A step made executable: the primitive and its arguments, scratchpad
/// included.
struct Bound {
  dnnl::primitive primitive;
  Memories args;
};

// Forward training writes the statistics; inference with global statistics
// reads them.
const std::vector<int> kStatsForwardArgs = {DNNL_ARG_SRC,   DNNL_ARG_SCALE,
                                            DNNL_ARG_SHIFT, DNNL_ARG_DST,
                                            DNNL_ARG_MEAN,  DNNL_ARG_VARIANCE};
const std::vector<int> kLayerInferArgs = {DNNL_ARG_SRC, DNNL_ARG_SCALE,
                                          DNNL_ARG_SHIFT, DNNL_ARG_DST};
const std::vector<int> kPlainInferArgs = {DNNL_ARG_SRC, DNNL_ARG_DST};
// oneDNN 2.6 refuses to execute a backward without the shift, which it does
// not need; its C floats are counted, a negligible overstatement.
const std::vector<int> kBackwardArgs = {
    DNNL_ARG_SRC,      DNNL_ARG_DIFF_DST,   DNNL_ARG_SCALE,
    DNNL_ARG_SHIFT,    DNNL_ARG_MEAN,       DNNL_ARG_VARIANCE,
    DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE, DNNL_ARG_DIFF_SHIFT};

dnnl::engine &engine() {
  static dnnl::engine cpu(dnnl::engine::kind::cpu, 0);
  return cpu;
}

dnnl::stream &stream() {
  static dnnl::stream s(engine());
  return s;
}

/// The scratchpad is ours so that it is allocated and touched before timing.
dnnl::primitive_attr attributes() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::normalization_flags affine() {
  return dnnl::normalization_flags::use_scale |
         dnnl::normalization_flags::use_shift;
}

/// A forward primitive descriptor, empty when oneDNN has no kernel for it.
template <class Fwd>
typename Fwd::primitive_desc forwardPd(const memory::desc &data,
                                       dnnl::prop_kind prop,
                                       dnnl::normalization_flags flags) {
  typename Fwd::desc desc(prop, data, kEpsilon, flags);
  return typename Fwd::primitive_desc(desc, attributes(), engine(),
                                      /*allow_empty=*/true);
}

/// The plan of `op` for the normalization pair Fwd/Bwd; its timed step has
/// an empty descriptor when oneDNN has no kernel for it.
template <class Fwd, class Bwd> Plan planOf(Op op, const memory::desc &data) {
  using dnnl::prop_kind;
  if (op == Op::LayerNorm)
    return {{forwardPd<Fwd>(data, prop_kind::forward_inference, affine()),
             kLayerInferArgs},
            {}};
  if (op == Op::LayerNormNoAffine)
    return {{forwardPd<Fwd>(data, prop_kind::forward_inference,
                            dnnl::normalization_flags::none),
             kPlainInferArgs},
            {}};
  if (op == Op::BatchNormInfer)
    return {
        {forwardPd<Fwd>(data, prop_kind::forward_inference,
                        affine() | dnnl::normalization_flags::use_global_stats),
         kStatsForwardArgs},
        {}};
  auto train = forwardPd<Fwd>(data, prop_kind::forward_training, affine());
  if (op == Op::BatchNormTrain || !train)
    return {{train, kStatsForwardArgs}, {}};
  typename Bwd::desc desc(prop_kind::backward, data, data, kEpsilon, affine());
  typename Bwd::primitive_desc bwd(desc, attributes(), engine(), train,
                                   /*allow_empty=*/true);
  return {{bwd, kBackwardArgs}, {train, kStatsForwardArgs}};
}

Plan makePlan(const Problem &p, DataType dtype) {
  memory::desc data(p.dims, dtype, p.tag);
  if (p.op == Op::LayerNorm || p.op == Op::LayerNormNoAffine ||
      p.op == Op::LayerNormBwd)
    return planOf<dnnl::layer_normalization_forward,
                  dnnl::layer_normalization_backward>(p.op, data);
  return planOf<dnnl::batch_normalization_forward,
                dnnl::batch_normalization_backward>(p.op, data);
}

uint16_t toBf16(float v) { // the upper half of the f32 bits
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  return uint16_t(bits >> 16);
}

/// Fills every element of `m` (f32 or bf16) with N(0, 1) samples, or with
/// 1 + |N(0, 1)| when `positive` (variances).
void fill(memory &m, bool positive, std::mt19937 &rng) {
  memory::desc md = m.get_desc();
  std::normal_distribution<float> normal;
  size_t n = md.get_size() / memory::data_type_size(md.data_type());
  auto *data = static_cast<char *>(m.get_data_handle());
  for (size_t i = 0; i < n; ++i) {
    float v = normal(rng);
    v = positive ? 1 + std::fabs(v) : v;
    if (md.data_type() == DataType::bf16)
      reinterpret_cast<uint16_t *>(data)[i] = toBf16(v);
    else
      reinterpret_cast<float *>(data)[i] = v;
  }
}

/// The memories of every argument of `plan`, filled; those of the problem
/// last run (`key`) are reused, so a problem is filled once for both thread
/// counts and for every try Google Benchmark makes.
Memories &memoriesFor(const std::string &key, const Plan &plan) {
  static std::string lastKey;
  static Memories last;
  if (key == lastKey)
    return last;
  last.clear(); // free the previous problem's buffers before allocating
  std::mt19937 rng(1);
  for (const Step *step : {&plan.forward, &plan.timed}) {
    if (!step->pd)
      continue;
    for (int arg : step->args) {
      if (last.count(arg))
        continue;
      memory m(step->pd.query_md(dnnl::query::exec_arg_md, arg), engine());
      fill(m, arg == DNNL_ARG_VARIANCE, rng);
      last.emplace(arg, m);
    }
  }
  lastKey = key;
  return last;
}

/// The primitive of `step` with its arguments taken from `memories` and a
/// fresh scratchpad, touched.
Bound bind(const Step &step, const Memories &memories) {
  Bound b{dnnl::primitive(step.pd), {}};
  for (int arg : step.args)
    b.args.emplace(arg, memories.at(arg));
  memory::desc scratch = step.pd.scratchpad_desc();
  if (scratch.get_size() != 0) {
    memory m(scratch, engine());
    std::memset(m.get_data_handle(), 0, scratch.get_size());
    b.args.emplace(DNNL_ARG_SCRATCHPAD, m);
  }
  return b;
}

void execute(Bound &b) {
  b.primitive.execute(stream(), b.args);
  stream().wait();
}

/// Bytes the timed step must move: each argument once.
double traffic(const Step &step) {
  double bytes = 0;
  for (int arg : step.args)
    bytes += step.pd.query_md(dnnl::query::exec_arg_md, arg).get_size();
  return bytes;
}

const char *dtypeName(DataType dtype) {
  return dtype == DataType::bf16 ? "bf16" : "f32";
}

void runProblem(benchmark::State &state, const Problem &p, DataType dtype) {
  int threads = static_cast<int>(state.range(0));
  omp_set_num_threads(threads);
  Plan plan = makePlan(p, dtype);
  if (!plan.timed.pd) {
    state.SkipWithError(dtype == DataType::bf16
                            ? "oneDNN: no bf16 kernel on this CPU"
                            : "oneDNN: no kernel on this CPU");
    return;
  }
  Memories &memories = memoriesFor(p.name + "/" + dtypeName(dtype), plan);
  if (plan.forward.pd) {
    Bound forward = bind(plan.forward, memories);
    execute(forward); // the statistics of the backward
  }
  Bound timed = bind(plan.timed, memories);
  execute(timed); // warm-up: outputs and scratchpad touched
  for (auto _ : state) {
    timed.primitive.execute(stream(), timed.args);
    stream().wait();
  }
  state.SetLabel(plan.timed.pd.impl_info_str());
  reportBandwidth(state, traffic(plan.timed), threads);
}

std::string shapeName(const memory::dims &dims) {
  std::string s;
  for (memory::dim d : dims)
    s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

/// nChw16c where oneDNN has a JIT batch norm for it (AVX-512), else nChw8c
/// (its AVX2 blocking; nChw16c falls back to bnorm_ref there).
Tag blockedTag() {
  memory::desc data({32, 64, 56, 56}, DataType::f32, Tag::nChw16c);
  auto pd = forwardPd<dnnl::batch_normalization_forward>(
      data, dnnl::prop_kind::forward_training, affine());
  if (pd && std::string(pd.impl_info_str()).find("jit") != std::string::npos)
    return Tag::nChw16c;
  return Tag::nChw8c;
}

/// The batch norms of one NCHW shape in `layout`; NHWC names list the dims
/// in memory order, as NormBench does.
void addBatchNorms(std::vector<Problem> &all, const memory::dims &nchw, Tag tag,
                   const std::string &layout) {
  memory::dims named = nchw;
  if (tag == Tag::nhwc)
    named = {nchw[0], nchw[2], nchw[3], nchw[1]};
  std::string suffix = "_" + layout + "_" + shapeName(named);
  // The blocked layout competes with NormBench's NCHW cases.
  std::string paired = "_" + std::string(tag == Tag::nhwc ? "NHWC" : "NCHW") +
                       "_" + shapeName(named);
  for (auto [op, name] : {std::pair{Op::BatchNormTrain, "BatchNormTrain"},
                          {Op::BatchNormInfer, "BatchNormInfer"},
                          {Op::BatchNormBwd, "BatchNormBwd"}})
    all.push_back(
        {"oneDNN/" + std::string(name) + suffix, op, nchw, tag, name + paired});
}

std::vector<Problem> problems() {
  std::vector<Problem> all;
  for (memory::dims shape : {memory::dims{8192, 1024},
                             {4096, 4096},
                             {32768, 768},
                             {256, 65536},
                             {65536, 2048}})
    all.push_back({"oneDNN/LayerNorm_" + shapeName(shape), Op::LayerNorm, shape,
                   Tag::ab, "LayerNorm_" + shapeName(shape)});
  all.push_back({"oneDNN/LayerNormNoAffine_8192x1024", Op::LayerNormNoAffine,
                 memory::dims{8192, 1024}, Tag::ab,
                 "LayerNormNoAffine_8192x1024"});
  all.push_back({"oneDNN/LayerNormBwd_8192x1024", Op::LayerNormBwd,
                 memory::dims{8192, 1024}, Tag::ab, "LayerNormBwd_8192x1024"});
  Tag blocked = blockedTag();
  std::string blockedName = blocked == Tag::nChw16c ? "nChw16c" : "nChw8c";
  for (memory::dims nchw :
       {memory::dims{32, 64, 56, 56}, {64, 256, 14, 14}, {128, 64, 112, 112}}) {
    addBatchNorms(all, nchw, Tag::nchw, "NCHW");
    addBatchNorms(all, nchw, Tag::nhwc, "NHWC");
    addBatchNorms(all, nchw, blocked, blockedName);
  }
  return all;
}
} // namespace

namespace {
/// Every problem, with whether it has been registered.
std::vector<std::pair<Problem, bool>> &registry() {
  static std::vector<std::pair<Problem, bool>> all = [] {
    std::vector<std::pair<Problem, bool>> flagged;
    for (Problem &p : problems())
      flagged.emplace_back(std::move(p), false);
    return flagged;
  }();
  return all;
}

void registerProblem(const Problem &p, DataType dtype) {
  benchmark::RegisterBenchmark(
      (p.name + "/" + dtypeName(dtype)).c_str(),
      [p, dtype](benchmark::State &s) { runProblem(s, p, dtype); })
      ->Arg(1)
      ->Arg(2)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}
} // namespace

void normc::bench::registerDnnlPeersOf(const std::string &caseName, bool bf16) {
  for (auto &[p, registered] : registry())
    if (p.pairedWith == caseName) {
      registerProblem(p, bf16 ? DataType::bf16 : DataType::f32);
      registered |= bf16;
    }
}

void normc::bench::registerUnpairedDnnlPeers() {
  for (auto &[p, registered] : registry())
    if (!registered)
      for (DataType dtype : {DataType::f32, DataType::bf16})
        registerProblem(p, dtype);
}
