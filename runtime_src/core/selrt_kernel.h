/* The contract between the core and the kernels. Internal: apps never see it.
 *
 * A kernel `<op>.<dtype>` lives in kernels/<op>/<op>_<dtype>.c and defines
 *
 *   selrt_status selrt_<op>_<dtype>_check(const selrt_program *p, const selrt_node *n);
 *   selrt_status selrt_<op>_<dtype>_run(selrt_session *s, const selrt_node *n);
 *   SELRT_KERNEL(<op>_<dtype>, "<op>.<dtype>");   e.g. SELRT_KERNEL(add_f32, "add.f32");
 *
 * Every symbol of a kernel file starts with selrt_<op>_<dtype>: the size report
 * attributes bytes by that prefix.
 *
 * `check` runs once at load time. The core has already verified that every
 * tensor index is in range, that the input/output/param counts match the
 * catalogue, that only inputs the catalogue marks optional (`name?`) are -1
 * (so selrt_pin/selrt_in return non-NULL for every required input), that
 * every output is an arena tensor whose bytes do not overlap any arena input
 * of the same node (no aliasing: kernels may read inputs after writing
 * outputs, and use memcpy), that every tensor's dtype is known, its
 * rank <= SELRT_MAX_RANK, its dims >= 1, `bytes` == elements * element size,
 * and that its bytes lie inside the arena or the program. `check` must verify
 * everything else `run` relies on (dtypes, ranks, shapes agreeing with each
 * other, parameter ranges) so that `run` can never read or write out of
 * bounds, whatever the program bytes were. `run` does
 * no validation and no allocation.
 */
#ifndef SELRT_KERNEL_H
#define SELRT_KERNEL_H

#include "selrt.h"
#include "selrt_kernel_params.h" /* generated from kernels.yaml: param indices and counts */
/* Generated per kernel selection: SELRT_CONTROL when it has control-flow
 * kernels (while.any, if.any), which compiles the core's few lines for
 * subgraphs and the iteration budget; absent, the core is straight-line only. */
#if defined(__has_include)
#if __has_include("selrt_features.h")
#include "selrt_features.h"
#endif
#endif

typedef struct selrt_node {
  uint32_t kernel;              /* index into selrt_program.kernels */
  uint32_t n_in, n_out, n_ip, n_fp;
  const int32_t *in;            /* tensor indices, -1 = omitted optional input */
  const int32_t *out;
  const int32_t *ip;            /* iparams, layout per kernels.yaml */
  const float *fp;              /* fparams, layout per kernels.yaml */
  int32_t partition;            /* backend partition index or -1 */
} selrt_node;

typedef selrt_status (*selrt_check_fn)(const selrt_program *p, const selrt_node *n);
typedef selrt_status (*selrt_run_fn)(selrt_session *s, const selrt_node *n);

typedef struct selrt_kernel {
  const char *name;             /* "<op>.<dtype>" */
  selrt_check_fn check;
  selrt_run_fn run;
  uint8_t min_inputs, max_inputs, n_outputs;
  uint8_t n_iparams, n_fparams;
  uint8_t max_outputs;          /* == n_outputs unless the outputs are variadic (255) */
  uint64_t optional_inputs;     /* bit i set: input i may be -1 (catalogue `name?`) */
} selrt_kernel;

/* Declares a kernel descriptor from the counts the catalogue generated. */
#define SELRT_KERNEL(sym, name_str)                                            \
  extern const selrt_kernel selrt_##sym; /* declared: -Wmissing-variable-declarations */ \
  const selrt_kernel selrt_##sym = {                                           \
      name_str, selrt_##sym##_check, selrt_##sym##_run,                        \
      SELRT_##sym##_MIN_INPUTS, SELRT_##sym##_MAX_INPUTS,                      \
      SELRT_##sym##_N_OUTPUTS, SELRT_##sym##_N_IPARAMS, SELRT_##sym##_N_FPARAMS, \
      SELRT_##sym##_MAX_OUTPUTS, SELRT_##sym##_OPTIONAL_INPUTS}

/* A subgraph called by control-flow kernels (schema/program.fbs Subgraph):
 * nodes [first, first + count) of selrt_program.nodes. */
typedef struct selrt_subgraph {
  uint32_t first, count, n_in, n_out;
  const int32_t *in, *out;      /* tensor indices, verified; inputs are arena tensors */
  uint32_t depth;               /* call depth below the entry graph, set by control checks */
} selrt_subgraph;

/* Calls nest at most this deep (the C stack of a run is bounded by it). */
#define SELRT_MAX_CALL_DEPTH 8

