//===- CApi.cpp - C API of the normc runtime ------------------------------===//
//
// Implements normc.h over Executable, jitCompileFile and Session, turning
// llvm::Error into return codes and a per-thread message.
//
//===----------------------------------------------------------------------===//

#include "normc/normc.h"

#include "normc/Jit.h"
#include "normc/Session.h"

#include <cstring>

using namespace normc;

struct normc_executable {
  std::shared_ptr<Executable> executable;
};

struct normc_session {
  std::unique_ptr<Session> session;
};

static_assert(NORMC_F16 == static_cast<int>(DType::F16) &&
                  NORMC_BF16 == static_cast<int>(DType::BF16) &&
                  NORMC_F32 == static_cast<int>(DType::F32) &&
                  NORMC_F64 == static_cast<int>(DType::F64) &&
                  NORMC_I64 == static_cast<int>(DType::I64),
              "normc_dtype mirrors normc::DType");

static thread_local std::string lastError;

/// Records `err` (if any) and returns whether there was none.
static bool check(llvm::Error err) {
  if (!err)
    return true;
  lastError = llvm::toString(std::move(err));
  return false;
}

/// Records a message and returns null / 0.
static std::nullptr_t fail(const std::string &message) {
  lastError = message;
  return nullptr;
}

const char *normc_last_error(void) { return lastError.c_str(); }

normc_executable *normc_executable_load(const char *dir) {
  if (!dir)
    return fail("normc_executable_load: null directory");
  auto executable = Executable::load(dir);
  if (!executable)
    return check(executable.takeError()), nullptr;
  return new normc_executable{std::move(*executable)};
}

normc_executable *normc_executable_jit(const char *graphPath,
                                       const char *modes) {
  if (!graphPath || !modes)
    return fail("normc_executable_jit: null argument");
  std::vector<std::string> list;
  if (std::strcmp(modes, "both") == 0)
    list = {"train", "infer"};
  else if (std::strcmp(modes, "train") == 0 || std::strcmp(modes, "infer") == 0)
    list = {modes};
  else
    return fail(std::string("modes must be train, infer or both, got '") +
                modes + "'");
  auto executable = jitCompileFile(graphPath, list);
  if (!executable)
    return check(executable.takeError()), nullptr;
  return new normc_executable{std::move(*executable)};
}

void normc_executable_free(normc_executable *executable) { delete executable; }

normc_session *normc_session_create(normc_executable *executable,
                                    const char *function) {
  if (!executable || !function)
    return fail("normc_session_create: null argument");
  auto session = Session::create(executable->executable, function);
  if (!session)
    return check(session.takeError()), nullptr;
  return new normc_session{std::move(*session)};
}

void normc_session_free(normc_session *session) { delete session; }

int normc_session_train(normc_session *s) {
  return s ? check(s->session->train()) : (fail("null session"), 0);
}

int normc_session_eval(normc_session *s) {
  return s ? check(s->session->eval()) : (fail("null session"), 0);
}

int normc_session_num_inputs(const normc_session *s) {
  return s ? static_cast<int>(s->session->userInputs().size()) : 0;
}

int normc_session_num_outputs(const normc_session *s) {
  return s ? static_cast<int>(s->session->userOutputs().size()) : 0;
}

/// Fills the description of `infos[index]`.
static int describe(const std::vector<const TensorInfo *> &infos, int index,
                    normc_dtype *dtype, int *rank, const int64_t **shape) {
  if (index < 0 || index >= static_cast<int>(infos.size()))
    return fail("tensor index " + std::to_string(index) + " is out of range (" +
                std::to_string(infos.size()) + ")"),
           0;
  const TensorInfo *t = infos[index];
  if (dtype)
    *dtype = static_cast<normc_dtype>(t->dtype);
  if (rank)
    *rank = static_cast<int>(t->shape.size());
  if (shape)
    *shape = t->shape.data();
  return 1;
}

int normc_session_input_info(const normc_session *s, int index,
                             normc_dtype *dtype, int *rank,
                             const int64_t **shape) {
  if (!s)
    return fail("null session"), 0;
  return describe(s->session->userInputs(), index, dtype, rank, shape);
}

int normc_session_output_info(const normc_session *s, int index,
                              normc_dtype *dtype, int *rank,
                              const int64_t **shape) {
  if (!s)
    return fail("null session"), 0;
  return describe(s->session->userOutputs(), index, dtype, rank, shape);
}

int normc_session_forward(normc_session *s, const void *const *inputs,
                          const void **outputs) {
  if (!s || (!inputs && normc_session_num_inputs(s) > 0) || !outputs)
    return fail("normc_session_forward: null argument"), 0;
  std::vector<const void *> data(inputs, inputs + normc_session_num_inputs(s));
  for (size_t i = 0; i < data.size(); ++i)
    if (!data[i])
      return fail("normc_session_forward: input " + std::to_string(i) +
                  " is null"),
             0;
  std::vector<const Array *> results = s->session->forwardUnchecked(data);
  for (size_t i = 0; i < results.size(); ++i)
    outputs[i] = results[i]->data.data();
  return 1;
}

int normc_session_load_state(normc_session *s, const char *path) {
  if (!s || !path)
    return fail("normc_session_load_state: null argument"), 0;
  return check(s->session->loadState(path));
}

int normc_session_save_state(const normc_session *s, const char *path) {
  if (!s || !path)
    return fail("normc_session_save_state: null argument"), 0;
  return check(s->session->saveState(path));
}
