/* Sessions: a program bound to a caller-owned arena.
 *
 * The program holds tensor templates; a session copies them once and points
 * every activation at arena + its verified offset, so several sessions (for
 * example one per thread) can run one program at the same time. The arena
 * is the caller's: selrt never allocates activation memory.
 *
 * Backends (selrt_backend.h) are set up here, once per session and
 * partition: probe + init, or the reason the partition runs on the CPU.
 */
#include <stdlib.h>
#include <string.h>

#include "selrt_backend.h"
#include "selrt_core.h"

/* "partition <i> (<backend>): <detail>[; <reason>]" + what happens instead. */
static void note(selrt_session *s, uint32_t i, const char *detail, const selrt_error *why) {
  const selrt_partition *part = &s->p->partitions[i];
  selrt_msg m = selrt_msg_begin(&s->backends[i].reason, SELRT_ERR_BACKEND);
  selrt_msg_s(&m, "partition ");
  selrt_msg_u(&m, i);
  selrt_msg_s(&m, " (");
  selrt_msg_s(&m, part->backend_name);
  selrt_msg_s(&m, "): ");
  selrt_msg_s(&m, detail);
  if (why && why->message[0]) {
    selrt_msg_s(&m, ": ");
    selrt_msg_s(&m, why->message);
  }
  selrt_msg_s(&m, part->cpu_ok ? "; running its nodes on the CPU"
                               : "; no CPU fallback (runtime built with fallback: none)");
}

static void setup_backend(selrt_session *s, uint32_t i) {
  const selrt_partition *part = &s->p->partitions[i];
  selrt_backend_state *b = &s->backends[i];
  selrt_error why;
  b->handle = 0;
  selrt_msg_begin(&b->reason, SELRT_OK);
  if (!part->backend) {
    note(s, i, "backend not compiled into this runtime", 0);
    return;
  }
  selrt_msg_begin(&why, SELRT_OK);
  if (part->backend->probe(&why) != SELRT_OK) {
    note(s, i, "unavailable", &why);
    return;
  }
  void *h = 0;
  selrt_msg_begin(&why, SELRT_OK);
  if (part->backend->init(s->p, part, &h, &why) != SELRT_OK || !h) {
    note(s, i, "init failed", &why);
    return;
  }
  b->handle = h;
}

selrt_status selrt_session_create(const selrt_program *p, void *arena, size_t arena_bytes,
                                  selrt_session **out) {
  if (!out) return SELRT_ERR_INVALID_ARG;
  *out = 0;
  if (!p) return SELRT_ERR_INVALID_ARG;
  /* Offsets were verified against p->arena_size; the arena must really be
   * that large, and aligned so that 16-aligned offsets stay 16-aligned. */
  if (p->arena_size > 0 &&
      (!arena || (uintptr_t)arena % SELRT_ARENA_ALIGN || arena_bytes < p->arena_size))
    return SELRT_ERR_ARENA;
  size_t head = (sizeof(selrt_session) + 7) & ~(size_t)7;
  /* n_tensors * sizeof(selrt_tensor) already fitted in the program's block. */
  size_t o_bk = (head + (size_t)p->n_tensors * sizeof(selrt_tensor) + 7) & ~(size_t)7;
  /* The partition count fitted in the program's block; the states are
   * another size: check rather than assume. */
  if (p->n_partitions > (SIZE_MAX - o_bk) / sizeof(selrt_backend_state)) return SELRT_ERR_NO_MEMORY;
  size_t total = o_bk + (size_t)p->n_partitions * sizeof(selrt_backend_state);
  uint8_t *block = (uint8_t *)malloc(total);
  if (!block) return SELRT_ERR_NO_MEMORY;
  selrt_session *s = (selrt_session *)(void *)block;
  s->p = p;
  s->arena = (uint8_t *)arena;
  s->tensors = (selrt_tensor *)(void *)(block + head);
  s->backends = (selrt_backend_state *)(void *)(block + o_bk);
#ifdef SELRT_CONTROL
  s->iterations = 0;
  s->iteration_cap = UINT64_MAX;
  s->once = 0;
#endif
#ifdef SELRT_THREADS
  s->par = 0;
  s->par_ctx = 0;
  s->par_tasks = 1;
#endif
#ifdef SELRT_SESSION_ISA
  s->isa = -1; /* detected by the first kernel that asks (shared/simd.c) */
#endif
  if (p->n_tensors) memcpy(s->tensors, p->tensors, (size_t)p->n_tensors * sizeof(selrt_tensor));
  for (uint32_t i = 0; i < p->n_tensors; i++)
    if (p->arena_offsets[i] >= 0) s->tensors[i].data = s->arena + p->arena_offsets[i];
  for (uint32_t i = 0; i < p->n_partitions; i++) setup_backend(s, i);
  *out = s;
  return SELRT_OK;
}