struct selrt_program {
  const uint8_t *bytes;
  size_t n_bytes;
  uint32_t n_tensors, n_nodes, n_inputs, n_outputs, n_kernels;
  selrt_tensor *tensors;        /* templates: data set for constants, NULL for arena tensors */
  int64_t *arena_offsets;       /* per tensor, -1 for constants */
  selrt_node *nodes;
  const selrt_kernel **kernels; /* resolved from the generated table */
  const int32_t *inputs, *outputs;
  size_t arena_size;
  const char **kernel_names;    /* "<op>.<dtype>" per kernel index (in the program bytes) */
  uint32_t n_partitions;
  struct selrt_partition *partitions; /* see selrt_backend.h */
  struct selrt_reason *reason;  /* while a kernel's check runs: where SELRT_REJECT writes; else NULL */
  /* Control flow (SELRT_CONTROL builds; 0 / NULL otherwise). With subgraphs,
   * n_nodes counts the entry graph's nodes only and n_all_nodes all of them. */
  uint32_t n_subgraphs, n_all_nodes;
  selrt_subgraph *subgraphs;
  uint64_t max_iterations;      /* loop iterations one selrt_run may take */
};

/* x86-64 speed builds pick kernel variants by CPU feature: the session keeps
 * the answer, so cpuid (a VM exit under a hypervisor, ~microseconds each) runs
 * once per session instead of once per node. Other builds lack the field. */
#if defined(SELRT_PROFILE_SPEED) && defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define SELRT_SESSION_ISA 1
#endif

struct selrt_session {
  const selrt_program *p;
  uint8_t *arena;
  selrt_tensor *tensors;        /* data pointers bound to this arena */
  struct selrt_backend_state *backends; /* per partition, see selrt_backend.h */
  uint64_t iterations;          /* loop iterations taken by this run (SELRT_CONTROL) */
  uint64_t iteration_cap;       /* the session's bound on max_iterations */
  uint64_t once;                /* CALL_ONCE slots done in this session (bit per slot) */
#ifdef SELRT_SESSION_ISA
  int32_t isa;                  /* -1 until first asked; then shared/simd.h feature bits */
#endif
#ifdef SELRT_THREADS
  selrt_parallel_fn par;        /* the app's parallel-for (selrt_session_set_parallel), or NULL */
  void *par_ctx;
  int32_t par_tasks;            /* tasks a kernel may split into: 1..SELRT_THREADS */
#endif
};

#ifdef SELRT_THREADS
/* Threaded builds: fn(ctx, r0, r1) for consecutive ranges covering [0, rows),
 * each a multiple of `align` long (but the last), as at most 4 * s->par_tasks
 * tasks of the app's parallel-for; one call fn(ctx, 0, rows) without one.
 * Kernels split their output this way: ranges must write disjoint bytes. */
typedef void (*selrt_rows_fn)(void *ctx, int32_t r0, int32_t r1);
void selrt_parallel_rows(selrt_session *s, selrt_rows_fn fn, void *ctx, int32_t rows, int32_t align);
/* The ctx of a kernel whose row ranges need only its session and node. */
typedef struct selrt_node_job {
  selrt_session *s;
  const selrt_node *n;
} selrt_node_job;
#endif

/* The generated table of kernels selected for this build. */
extern const selrt_kernel *const selrt_kernel_table[];
extern const uint32_t selrt_kernel_table_size;

/* Accessors for kernels. Indices were verified at load time. */
static inline const selrt_tensor *selrt_pin(const selrt_program *p, const selrt_node *n, uint32_t i) {
  return (i < n->n_in && n->in[i] >= 0) ? &p->tensors[n->in[i]] : (const selrt_tensor *)0;
}
static inline const selrt_tensor *selrt_pout(const selrt_program *p, const selrt_node *n, uint32_t i) {
  return &p->tensors[n->out[i]];
}
static inline selrt_tensor *selrt_in(selrt_session *s, const selrt_node *n, uint32_t i) {
  return (i < n->n_in && n->in[i] >= 0) ? &s->tensors[n->in[i]] : (selrt_tensor *)0;
}
static inline selrt_tensor *selrt_out(selrt_session *s, const selrt_node *n, uint32_t i) {
  return &s->tensors[n->out[i]];
}
/* Why a check refused its node, for the load error: the loader prints
 * "node 12 (depthwise_conv2d.f32): dilation 9 exceeds input height 7".
 * `text` is a string literal in which each '%' stands for a, then b.
 *
 *   if (d > h) return SELRT_REJECT(p, "dilation % exceeds input height %", d, h);
 *
 * A build with SELRT_NO_REASONS links no reason text: SELRT_REJECT is then the
 * bare status and the message says only that the kernel rejects the node. */
typedef struct selrt_reason {
  const char *text;
  int64_t a, b;
} selrt_reason;
selrt_status selrt_reject(const selrt_program *p, const char *text, int64_t a, int64_t b);
#ifdef SELRT_NO_REASONS
#define SELRT_REJECT(p, text, a, b) ((void)(p), SELRT_ERR_UNSUPPORTED)
#else
#define SELRT_REJECT(p, text, a, b) selrt_reject((p), (text), (int64_t)(a), (int64_t)(b))
#endif

/* Product of t's dims (core/tensor.c). */
__attribute__((pure)) size_t selrt_numel(const selrt_tensor *t);

#endif /* SELRT_KERNEL_H */
