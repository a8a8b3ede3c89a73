/*===- normc.h - C API of the normc runtime -------------------------------===*
 *
 * Load (or JIT-compile) a normalization graph, run training and inference
 * steps, and keep running statistics in .npz files, from C. Functions that
 * can fail return 0 / NULL on failure and set a message that
 * normc_last_error() returns (per thread).
 *
 *===----------------------------------------------------------------------===*/

#ifndef NORMC_RUNTIME_NORMC_H
#define NORMC_RUNTIME_NORMC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A compiled graph (shared library + manifest, or JIT code). */
typedef struct normc_executable normc_executable;
/** One function of a graph with its running statistics and buffers. */
typedef struct normc_session normc_session;

/** Element types of tensors. bf16 is raw bfloat16 bits. */
typedef enum normc_dtype {
  NORMC_F16 = 0,
  NORMC_BF16 = 1,
  NORMC_F32 = 2,
  NORMC_F64 = 3,
  NORMC_I64 = 4
} normc_dtype;

/** The message of the last failure on this thread ("" if none). */
const char *normc_last_error(void);

/** Loads a directory written by `normc ... -o DIR`. */
normc_executable *normc_executable_load(const char *dir);
/** JIT-compiles a graph file; `modes` is "train", "infer" or "both". */
normc_executable *normc_executable_jit(const char *graph_path,
                                       const char *modes);
/** Releases an executable (sessions keep their own reference). */
void normc_executable_free(normc_executable *executable);

/** A session on `function` (starts in inference mode when compiled). */
normc_session *normc_session_create(normc_executable *executable,
                                    const char *function);
void normc_session_free(normc_session *session);

/** Selects the training / inference entry; 1 on success. */
int normc_session_train(normc_session *session);
int normc_session_eval(normc_session *session);

/** Number of user inputs / outputs of the current entry. */
int normc_session_num_inputs(const normc_session *session);
int normc_session_num_outputs(const normc_session *session);
/** Dtype, rank and shape (valid while the session lives) of input / output
 *  `index` of the current entry; 1 on success. */
int normc_session_input_info(const normc_session *session, int index,
                             normc_dtype *dtype, int *rank,
                             const int64_t **shape);
int normc_session_output_info(const normc_session *session, int index,
                              normc_dtype *dtype, int *rank,
                              const int64_t **shape);

/** Runs one step. `inputs[i]` points to C-ordered data of input i's dtype
 *  and shape; on return `outputs[i]` points to output i, owned by the
 *  session and valid until the next call. Training steps update the running
 *  statistics. 1 on success. */
int normc_session_forward(normc_session *session, const void *const *inputs,
                          const void **outputs);

/** Running statistics as .npz (PyTorch state_dict keys); 1 on success.
 *  Saving is atomic; a bad file is rejected and changes nothing. */
int normc_session_load_state(normc_session *session, const char *path);
int normc_session_save_state(const normc_session *session, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* NORMC_RUNTIME_NORMC_H */