void selrt_session_free(selrt_session *s) {
  if (!s) return;
  for (uint32_t i = 0; i < s->p->n_partitions; i++)
    if (s->backends[i].handle) s->p->partitions[i].backend->release(s->backends[i].handle);
  free(s);
}

selrt_status selrt_session_backend_status(selrt_session *s, int i, selrt_error *err) {
  if (!s || i < 0 || (uint32_t)i >= s->p->n_partitions) {
    selrt_msg m = selrt_msg_begin(err, SELRT_ERR_INVALID_ARG);
    selrt_msg_s(&m, "no such partition");
    return SELRT_ERR_INVALID_ARG;
  }
  const selrt_error *r = &s->backends[i].reason;
  if (err) *err = *r;
  return r->status;
}

selrt_tensor *selrt_input(selrt_session *s, int i) {
  if (!s || i < 0 || (uint32_t)i >= s->p->n_inputs) return 0;
  return &s->tensors[s->p->inputs[i]];
}

selrt_tensor *selrt_output(selrt_session *s, int i) {
  if (!s || i < 0 || (uint32_t)i >= s->p->n_outputs) return 0;
  return &s->tensors[s->p->outputs[i]];
}

static int str_eq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

selrt_tensor *selrt_tensor_by_name(selrt_session *s, const char *name) {
  if (!s || !name) return 0;
  for (uint32_t i = 0; i < s->p->n_tensors; i++)
    if (str_eq(s->tensors[i].name, name)) return &s->tensors[i];
  return 0;
}

#ifdef SELRT_THREADS
selrt_status selrt_session_set_parallel(selrt_session *s, selrt_parallel_fn fn, void *ctx, int32_t max_tasks) {
  if (!s || max_tasks < 1) return SELRT_ERR_INVALID_ARG;
  s->par = fn;
  s->par_ctx = ctx;
  s->par_tasks = !fn ? 1 : max_tasks < SELRT_THREADS ? max_tasks : SELRT_THREADS;
  return SELRT_OK;
}

typedef struct selrt_rows_job {
  selrt_rows_fn fn;
  void *ctx;
  int32_t rows, per;
} selrt_rows_job;

static void selrt_rows_task(void *c, int32_t i) {
  const selrt_rows_job *j = (const selrt_rows_job *)c;
  const int32_t r0 = i * j->per;
  const int32_t r1 = j->rows - r0 > j->per ? r0 + j->per : j->rows;
  if (r0 < r1) j->fn(j->ctx, r0, r1);
}

/* Parts per task the app's pool may run at once: its threads claim parts as
 * they come free, so one thread held up (another process, a slower core)
 * delays a run by a fraction of a node instead of half of it. */
#define SELRT_PARTS_PER_TASK 4

void selrt_parallel_rows(selrt_session *s, selrt_rows_fn fn, void *ctx, int32_t rows, int32_t align) {
  int32_t t = s->par_tasks > 1 ? s->par_tasks * SELRT_PARTS_PER_TASK : 1;
  if (align < 1) align = 1;
  if (t > rows / align) t = rows / align;
  if (t <= 1 || !s->par) {
    if (rows > 0) fn(ctx, 0, rows);
    return;
  }
  /* Ranges of `per` rows (a multiple of align): t' <= t tasks cover them all. */
  int64_t per = ((int64_t)rows + t - 1) / t;
  per = (per + align - 1) / align * align;
  selrt_rows_job job = {fn, ctx, rows, (int32_t)per};
  s->par(s->par_ctx, selrt_rows_task, &job, (int32_t)(((int64_t)rows + per - 1) / per));
}
#endif
