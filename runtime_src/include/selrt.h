/* selrt: the stripped runtime selbuild builds. The only header an app includes.
 *
 * Life cycle:
 *   selrt_program *p;  selrt_error e;
 *   selrt_program_load(bytes, n, &p, &e);          // verifies every byte
 *   void *arena = aligned 16-byte buffer of selrt_arena_size(p) bytes;
 *   selrt_session *s;  selrt_session_create(p, arena, size, &s);
 *   memcpy(selrt_input(s, 0)->data, ..., selrt_input(s, 0)->bytes);
 *   selrt_run(s);
 *   ... selrt_output(s, 0)->data ...
 *   selrt_session_free(s); selrt_program_free(p);
 *
 * `bytes` must stay alive and unmodified while the program is in use: weights
 * are read in place. The runtime keeps no global state; sessions on different
 * threads are independent.
 */
#ifndef SELRT_H
#define SELRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SELRT_API
#else
#define SELRT_API __attribute__((visibility("default")))
#endif

#define SELRT_MAX_RANK 6
#define SELRT_ARENA_ALIGN 16
#define SELRT_PROGRAM_VERSION 1

typedef enum selrt_status {
  SELRT_OK = 0,
  SELRT_ERR_INVALID_ARG = 1,   /* NULL pointer, index out of range */
  SELRT_ERR_BAD_PROGRAM = 2,   /* bytes fail verification */
  SELRT_ERR_VERSION = 3,       /* program written for another runtime version */
  SELRT_ERR_MISSING_KERNEL = 4,/* program needs a kernel this build lacks */
  SELRT_ERR_NO_MEMORY = 5,
  SELRT_ERR_ARENA = 6,         /* arena too small or misaligned */
  SELRT_ERR_UNALIGNED = 7,     /* program bytes not 16-byte aligned */
  SELRT_ERR_UNSUPPORTED = 8,   /* a kernel rejects its parameters or shapes */
  SELRT_ERR_BACKEND = 9,       /* an accelerator backend failed */
  SELRT_ERR_NOT_FOUND = 10     /* no tensor of that name */
} selrt_status;

/* Same numbering as DType in schema/program.fbs. */
typedef enum selrt_dtype {
  SELRT_F32 = 0,
  SELRT_F16 = 1,
  SELRT_I8 = 2,
  SELRT_U8 = 3,
  SELRT_I16 = 4,
  SELRT_I32 = 5,
  SELRT_I64 = 6,
  SELRT_BOOL = 7
} selrt_dtype;

typedef struct selrt_tensor {
  selrt_dtype dtype;
  int32_t rank;
  int32_t dims[SELRT_MAX_RANK];
  void *data;          /* in the arena (activations) or in the program bytes (constants) */
  size_t bytes;
  const char *name;    /* NUL-terminated, points into the program bytes */
  float scale;         /* quantization of int8/uint8 tensors, 0 otherwise */
  int32_t zero_point;
} selrt_tensor;

/* Filled by calls that can fail for a reason worth a sentence, e.g. which
 * kernel is missing. */
typedef struct selrt_error {
  selrt_status status;
  char message[192];
} selrt_error;

typedef struct selrt_program selrt_program;
typedef struct selrt_session selrt_session;

/* Verifies `bytes` completely (every offset, length, index, shape, arena
 * range and kernel parameter) and resolves kernels. `err` may be NULL. */
SELRT_API selrt_status selrt_program_load(const void *bytes, size_t n,
                                          selrt_program **out, selrt_error *err);
SELRT_API void selrt_program_free(selrt_program *p);

SELRT_API size_t selrt_arena_size(const selrt_program *p);
SELRT_API int selrt_num_inputs(const selrt_program *p);
SELRT_API int selrt_num_outputs(const selrt_program *p);

/* `arena` must be SELRT_ARENA_ALIGN-aligned and at least selrt_arena_size(p). */
SELRT_API selrt_status selrt_session_create(const selrt_program *p, void *arena,
                                            size_t arena_bytes, selrt_session **out);
SELRT_API void selrt_session_free(selrt_session *s);

SELRT_API selrt_tensor *selrt_input(selrt_session *s, int i);
SELRT_API selrt_tensor *selrt_output(selrt_session *s, int i);
SELRT_API selrt_tensor *selrt_tensor_by_name(selrt_session *s, const char *name);

/* Runs every node once. Inputs are never written by a run (no activation
 * shares their arena bytes), so inputs set once serve any number of runs;
 * outputs stay intact until the next selrt_run. */
SELRT_API selrt_status selrt_run(selrt_session *s);

/* Accelerator backends. A program may hand runs of nodes (partitions) to a
 * backend (e.g. Vulkan). When the device cannot run it, the nodes run on the
 * CPU kernels instead; selrt_session_backend_status says which happened:
 * SELRT_OK when partition i runs on its backend in this session, otherwise
 * SELRT_ERR_BACKEND with the reason in err->message (err may be NULL). If a
 * partition can run neither way (runtime built with `fallback: none`),
 * selrt_run returns SELRT_ERR_BACKEND and the message says so. */
SELRT_API int selrt_num_partitions(const selrt_program *p);
SELRT_API selrt_status selrt_session_backend_status(selrt_session *s, int i, selrt_error *err);

SELRT_API const char *selrt_status_str(selrt_status st);
SELRT_API const char *selrt_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SELRT_H */
